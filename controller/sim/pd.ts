// A simulated OSDP peripheral on the wire: address filtering, sequence numbers
// (a repeated sequence gets the last reply again; 0 resets), COMSET, the secure
// channel (PD side, SCBK or SCBK-D install mode) and injected faults (silent, NAK,
// line noise). The application behaviour (inputs, outputs, timers, door) is
// PdDevice. Pure: frames and `now` come in, reply bytes go out.
import {
  BROADCAST,
  NAK_CODE,
  SCS,
  decodeCommandPayload,
  encodeReply,
  nakMeaning,
  type Command,
  type Frame,
  type Reply,
  type Sequence,
  PdSession,
  SecretKey,
} from '../protocol';
import type { DoorFaults } from './door-model';
import { PdDevice, type PdDeviceConfig } from './pd-device';

export interface PdSimConfig extends PdDeviceConfig {
  address: number;
  /** Offer the secure channel (PDCAP function 9). */
  secureChannel?: boolean;
  /** The PD's own SCBK; null = install mode (only SCBK-D, the default key, works). */
  scbk?: Uint8Array | null;
  /** Deterministic randomness for RND.B and line noise. */
  random?: () => number;
  /** Answer plain commands only with NAK 06, as a PD set to enforce the secure channel (libosdp ENFORCE_SECURE). */
  enforceSecure?: boolean;
  /** Line speed the PD listens at (default 9600). */
  baud?: number;
  /** PD-level faults when no door carries them. */
  faults?: DoorFaults['pd'];
}

export interface PdCounters {
  received: number;
  replied: number;
  repeated: number;
  naks: number;
  ignored: number;
}

export class PdSim {
  readonly device: PdDevice;
  address: number;
  baud: number;
  private lastSeq: Sequence | null = null;
  /** command code of the last frame answered: a repeat is the same sequence AND the same command */
  private lastCode: number | null = null;
  private lastReply: Uint8Array | null = null;
  private readonly random: () => number;
  private ownFaults: DoorFaults['pd'];
  readonly sc: PdSession | null;
  readonly counters: PdCounters = { received: 0, replied: 0, repeated: 0, naks: 0, ignored: 0 };
  /** A COMSET asked for this baud; the bus applies it after the COM reply went out. */
  pendingBaud: number | null = null;

  constructor(
    readonly config: PdSimConfig,
    now: number,
  ) {
    this.address = config.address;
    this.baud = config.baud ?? 9600;
    this.device = new PdDevice(config, now);
    this.random = config.random ?? Math.random;
    this.ownFaults = config.faults ?? null;
    const random = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(this.random() * 256));
    this.sc = config.secureChannel
      ? new PdSession({
          scbk: config.scbk ? new SecretKey(config.scbk) : undefined,
          clientUid: Uint8Array.of(0x5c, 0x26, 0x0a, 0, 0, 0, config.address >> 8, config.address & 0xff),
          random,
        })
      : null;
  }

  get pdFault(): DoorFaults['pd'] {
    return this.config.door?.faults.pd ?? this.ownFaults ?? null;
  }

  setPdFault(fault: DoorFaults['pd'], now: number): void {
    const door = this.config.door;
    if (door) door.setFaults({ ...door.faults, pd: fault }, now);
    else this.ownFaults = fault;
  }

  /** Whether the PD still uses the default key (install mode). */
  get usesDefaultKey(): boolean {
    return this.sc?.usesDefaultKey ?? false;
  }

  /**
   * Handle one whole frame seen on the bus. Returns the bytes to send back, or null
   * (not for us, a reply from another PD, a broadcast we answer silently, or a silent fault).
   */
  handleFrame(frame: Frame, now: number): Uint8Array | null {
    if (frame.reply) return null; // another PD's reply on the multi-drop line
    if (frame.address !== this.address && frame.address !== BROADCAST) {
      this.counters.ignored++;
      return null;
    }
    this.counters.received++;
    this.device.advance(now);
    const fault = this.pdFault;
    if (fault === 'silent') return null;
    const reply = this.replyBytes(frame, now);
    if (reply === null) return null;
    this.counters.replied++;
    return fault === 'noise' ? this.addNoise(reply) : reply;
  }

  private replyBytes(frame: Frame, now: number): Uint8Array | null {
    const seq = frame.sequence;
    const code = frame.code;
    // The ACU asks for a repeat of the last reply by re-sending the same frame: same sequence and same command.
    // Another command with that sequence is new work (an ID after a POLL must not get the POLL's ACK back).
    if (seq !== 0 && seq === this.lastSeq && frame.code === this.lastCode && this.lastReply) {
      this.counters.repeated++;
      return this.lastReply;
    }
    const opts = { address: this.address, sequence: seq, useCrc: frame.useCrc };
    if (seq === 0) {
      // Sequence 0: the ACU (re)starts the link; any secure channel is dropped.
      this.sc?.reset();
    } else if (this.lastSeq !== null && seq !== (this.lastSeq % 3) + 1 && seq !== this.lastSeq) {
      return this.remember(seq, this.nakFrame(NAK_CODE.SEQUENCE, opts), code);
    } else if (this.lastSeq === null) {
      return this.remember(seq, this.nakFrame(NAK_CODE.SEQUENCE, opts), code);
    }

    if (this.pdFault === 'nak') return this.remember(seq, this.nakFrame(NAK_CODE.CANNOT_PROCESS, opts), code);

    // Secure channel: handshake frames, MAC checks and decryption.
    const secure = this.sc?.state === 'active';
    const nakFor = (nakCode: number): Uint8Array => this.remember(seq, this.nakFrame(nakCode, opts), code);
    let command: Command | null = null;
    let badPayload: number | null = null;
    if (frame.security) {
      const sc = this.sc;
      if (!sc) return nakFor(NAK_CODE.SC_UNSUPPORTED);
      const t = frame.security.type;
      if (t === SCS.CHLNG || t === SCS.SCRYPT) {
        const c = decodeCommandPayload(frame.code, frame.data);
        if (!c.ok) return nakFor(NAK_CODE.BAD_LENGTH);
        const r = t === SCS.CHLNG ? sc.onChlng(c.command, frame.security.data[0] ?? 1) : sc.onScrypt(c.command);
        if (!r.ok) return nakFor(NAK_CODE.SC_CONDITIONS);
        return this.remember(seq, encodeReply(r.reply, { ...opts, security: r.security }), code);
      }
      const u = sc.unwrapCommand(frame);
      if (!u.ok) {
        if ('decode' in u) badPayload = u.error.kind === 'unknown-code' ? NAK_CODE.UNKNOWN_COMMAND : NAK_CODE.BAD_LENGTH;
        else {
          // A MAC that does not verify ends the session; the ACU must handshake again.
          sc.reset();
          return nakFor(NAK_CODE.SC_CONDITIONS);
        }
      } else command = u.command;
    } else if (secure) {
      // A plaintext command inside a secure session: refuse it and drop the session.
      this.sc?.reset();
      return nakFor(NAK_CODE.SC_CONDITIONS);
    } else if (this.config.enforceSecure && this.sc) {
      return nakFor(NAK_CODE.SC_CONDITIONS); // nothing in clear: open a secure channel first
    } else {
      const c = decodeCommandPayload(frame.code, frame.data);
      if (c.ok) command = c.command;
      else badPayload = c.error.kind === 'unknown-code' ? NAK_CODE.UNKNOWN_COMMAND : NAK_CODE.BAD_LENGTH;
    }
    const wrap = (reply: Reply): Uint8Array => (this.sc?.state === 'active' ? this.sc.wrapReply(reply, opts) : encodeReply(reply, opts));
    if (command === null) return this.remember(seq, wrap(this.nak(badPayload ?? NAK_CODE.BAD_LENGTH)), code);
    let reply: Reply;
    if (command.type === 'COMSET') {
      reply = { type: 'COM', address: command.address, baud: command.baud };
    } else if (command.type === 'KEYSET') {
      if (this.sc?.state !== 'active') reply = this.nak(NAK_CODE.SC_CONDITIONS);
      else {
        this.sc.setKey(new SecretKey(command.key));
        reply = { type: 'ACK' };
      }
    } else if (command.type === 'CAP') {
      const caps = this.device.capabilities();
      if (this.sc) caps.push({ function: 9, compliance: 1, count: 1 });
      reply = { type: 'PDCAP', capabilities: caps };
    } else {
      reply = this.device.respond(command, now);
    }
    const bytes = wrap(reply);
    if (command.type === 'COMSET') {
      // The new address/baud take effect after the COM reply (sent with the old ones).
      this.address = command.address;
      this.pendingBaud = command.baud;
    }
    return this.remember(seq, bytes, code);
  }

  private nak(code: number): Reply {
    this.counters.naks++;
    return { type: 'NAK', code, meaning: nakMeaning(code) };
  }

  private nakFrame(code: number, opts: { address: number; sequence: Sequence; useCrc: boolean }): Uint8Array {
    return encodeReply(this.nak(code), opts);
  }

  private remember(seq: Sequence, bytes: Uint8Array, code: number): Uint8Array {
    this.lastSeq = seq;
    this.lastCode = code;
    this.lastReply = bytes;
    return bytes;
  }

  /** Line noise: garbage before the frame, or one corrupted byte (the ACU must drop it and retry). */
  private addNoise(reply: Uint8Array): Uint8Array {
    const r = this.random();
    if (r < 0.34) {
      const junk = Uint8Array.from({ length: 1 + Math.floor(this.random() * 6) }, () => Math.floor(this.random() * 256) & 0x7f);
      const out = new Uint8Array(junk.length + reply.length);
      out.set(junk);
      out.set(reply, junk.length);
      return out;
    }
    if (r < 0.67) {
      const out = reply.slice();
      const i = 2 + Math.floor(this.random() * (out.length - 2));
      out[i] = out[i]! ^ (1 << Math.floor(this.random() * 8));
      return out;
    }
    return reply;
  }
}
