// OSDP link layer, ACU side: one half-duplex bus with several PDs (multi-drop). One command on the wire at a time,
// PDs served round-robin, a queue of requests per PD, sequence numbers (0, then 1→2→3→1), retries that re-send the
// same bytes (same sequence) paced 800 ms apart, a 200 ms reply timeout, online/offline (8 s without a valid reply) with re-probes every
// ~2.5 s, BUSY and NAK handling, unsolicited replies to POLL as events, and the secure channel per PD.
// Pure: the caller supplies `now` (ms) through receive()/tick(), writes the bytes we hand to `write`, and schedules
// its timer from nextDeadline(). Inter-frame idle gaps are the driver's job; the wire time of our own frame is
// modelled here from `baud`, because the PD's 200 ms only starts when our last byte has left the line.
import { charTimeMs } from './baud';
import { type Frame, type Sequence, SCS, buildFrame } from './frame';
import { type Drop, Framer } from './framer';
import { type Command, type Reply, commandPayload, decodeReplyPayload, nakMeaning } from './messages';
import { AcuSession, type SecureError, SecretKey } from './secure-channel';

export type LinkErrorKind =
  | 'timeout' // no reply after the request's attempts
  | 'offline' // the PD is (or went) offline
  | 'nak' // the PD answered NAK (see nakCode)
  | 'unknown-command' // NAK 03: the PD does not implement this command
  | 'secure-channel' // handshake failed (e.g. key mismatch), MAC failure, or KEYSET outside a secure channel
  | 'unexpected-reply' // a reply type that does not answer this command
  | 'bad-reply' // a reply that does not decode
  | 'invalid-command' // a command field out of range (rejected before it reaches the wire)
  | 'removed' // the PD was removed from the bus
  | 'disconnected'; // the adapter (serial port) went away: nothing can reach the PD until it is back

/** Why a request failed. Never carries key material. */
export class LinkError extends Error {
  constructor(
    readonly kind: LinkErrorKind,
    readonly address: number,
    readonly command: Command['type'],
    message: string,
    readonly nakCode?: number,
  ) {
    super(`PD ${address} ${command}: ${message}`);
    this.name = 'LinkError';
  }
}

export type PdLinkState = 'unknown' | 'online' | 'offline';
export type SecureState = 'off' | 'handshake' | 'active' | 'failed';

export interface PdCounters {
  sent: number;
  retries: number;
  timeouts: number;
  replies: number;
  naks: number;
  busy: number;
  unsolicited: number;
  /** replies from the wrong address or with the wrong sequence */
  stray: number;
  /** MAC failures and secure-channel errors */
  secureErrors: number;
  sequenceResets: number;
}

export interface PdStatus {
  address: number;
  state: PdLinkState;
  online: boolean;
  secure: SecureState;
  /** the secure channel uses (or would use) SCBK-D */
  usesDefaultKey: boolean | null;
  secureError?: SecureError;
  /** next sequence number for a new command */
  sequence: Sequence;
  queued: number;
  lastReplyAt: number | null;
  counters: PdCounters;
}

/** Events for the driver and UI. Payloads are plaintext decoded messages; keys never appear. */
export type LinkEvent =
  /** a frame written; a KEYSET's key is redacted (empty) here */
  | { type: 'tx'; at: number; address: number; bytes: Uint8Array; command: Command; retry: boolean; secure: boolean }
  | { type: 'rx'; at: number; address: number; bytes: Uint8Array; reply?: Reply; error?: string; secure: boolean }
  | { type: 'online'; at: number; address: number }
  | { type: 'offline'; at: number; address: number; silentMs: number }
  | { type: 'unsolicited'; at: number; address: number; reply: Reply }
  | { type: 'nak'; at: number; address: number; command: Command['type']; code: number; meaning: string }
  | { type: 'secure'; at: number; address: number; state: SecureState; usesDefaultKey: boolean; error?: SecureError }
  | { type: 'key-changed'; at: number; address: number }
  | { type: 'drop'; at: number; drop: Drop }
  | { type: 'stray'; at: number; address: number; reason: string };

export interface AcuBusOptions {
  write: (bytes: Uint8Array) => void;
  onEvent?: (e: LinkEvent) => void;
  /** called when a request is queued, so the driver re-reads nextDeadline() */
  wake?: () => void;
  /** reply timeout (default 200 ms) */
  replyTimeoutMs?: number;
  /** offline after this long without a valid reply (default 8000 ms) */
  offlineAfterMs?: number;
  /** re-probe an offline PD (and retry a failed secure channel) this often (default 2500 ms) */
  reprobeMs?: number;
  /**
   * wait after a reply timeout before re-sending (default 800 ms, as libosdp): a PD that did not answer is given
   * time to recover and a struggling bus is not flooded; other PDs use the line meanwhile
   */
  retryWaitMs?: number;
  /** consecutive re-sends without a reply before the PD is offline (default 8, as libosdp) */
  maxRetries?: number;
  /** wait after BUSY before re-sending (default 50 ms) */
  busyRetryMs?: number;
  /** minimum time between polls of one idle PD (default 50 ms, as libosdp) */
  pollIntervalMs?: number;
  /** framer inter-character timeout (default 20 ms) */
  interCharTimeoutMs?: number;
  /** randomness for the secure channel's RND.A (default node:crypto) */
  random?: (n: number) => Uint8Array;
  /**
   * Line speed, to model when our frame has left the wire: the reply timeout starts then (as libosdp does), so a
   * long command at 9600 baud is not retried while the PD is still receiving it. Unset: no wire time (a test line).
   */
  baud?: number;
}

export interface PdConfig {
  address: number;
  /** CRC-16 (default) or checksum */
  useCrc?: boolean;
  /** open a secure channel: with the PD's own SCBK, or SCBK-D when `install` or no key is given */
  secure?: { scbk?: Uint8Array | SecretKey; install?: boolean };
  /** poll this PD when idle and re-probe it when offline (default true); false: talk only when asked (a scan) */
  poll?: boolean;
}

export interface RequestOptions {
  /** give up after this many sends without a reply (default: keep trying until the PD goes offline) */
  attempts?: number;
}

/** Expected reply types per command; anything else is 'unexpected-reply'. POLL accepts any reply. */
const EXPECTED: Partial<Record<Command['type'], Reply['type'][]>> = {
  ID: ['PDID'],
  CAP: ['PDCAP'],
  LSTAT: ['LSTATR'],
  ISTAT: ['ISTATR'],
  OSTAT: ['OSTATR'],
  RSTAT: ['RSTATR'],
  // A PD may answer OUT with ACK or with OSTATR (docs/osdp.md): accept both. Neither proves a relay moved.
  OUT: ['ACK', 'OSTATR'],
  LED: ['ACK'],
  BUZ: ['ACK'],
  COMSET: ['COM', 'ACK'],
  KEYSET: ['ACK'],
};
const STATUS_REPLIES = new Set<Reply['type']>(['ISTATR', 'LSTATR', 'OSTATR', 'RSTATR']);
const MAX_SEQUENCE_RESETS = 3;

interface Pending {
  command: Command;
  attempts: number;
  maxAttempts: number;
  seqResets: number;
  /** re-sent once after a NAK 05/06 and a fresh handshake */
  scRetries: number;
  resolve: (r: Reply) => void;
  reject: (e: LinkError) => void;
}

type Purpose = 'request' | 'poll' | 'chlng' | 'scrypt';

interface InFlight {
  purpose: Purpose;
  command: Command;
  bytes: Uint8Array;
  sequence: Sequence;
  secure: boolean;
  deadline: number;
  request?: Pending;
}

interface Pd {
  address: number;
  useCrc: boolean;
  poll: boolean;
  secureCfg: { scbk?: SecretKey; install: boolean } | null;
  session: AcuSession | null;
  secure: SecureState;
  secureError?: SecureError;
  secureRetryAt: number;
  state: PdLinkState;
  sequence: Sequence;
  queue: Pending[];
  /** a frame to send next, not before `at`: a retry / BUSY re-send (retry: true) or the next handshake step */
  resend: { flight: Omit<InFlight, 'deadline'>; at: number; retry: boolean } | null;
  silentSince: number | null;
  /** re-sends since the last valid reply */
  missed: number;
  lastReplyAt: number | null;
  nextPollAt: number;
  nextProbeAt: number;
  counters: PdCounters;
}

/** Events never carry key material: a KEYSET's key is replaced by an empty array (the frame itself is encrypted). */
const redact = (c: Command): Command => (c.type === 'KEYSET' ? { type: 'KEYSET', keyType: c.keyType, key: new Uint8Array(0) } : c);

const nextSeq = (s: Sequence): Sequence => (s === 3 ? 1 : ((s + 1) as Sequence));

/** OSDP's longest allowed PD reply delay, and so the default reply timeout. */
export const REPLY_TIMEOUT_MS = 200;

export class AcuBus {
  private readonly pds = new Map<number, Pd>();
  private order: number[] = [];
  private rr = -1;
  private flight: (InFlight & { pd: Pd }) | null = null;
  private readonly framer: Framer;
  private now = 0;
  private readonly o: Required<Omit<AcuBusOptions, 'onEvent' | 'wake' | 'random' | 'baud'>> &
    Pick<AcuBusOptions, 'onEvent' | 'wake' | 'random'>;
  private baud: number | null;

  constructor(opts: AcuBusOptions) {
    // Field by field with ??: an option passed as `undefined` keeps its default (a spread would erase it).
    this.o = {
      write: opts.write,
      onEvent: opts.onEvent,
      wake: opts.wake,
      random: opts.random,
      replyTimeoutMs: opts.replyTimeoutMs ?? REPLY_TIMEOUT_MS,
      offlineAfterMs: opts.offlineAfterMs ?? 8000,
      reprobeMs: opts.reprobeMs ?? 2500,
      busyRetryMs: opts.busyRetryMs ?? 50,
      retryWaitMs: opts.retryWaitMs ?? 800,
      maxRetries: opts.maxRetries ?? 8,
      pollIntervalMs: opts.pollIntervalMs ?? 50,
      interCharTimeoutMs: opts.interCharTimeoutMs ?? 20,
    };
    this.baud = opts.baud ?? null;
    this.framer = new Framer({ interCharTimeoutMs: this.o.interCharTimeoutMs });
  }

  /** The line changed speed (scan, COMSET): later frames are timed at the new rate. */
  setBaud(baud: number): void {
    this.baud = baud;
  }

  /** How long `bytes` take on the wire at the current speed. */
  private wireMs(bytes: number): number {
    return this.baud === null ? 0 : bytes * charTimeMs(this.baud);
  }

  /** Add a PD to the bus (address 0-126). It is probed at once. */
  addPd(cfg: PdConfig): void {
    if (!Number.isInteger(cfg.address) || cfg.address < 0 || cfg.address > 0x7e)
      throw new RangeError(`PD address ${cfg.address} not in 0-126`);
    if (this.pds.has(cfg.address)) throw new Error(`PD ${cfg.address} is already on the bus`);
    const s = cfg.secure;
    const scbk = s?.scbk === undefined ? undefined : s.scbk instanceof SecretKey ? s.scbk : new SecretKey(s.scbk);
    this.pds.set(cfg.address, {
      address: cfg.address,
      useCrc: cfg.useCrc ?? true,
      poll: cfg.poll ?? true,
      secureCfg: s ? { scbk, install: s.install === true || scbk === undefined } : null,
      session: null,
      secure: s ? 'handshake' : 'off',
      secureRetryAt: 0,
      state: 'unknown',
      sequence: 0,
      queue: [],
      resend: null,
      silentSince: null,
      missed: 0,
      lastReplyAt: null,
      nextPollAt: this.now,
      nextProbeAt: this.now,
      counters: {
        sent: 0,
        retries: 0,
        timeouts: 0,
        replies: 0,
        naks: 0,
        busy: 0,
        unsolicited: 0,
        stray: 0,
        secureErrors: 0,
        sequenceResets: 0,
      },
    });
    this.order = [...this.pds.keys()].sort((a, b) => a - b);
    this.o.wake?.();
  }

  /** Remove a PD; its pending requests reject with 'removed'. */
  removePd(address: number): void {
    const pd = this.pds.get(address);
    if (!pd) return;
    for (const r of pd.queue.splice(0)) r.reject(new LinkError('removed', address, r.command.type, 'PD removed from the bus'));
    if (this.flight?.pd === pd) {
      this.flight.request?.reject(new LinkError('removed', address, this.flight.command.type, 'PD removed from the bus'));
      this.flight = null;
    }
    if (pd.resend?.flight.request)
      pd.resend.flight.request.reject(new LinkError('removed', address, pd.resend.flight.command.type, 'PD removed'));
    this.pds.delete(address);
    this.order = [...this.pds.keys()].sort((a, b) => a - b);
  }

  /** Reject everything pending or in flight on every PD (the adapter is gone); the PDs stay on the bus. */
  failAll(kind: LinkErrorKind, message: string): void {
    const f = this.flight;
    this.flight = null;
    f?.request?.reject(new LinkError(kind, f.pd.address, f.command.type, message));
    for (const pd of this.pds.values()) {
      const r = pd.resend?.flight.request;
      pd.resend = null;
      r?.reject(new LinkError(kind, pd.address, r.command.type, message));
      for (const q of pd.queue.splice(0)) q.reject(new LinkError(kind, pd.address, q.command.type, message));
    }
  }

  /**
   * Queue a command for a PD. Resolves with its reply (for OUT: ACK or OSTATR; for POLL: any reply) or rejects with a
   * LinkError. KEYSET is sent only here (never automatically) and only inside an active secure channel.
   */
  request(address: number, command: Command, opts: RequestOptions = {}): Promise<Reply> {
    const pd = this.pds.get(address);
    if (!pd) return Promise.reject(new LinkError('offline', address, command.type, 'no such PD on the bus'));
    if (pd.state === 'offline') {
      if (pd.poll) return Promise.reject(new LinkError('offline', address, command.type, 'PD is offline (re-probing)'));
      // An unpolled PD is not re-probed: a request is a fresh first contact.
      pd.state = 'unknown';
      pd.silentSince = null;
      pd.missed = 0;
      pd.lastReplyAt = null;
    }
    if (command.type === 'CHLNG' || command.type === 'SCRYPT')
      return Promise.reject(new LinkError('secure-channel', address, command.type, 'the handshake is run by the link, not requested'));
    if (pd.secure === 'failed')
      return Promise.reject(
        new LinkError('secure-channel', address, command.type, `secure channel failed: ${pd.secureError?.message ?? 'unknown'}`),
      );
    if (command.type === 'KEYSET' && pd.secure !== 'active')
      return Promise.reject(new LinkError('secure-channel', address, command.type, 'KEYSET needs an active secure channel'));
    try {
      commandPayload(command); // validate now so a bad field rejects here, not on the wire
    } catch (e) {
      return Promise.reject(new LinkError('invalid-command', address, command.type, `invalid command: ${(e as Error).message}`));
    }
    return new Promise<Reply>((resolve, reject) => {
      pd.queue.push({ command, attempts: 0, maxAttempts: opts.attempts ?? Infinity, seqResets: 0, scRetries: 0, resolve, reject });
      this.o.wake?.();
    });
  }

  /** Bytes from the line. Whole frames are matched to the command in flight; drops are reported. */
  receive(bytes: Uint8Array, now: number): void {
    this.now = Math.max(this.now, now);
    for (const out of this.framer.push(bytes, now)) {
      if (out.type === 'drop') this.emit({ type: 'drop', at: now, drop: out.drop });
      else this.onFrame(out.frame.frame, out.frame.bytes, now);
    }
  }

  /** Drive time: handles a reply timeout and, when the line is idle, sends the next frame (at most one). */
  tick(now: number): void {
    this.now = Math.max(this.now, now);
    // Frames first: the framer's inter-character timeout may free a reply held behind noise.
    for (const out of this.framer.tick(now)) {
      if (out.type === 'drop') this.emit({ type: 'drop', at: now, drop: out.drop });
      else this.onFrame(out.frame.frame, out.frame.bytes, now);
    }
    if (this.flight && now >= this.flight.deadline) this.onTimeout(now);
    if (!this.flight) this.sendNext(now);
  }

  /** When tick() next has work: the reply deadline, or the earliest time a PD wants the line. null = nothing to do. */
  nextDeadline(): number | null {
    if (this.flight) return this.flight.deadline;
    let best: number | null = null;
    for (const pd of this.pds.values()) {
      const t = this.wantsLineAt(pd);
      if (t !== null && (best === null || t < best)) best = t;
    }
    return best;
  }

  /** true while a command waits for its reply */
  get busy(): boolean {
    return this.flight !== null;
  }

  status(address: number): PdStatus | null {
    const pd = this.pds.get(address);
    if (!pd) return null;
    const st: PdStatus = {
      address,
      state: pd.state,
      online: pd.state === 'online',
      secure: pd.secure,
      usesDefaultKey: pd.secureCfg ? pd.secureCfg.install : null,
      sequence: pd.sequence,
      queued: pd.queue.length,
      lastReplyAt: pd.lastReplyAt,
      counters: { ...pd.counters },
    };
    if (pd.secureError) st.secureError = pd.secureError;
    return st;
  }

  addresses(): number[] {
    return [...this.order];
  }

  /** Framer statistics for the whole line (frames, drops by reason). */
  get lineStats() {
    return this.framer.stats;
  }

  // ---- scheduling ----

  private needsHandshake(pd: Pd): boolean {
    return pd.secureCfg !== null && pd.secure !== 'active' && pd.state !== 'offline';
  }

  /** The time this PD wants the line, or null. */
  private wantsLineAt(pd: Pd): number | null {
    if (pd.resend) return pd.resend.at;
    if (pd.state === 'offline') return pd.poll ? pd.nextProbeAt : null;
    if (this.needsHandshake(pd)) {
      // A failed handshake is retried after reprobeMs; meanwhile the PD is only polled (in clear) for liveness.
      if (pd.secure !== 'failed') return this.now;
      return pd.poll ? Math.min(pd.secureRetryAt, pd.nextPollAt) : pd.secureRetryAt;
    }
    if (pd.queue.length > 0) return this.now;
    return pd.poll ? pd.nextPollAt : null;
  }

  private sendNext(now: number): void {
    const n = this.order.length;
    for (let i = 1; i <= n; i++) {
      const idx = (this.rr + i) % n;
      const pd = this.pds.get(this.order[idx]!)!;
      const at = this.wantsLineAt(pd);
      if (at === null || at > now) continue;
      this.rr = idx;
      this.sendFor(pd, now);
      return;
    }
  }

  private sendFor(pd: Pd, now: number): void {
    if (pd.resend) {
      const f = pd.resend.flight;
      const retry = pd.resend.retry;
      pd.resend = null;
      if (retry) pd.counters.retries++;
      this.transmit(pd, f, now, retry);
      return;
    }
    if (pd.state === 'offline') {
      // Re-probe: a plain POLL with sequence 0 (the PD restarts its side and drops any secure channel).
      pd.nextProbeAt = now + this.o.reprobeMs;
      pd.sequence = 0;
      pd.session = null;
      this.transmit(pd, this.build(pd, 'poll', { type: 'POLL' }), now, false);
      return;
    }
    if (pd.lastReplyAt === null && pd.queue[0]?.command.type !== 'POLL') {
      // First contact is a POLL: some devices answer nothing else before one (docs/osdp.md). Queued requests follow.
      this.transmit(pd, this.build(pd, 'poll', { type: 'POLL' }), now, false);
      return;
    }
    if (this.needsHandshake(pd) && (pd.secure !== 'failed' || now >= pd.secureRetryAt)) {
      pd.secure = 'handshake';
      pd.session = new AcuSession({ scbk: pd.secureCfg!.scbk, install: pd.secureCfg!.install, random: this.o.random });
      const ch = pd.session.challenge();
      this.transmit(pd, this.build(pd, 'chlng', ch.command, ch.security), now, false);
      return;
    }
    const req = pd.secure === 'failed' ? undefined : pd.queue.shift();
    if (req) {
      this.transmit(pd, { ...this.build(pd, 'request', req.command), request: req }, now, false);
      return;
    }
    this.transmit(pd, this.build(pd, 'poll', { type: 'POLL' }), now, false);
  }

  /** Encode a new frame with the PD's current sequence (wrapped when the secure channel is active). */
  private build(pd: Pd, purpose: Purpose, command: Command, security?: { type: number; data: Uint8Array }): Omit<InFlight, 'deadline'> {
    const opts = { address: pd.address, sequence: pd.sequence, useCrc: pd.useCrc };
    if (pd.secure === 'active' && pd.session?.state === 'active') {
      return { purpose, command, sequence: pd.sequence, secure: true, bytes: pd.session.wrapCommand(command, opts) };
    }
    const p = commandPayload(command);
    return {
      purpose,
      command,
      sequence: pd.sequence,
      secure: false,
      bytes: buildFrame({ address: pd.address, sequence: pd.sequence, useCrc: pd.useCrc, security, code: p.code, data: p.data }),
    };
  }

  private transmit(pd: Pd, f: Omit<InFlight, 'deadline'>, now: number, retry: boolean): void {
    if (f.request) f.request.attempts++;
    pd.counters.sent++;
    if (pd.silentSince === null) pd.silentSince = now;
    // The PD's reply window opens when our last byte is on the wire, not when we hand the frame to the port.
    this.flight = { ...f, deadline: now + this.wireMs(f.bytes.length) + this.o.replyTimeoutMs, pd };
    this.emit({ type: 'tx', at: now, address: pd.address, bytes: f.bytes, command: redact(f.command), retry, secure: f.secure });
    this.o.write(f.bytes);
  }

  // ---- replies ----

  private onTimeout(now: number): void {
    const f = this.flight!;
    const pd = f.pd;
    this.flight = null;
    pd.counters.timeouts++;
    const silent = now - (pd.silentSince ?? now);
    if (pd.state === 'offline') return; // a re-probe went unanswered; next one at nextProbeAt
    if (silent >= this.o.offlineAfterMs || pd.missed >= this.o.maxRetries) {
      this.goOffline(pd, now, silent, f.request);
      return;
    }
    const head = pd.queue[0];
    if (!f.request && pd.lastReplyAt === null && head && head.maxAttempts !== Infinity) {
      // The first-contact POLL stands in for the request waiting behind it: count its attempts there.
      if (++head.attempts >= head.maxAttempts) {
        pd.queue.shift();
        head.reject(
          new LinkError('timeout', pd.address, head.command.type, `no reply to the first-contact POLL after ${head.attempts} attempt(s)`),
        );
      }
    }
    if (f.request && f.request.attempts >= f.request.maxAttempts) {
      f.request.reject(new LinkError('timeout', pd.address, f.command.type, `no reply after ${f.request.attempts} attempt(s)`));
      return;
    }
    // Retry: the very same bytes, so the same sequence number (a PD that did answer repeats its last reply),
    // paced so a PD that is struggling is not flooded.
    pd.missed++;
    pd.resend = { flight: f, at: now + this.o.retryWaitMs, retry: true };
  }

  private goOffline(pd: Pd, now: number, silentMs: number, inFlight?: Pending): void {
    const wasOnline = pd.state !== 'offline';
    pd.state = 'offline';
    pd.resend = null;
    pd.missed = 0;
    pd.sequence = 0;
    pd.session = null;
    if (pd.secureCfg) pd.secure = 'handshake';
    pd.nextProbeAt = now + this.o.reprobeMs;
    const err = (c: Command) => new LinkError('offline', pd.address, c.type, `no valid reply for ${Math.round(silentMs)} ms`);
    inFlight?.reject(err(inFlight.command));
    for (const r of pd.queue.splice(0)) r.reject(err(r.command));
    if (wasOnline) this.emit({ type: 'offline', at: now, address: pd.address, silentMs });
  }

  private onFrame(frame: Frame, bytes: Uint8Array, now: number): void {
    const f = this.flight;
    if (!frame.reply) return; // our own echo on a 2-wire bus, or another master: not for us
    if (!f || frame.address !== f.pd.address) {
      const pd = this.pds.get(frame.address);
      if (pd) pd.counters.stray++;
      this.emit({
        type: 'stray',
        at: now,
        address: frame.address,
        reason: f ? `reply from ${frame.address} while waiting for ${f.pd.address}` : 'reply with no command in flight',
      });
      return;
    }
    const pd = f.pd;
    if (frame.sequence !== f.sequence && !this.answersAnySequence(frame)) {
      pd.counters.stray++;
      this.emit({ type: 'stray', at: now, address: pd.address, reason: `reply sequence ${frame.sequence}, expected ${f.sequence}` });
      return;
    }
    // Decode (through the secure channel when the reply carries a MAC).
    const t = frame.security?.type;
    let reply: Reply | undefined;
    let secureErr: SecureError | undefined;
    let decodeErr: string | undefined;
    const macd = t !== undefined && t >= SCS.CMD_MAC && t <= SCS.REPLY_ENC;
    if (macd) {
      if (pd.session?.state === 'active') {
        const r = pd.session.unwrapReply(frame);
        if (r.ok) reply = r.reply;
        else secureErr = r.error;
      } else secureErr = { kind: 'not-active', message: 'MAC on a reply with no secure channel' };
    } else {
      const r = decodeReplyPayload(frame.code, frame.data);
      if (r.ok) reply = r.reply;
      else decodeErr = r.error.message;
      // With a secure channel active only NAK and BUSY may come in clear (a PD that lost the session NAKs in clear).
      if (reply && pd.secure === 'active' && f.secure && reply.type !== 'NAK' && reply.type !== 'BUSY') {
        secureErr = { kind: 'unexpected', message: `${reply.type} in clear inside the secure channel` };
        reply = undefined;
      }
    }
    const rx: LinkEvent = { type: 'rx', at: now, address: pd.address, bytes, secure: macd };
    if (reply) rx.reply = reply;
    if (secureErr || decodeErr) rx.error = secureErr?.message ?? decodeErr;
    this.emit(rx);

    // Any well-formed frame from the right PD with the right sequence proves the PD is alive.
    this.flight = null;
    pd.counters.replies++;
    pd.silentSince = null;
    pd.missed = 0;
    pd.lastReplyAt = now;
    pd.nextPollAt = now + this.o.pollIntervalMs;
    const wasOnline = pd.state === 'online';
    if (!wasOnline) {
      pd.state = 'online';
      this.emit({ type: 'online', at: now, address: pd.address });
    }
    if (secureErr) {
      pd.sequence = nextSeq(pd.sequence);
      this.secureFailed(pd, now, secureErr);
      f.request?.reject(new LinkError('secure-channel', pd.address, f.command.type, secureErr.message));
      return;
    }
    if (!reply) {
      pd.sequence = nextSeq(pd.sequence);
      f.request?.reject(new LinkError('bad-reply', pd.address, f.command.type, decodeErr ?? 'undecodable reply'));
      return;
    }
    this.onReply(pd, f, reply, now, macd);
  }

  /**
   * Replies taken from the addressed PD whatever their sequence number: a NAK 04 (a PD that lost the sequence
   * stamps it with its own counter — libosdp does) and a BUSY with sequence 0 (a PD too busy to track the sequence).
   * Both are plaintext and carry no state we could confuse with an older reply.
   */
  private answersAnySequence(frame: Frame): boolean {
    if (frame.security) return false;
    const r = decodeReplyPayload(frame.code, frame.data);
    if (!r.ok) return false;
    return (r.reply.type === 'NAK' && r.reply.code === 4) || (r.reply.type === 'BUSY' && frame.sequence === 0);
  }

  private onReply(pd: Pd, f: InFlight, reply: Reply, now: number, macd: boolean): void {
    if (reply.type === 'BUSY') {
      pd.counters.busy++;
      // Re-send the same command with the same sequence after a short wait. A MAC'd BUSY advanced the MAC chain,
      // so the frame is re-wrapped (same sequence); a plain BUSY lets us re-send the identical bytes.
      const again = macd ? { ...this.build(pd, f.purpose, f.command), request: f.request } : f;
      pd.resend = { flight: again, at: now + this.o.busyRetryMs, retry: true };
      return;
    }
    if (reply.type === 'NAK') {
      pd.counters.naks++;
      this.emit({ type: 'nak', at: now, address: pd.address, command: f.command.type, code: reply.code, meaning: reply.meaning });
      this.onNak(pd, f, reply.code, now);
      return;
    }
    pd.sequence = nextSeq(pd.sequence);
    switch (f.purpose) {
      case 'chlng': {
        const r = pd.session!.onCcrypt(reply);
        if (!r.ok) return this.secureFailed(pd, now, r.error);
        pd.resend = { flight: this.build(pd, 'scrypt', r.command, r.security), at: now, retry: false };
        return;
      }
      case 'scrypt': {
        const r = pd.session!.onRmacI(reply);
        if (!r.ok) return this.secureFailed(pd, now, r.error);
        pd.secure = 'active';
        delete pd.secureError;
        this.emit({ type: 'secure', at: now, address: pd.address, state: 'active', usesDefaultKey: pd.secureCfg!.install });
        return;
      }
      case 'poll':
        if (reply.type !== 'ACK') this.unsolicited(pd, reply, now);
        return;
      case 'request': {
        const req = f.request!;
        const want = EXPECTED[f.command.type];
        if (want && !want.includes(reply.type)) {
          if (STATUS_REPLIES.has(reply.type)) this.unsolicited(pd, reply, now);
          req.reject(
            new LinkError('unexpected-reply', pd.address, f.command.type, `answered ${reply.type}, expected ${want.join(' or ')}`),
          );
          return;
        }
        if (f.command.type === 'POLL' && reply.type !== 'ACK') this.unsolicited(pd, reply, now);
        if (f.command.type === 'KEYSET' && pd.secureCfg) {
          // The PD now holds the new key: use it for every later session. Recorded by the caller (explicit action).
          pd.secureCfg = { scbk: new SecretKey(f.command.key), install: false };
          this.emit({ type: 'key-changed', at: now, address: pd.address });
        }
        req.resolve(reply);
        return;
      }
    }
  }

  private onNak(pd: Pd, f: InFlight, code: number, now: number): void {
    const req = f.request;
    if (code === 4) {
      // Sequence error: restart at 0 (the PD resets and drops any secure channel), then send the command again.
      pd.counters.sequenceResets++;
      pd.sequence = 0;
      if (pd.secureCfg && pd.secure === 'active') this.dropSecure(pd, now, { kind: 'unexpected', message: 'sequence reset (NAK 04)' });
      if (req) {
        if (++req.seqResets > MAX_SEQUENCE_RESETS) {
          req.reject(new LinkError('nak', pd.address, f.command.type, `NAK 04 ${nakMeaning(4)} after ${MAX_SEQUENCE_RESETS} resets`, 4));
        } else pd.queue.unshift(req); // re-sent after the handshake (if any), with sequence 0
      }
      return;
    }
    pd.sequence = nextSeq(pd.sequence);
    if (f.purpose === 'chlng' || f.purpose === 'scrypt') {
      // The PD refuses the handshake (no secure channel support, or our cryptogram did not verify).
      this.secureFailed(pd, now, {
        kind: code === 6 ? 'key-mismatch' : 'unexpected',
        message: `PD answered ${f.command.type} with NAK ${code} (${nakMeaning(code)})`,
      });
      return;
    }
    if (code === 5 || code === 6) {
      const e: SecureError = { kind: 'unexpected', message: `NAK ${code}: ${nakMeaning(code)}` };
      if (pd.secureCfg) this.dropSecure(pd, now, e);
      else this.emit({ type: 'secure', at: now, address: pd.address, state: 'off', usesDefaultKey: false, error: e });
      // A PD that lost its session (e.g. power-cycled) NAKs a secure command: after the fresh handshake the
      // request goes once more instead of failing the technician's action.
      if (req && pd.secureCfg && f.secure && req.scRetries++ === 0) {
        pd.queue.unshift(req);
        return;
      }
    }
    const kind: LinkErrorKind = code === 3 ? 'unknown-command' : code === 5 || code === 6 ? 'secure-channel' : 'nak';
    req?.reject(new LinkError(kind, pd.address, f.command.type, `NAK ${code}: ${nakMeaning(code)}`, code));
  }

  private unsolicited(pd: Pd, reply: Reply, now: number): void {
    pd.counters.unsolicited++;
    this.emit({ type: 'unsolicited', at: now, address: pd.address, reply });
  }

  /** The session broke (NAK 05/06, a bad MAC, a sequence reset): start a fresh handshake right away. */
  private dropSecure(pd: Pd, now: number, error: SecureError): void {
    pd.counters.secureErrors++;
    pd.session = null;
    pd.secure = 'handshake';
    this.emit({ type: 'secure', at: now, address: pd.address, state: 'handshake', usesDefaultKey: pd.secureCfg?.install ?? false, error });
  }

  /** The handshake failed (e.g. key mismatch): report, reject waiting requests, try again after reprobeMs. */
  private secureFailed(pd: Pd, now: number, error: SecureError): void {
    pd.counters.secureErrors++;
    pd.session = null;
    if (!pd.secureCfg) return;
    const handshake = pd.secure !== 'active';
    pd.secure = handshake ? 'failed' : 'handshake';
    pd.secureError = error;
    pd.secureRetryAt = now + this.o.reprobeMs;
    this.emit({ type: 'secure', at: now, address: pd.address, state: pd.secure, usesDefaultKey: pd.secureCfg.install, error });
    if (handshake) for (const r of pd.queue.splice(0)) r.reject(new LinkError('secure-channel', pd.address, r.command.type, error.message));
  }

  private emit(e: LinkEvent): void {
    this.o.onEvent?.(e);
  }
}
