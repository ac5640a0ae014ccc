// The technician's command log: every frame on the wire with its direction, time,
// decoded meaning and hex, plus bytes the framer dropped and link notes (online,
// offline, secure channel). Key material never reaches the log: KEYSET is described
// as redacted and only travels encrypted.
import { hex, inputStateName, parseFrame, replyName, type Command, type LinkEvent, type Reply } from './protocol';

export interface LogEntry {
  seq: number;
  /** ms since the epoch */
  at: number;
  direction: 'tx' | 'rx' | 'drop' | 'note';
  address: number | null;
  meaning: string;
  hex: string;
  /** An idle POLL or the plain ACK answering it (the UI can hide these). */
  idle?: boolean;
}

const OUT_MEANING = [
  'no change',
  'permanent OFF (abort timer)',
  'permanent ON (abort timer)',
  'permanent OFF (after timer)',
  'permanent ON (after timer)',
  'temporary ON',
  'temporary OFF',
];

export function describeCommand(c: Command): string {
  switch (c.type) {
    case 'OUT':
      return `OUT ${c.records
        .map(
          (r) =>
            `out ${r.output} ${OUT_MEANING[r.code] ?? `code ${r.code}`}${r.code >= 5 ? ` for ${(r.timerMs / 1000).toFixed(1)} s` : ''}`,
        )
        .join('; ')}`;
    case 'COMSET':
      return `COMSET → address ${c.address} at ${c.baud} baud`;
    case 'KEYSET':
      return 'KEYSET (new secure-channel key; redacted)';
    case 'CHLNG':
      return 'CHLNG (secure-channel challenge)';
    case 'SCRYPT':
      return 'SCRYPT (ACU cryptogram)';
    case 'ID':
    case 'CAP':
      return c.type;
    case 'BUZ':
      return `BUZ tone ${c.tone}`;
    case 'LED':
      return `LED ×${c.records.length}`;
    default:
      return c.type;
  }
}

export function describeReply(r: Reply): string {
  switch (r.type) {
    case 'NAK':
      return `NAK ${r.code}: ${r.meaning}`;
    case 'PDID':
      return `PDID vendor ${r.vendor.map((b) => b.toString(16).padStart(2, '0')).join('-')} model ${r.model} serial ${r.serial} fw ${r.firmware.major}.${r.firmware.minor}.${r.firmware.build}`;
    case 'PDCAP':
      return `PDCAP ${r.capabilities.map((c) => `${c.function}:${c.compliance}/${c.count}`).join(' ')}`;
    case 'ISTATR':
      return `ISTATR ${r.inputs.map((v, i) => `in${i}=${inputStateName(v)}`).join(' ')}`;
    case 'OSTATR':
      return `OSTATR ${r.outputs.map((v, i) => `out${i}=${v ? 'ON' : 'OFF'}`).join(' ')}`;
    case 'LSTATR':
      return `LSTATR tamper ${r.tamper} power ${r.power}`;
    case 'COM':
      return `COM address ${r.address} at ${r.baud} baud`;
    case 'CCRYPT':
      return 'CCRYPT (PD cryptogram)';
    case 'RMAC_I':
      return 'RMAC_I (secure channel established)';
    default:
      return r.type;
  }
}

/** The technician's log, fed from the link's events (which carry the decoded plaintext even for secure frames). */
export class CommandLog {
  private readonly entries: LogEntry[] = [];
  private next = 1;
  private readonly listeners = new Set<(e: LogEntry) => void>();
  /** Per address: the last command sent was a POLL (so a plain ACK reply is idle traffic). */
  private readonly polled = new Set<number>();

  constructor(private readonly capacity = 2000) {}

  onEntry(listener: (e: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recent(limit = 200): LogEntry[] {
    return this.entries.slice(-limit);
  }

  /** Log one link event at wall-clock time `at` (ms since the epoch). Events that are not frames are logged as notes. */
  record(e: LinkEvent, at: number): void {
    switch (e.type) {
      case 'tx': {
        const f = parseFrame(e.bytes);
        const seq = f.ok ? ` · seq ${f.frame.sequence}` : '';
        const how = `${e.secure ? ' [secure]' : ''}${e.retry ? ' (retry)' : ''}`;
        const idle = e.command.type === 'POLL';
        if (idle) this.polled.add(e.address);
        else this.polled.delete(e.address);
        this.add({
          at,
          direction: 'tx',
          address: e.address,
          meaning: `${describeCommand(e.command)}${how}${seq}`,
          hex: hex(e.bytes),
          idle,
        });
        return;
      }
      case 'rx': {
        const f = parseFrame(e.bytes);
        const seq = f.ok ? ` · seq ${f.frame.sequence}` : '';
        const name = f.ok ? replyName(f.frame.code) : 'reply';
        const meaning = e.reply ? describeReply(e.reply) : `${name} (${e.error ?? 'undecodable'})`;
        const idle = this.polled.has(e.address) && e.reply?.type === 'ACK';
        this.add({
          at,
          direction: 'rx',
          address: e.address,
          meaning: `${meaning}${e.secure ? ' [secure]' : ''}${seq}`,
          hex: hex(e.bytes),
          idle,
        });
        return;
      }
      case 'drop':
        this.add({
          at,
          direction: 'drop',
          address: null,
          meaning: `dropped ${e.drop.count} byte(s): ${e.drop.reason} — ${e.drop.message}`,
          hex: hex(e.drop.bytes),
        });
        return;
      case 'online':
        this.note(at, e.address, 'PD online');
        return;
      case 'offline':
        this.note(at, e.address, `PD offline (no valid reply for ${Math.round(e.silentMs)} ms)`);
        return;
      case 'secure':
        this.note(
          at,
          e.address,
          `secure channel ${e.state}${e.usesDefaultKey ? ' (default key SCBK-D)' : ''}${e.error ? `: ${e.error.message}` : ''}`,
        );
        return;
      case 'key-changed':
        this.note(at, e.address, 'secure-channel key changed (KEYSET)');
        return;
      case 'stray':
        this.note(at, e.address, `stray reply ignored: ${e.reason}`);
        return;
      default:
        return; // nak / unsolicited are visible in their rx entry
    }
  }

  /** A line for something the technician or the driver did (not a frame). */
  note(at: number, address: number | null, meaning: string): void {
    this.add({ at, direction: 'note', address, meaning, hex: '' });
  }

  private add(e: Omit<LogEntry, 'seq'>): void {
    const entry = { seq: this.next++, ...e };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    for (const l of this.listeners) l(entry);
  }
}
