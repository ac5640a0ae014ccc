// The technician's command log: every frame on the wire with its direction, time,
// decoded meaning and hex. Frames are re-framed from the raw byte streams, so what
// the log shows is what the line carried (including drops). Encrypted payloads are
// shown as such; key material never reaches the log (KEYSET only travels encrypted).
import { Framer, commandName, decode, hex, inputStateName, replyName, type Command, type FramerOutput, type Reply } from './protocol';

export interface LogEntry {
  seq: number;
  /** ms since the epoch */
  at: number;
  direction: 'tx' | 'rx' | 'drop';
  address: number | null;
  meaning: string;
  hex: string;
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

/** Turns raw tx/rx byte streams into log entries. */
export class CommandLog {
  private readonly tx = new Framer();
  private readonly rx = new Framer();
  private readonly entries: LogEntry[] = [];
  private next = 1;
  private readonly listeners = new Set<(e: LogEntry) => void>();

  constructor(private readonly capacity = 2000) {}

  onEntry(listener: (e: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recent(limit = 200): LogEntry[] {
    return this.entries.slice(-limit);
  }

  sent(bytes: Uint8Array, at: number): void {
    this.feed(this.tx.push(bytes), 'tx', at);
  }

  received(bytes: Uint8Array, at: number): void {
    this.feed(this.rx.push(bytes), 'rx', at);
  }

  private feed(outputs: FramerOutput[], direction: 'tx' | 'rx', at: number): void {
    for (const o of outputs) {
      if (o.type === 'drop') {
        this.add({
          at,
          direction: 'drop',
          address: null,
          meaning: `${direction} dropped ${o.drop.count} byte(s): ${o.drop.message}`,
          hex: hex(o.drop.bytes),
        });
        continue;
      }
      const f = o.frame.frame;
      let meaning: string;
      const t = f.security?.type;
      if (t !== undefined && t >= 0x15) {
        const name = direction === 'tx' ? commandName(f.code) : replyName(f.code);
        meaning = t === 0x17 || t === 0x18 ? `${name} [secure, ${f.data.length} encrypted bytes]` : `${name} [secure, MAC]`;
      } else {
        const d = decode(o.frame.bytes);
        if (!d.ok) meaning = `${direction === 'tx' ? commandName(f.code) : replyName(f.code)} (undecodable: ${d.error.message})`;
        else meaning = d.direction === 'command' ? describeCommand(d.command) : describeReply(d.reply);
      }
      this.add({ at, direction, address: f.address, meaning: `${meaning} · seq ${f.sequence}`, hex: hex(o.frame.bytes) });
    }
  }

  private add(e: Omit<LogEntry, 'seq'>): void {
    const entry = { seq: this.next++, ...e };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    for (const l of this.listeners) l(entry);
  }
}
