// The real-time OSDP driver: a Transport, the protocol engineer's AcuBus (pure, driven
// by tick/receive), and one timer that wakes at the bus's next deadline. It keeps a
// line-turnaround gap of one character time after the last received byte before the bus may
// transmit, serialises writes, and shuts down cleanly. OsdpController is the API the
// app, the CLI and the runs engineer use: requests, point reads, the SAFE timed output
// (OUT code 5/6 with a timer, then confirmed with OSTAT), a bus scan, input-change
// events and a decoded command log.
import { CommandLog, type LogEntry } from './command-log';
import {
  AcuBus,
  CAP_FUNCTION,
  LinkError,
  type Capability,
  type Command,
  type LinkEvent,
  type PdConfig,
  type Reply,
  type RequestOptions,
  type SecretKey,
  REPLY_TIMEOUT_MS,
  STANDARD_BAUDS,
  isStandardBaud,
} from './protocol';
import { TransportError, charTimeMs, type Transport } from './serial/transport';

export interface ControllerOptions {
  /** Reply timeout (default 200 ms, the OSDP maximum). */
  replyTimeoutMs?: number;
  offlineAfterMs?: number;
  reprobeMs?: number;
  pollIntervalMs?: number;
  /** Monotonic ms clock for the link (default performance.now). */
  clock?: () => number;
  /** Wall clock for log and event timestamps (default Date.now). */
  wallClock?: () => number;
  random?: (n: number) => Uint8Array;
}

export interface SecureOptions {
  /** The PD's own key; omitted = SCBK-D (install mode). */
  scbk?: Uint8Array | SecretKey;
  install?: boolean;
}

/** One live input reading (unsolicited or requested). */
export interface InputEvent {
  address: number;
  /** wall-clock ms */
  at: number;
  inputs: number[];
  changed: number[];
}

export interface IdentitySummary {
  vendor: string;
  model: number;
  version: number;
  serial: string;
  firmware: string;
}

export interface CapabilitySummary {
  inputs: number;
  outputs: number;
  crc: boolean;
  secureChannel: boolean;
  raw: Capability[];
}

export interface ScanFound {
  address: number;
  baud: number;
  identity: IdentitySummary | null;
  capabilities: CapabilitySummary | null;
  /** true: the SCBK-D handshake succeeds; false: refused (own key); null: no secure channel offered. */
  defaultKey: boolean | null;
  /** The PD answers only inside a secure channel (NAK 06 to a plain POLL) and no key we hold opens one. */
  requiresKey: boolean;
  note?: string;
}

export interface ScanReport {
  found: ScanFound[];
  probed: number;
  /** address/baud combinations asked for */
  total: number;
  /** stopped by the signal before the end */
  cancelled: boolean;
  durationMs: number;
}

export interface ScanOptions {
  bauds?: number[];
  from?: number;
  to?: number;
  /** Per-probe reply timeout (default: the controller's reply timeout). */
  probeTimeoutMs?: number;
  onProgress?: (p: ScanProgress) => void;
  /** Stop early (e.g. the technician pressed Cancel). */
  signal?: AbortSignal;
  /** Stop at the first PD found (a technician looking for the one PD on a bench). */
  stopAtFirst?: boolean;
  /** The PD's own key, for PDs that enforce the secure channel. */
  keyFor?: (address: number) => Uint8Array | SecretKey | undefined;
}

export interface ScanProgress {
  address: number;
  baud: number;
  found: boolean;
  /** address/baud combinations probed so far, of `total` */
  probed: number;
  total: number;
  pdsFound: number;
}

/** A PD's own status (LSTATR: tamper switch, input power), reported when it changes. */
export interface PdLocalStatusEvent {
  address: number;
  /** wall-clock ms */
  at: number;
  tamper: boolean;
  powerFailure: boolean;
  changed: ('tamper' | 'power')[];
}

/** The adapter's state: a pulled USB–RS-485 adapter is one clear state, not a stream of write errors. */
export type AdapterState = 'connected' | 'disconnected' | 'closed';

export interface AdapterEvent {
  state: AdapterState;
  /** wall-clock ms */
  at: number;
  reason?: string;
  /** after a reconnect: each PD that had a timed output, its outputs read before anything else */
  recovered?: { address: number; output: number; outputs: number[] | null; backAtRest: boolean | null; error?: string }[];
}

export interface TimedOutputResult {
  address: number;
  output: number;
  state: 'off' | 'on';
  durationMs: number;
  /** wall-clock ms the OUT was acknowledged */
  sentAt: number;
  /** what the PD answered to OUT: ACK or OSTATR */
  reply: 'ACK' | 'OSTATR';
  /** every output after the command, from OSTAT */
  outputs: number[];
  confirmedOn: boolean;
  /** OSTAT shows the output where it was asked to be */
  confirmed: boolean;
  /** wall-clock ms when the PD restores the permanent state by itself */
  restoresAt: number;
}

export function summariseIdentity(r: Reply): IdentitySummary | null {
  if (r.type !== 'PDID') return null;
  return {
    // As libosdp reads and prints it: the three bytes are a little-endian 24-bit number (5C 26 0A → 0x0A265C).
    vendor: `0x${(r.vendor[0] | (r.vendor[1] << 8) | (r.vendor[2] << 16)).toString(16).toUpperCase().padStart(6, '0')}`,
    model: r.model,
    version: r.version,
    serial: r.serial.toString(16).toUpperCase().padStart(8, '0'),
    firmware: `${r.firmware.major}.${r.firmware.minor}.${r.firmware.build}`,
  };
}

export function summariseCapabilities(r: Reply): CapabilitySummary | null {
  if (r.type !== 'PDCAP') return null;
  const get = (f: number) => r.capabilities.find((c) => c.function === f);
  return {
    inputs: get(CAP_FUNCTION.INPUTS)?.count ?? 0,
    outputs: get(CAP_FUNCTION.OUTPUTS)?.count ?? 0,
    crc: (get(CAP_FUNCTION.CRC)?.compliance ?? 0) > 0,
    secureChannel: (get(CAP_FUNCTION.SECURE_CHANNEL)?.compliance ?? 0) > 0,
    raw: r.capabilities,
  };
}

const MAX_IMMEDIATE_RUNS = 16;

/** Drives one AcuBus on the transport in real time. */
class BusRunner {
  readonly bus: AcuBus;
  /** One wake-up at a time: a timer, or setImmediate when the work is due now (setTimeout(0) costs ~1 ms). */
  private timer: { cancel: () => void } | null = null;
  private timerAt = Infinity;
  /** setImmediate wake-ups since the last timer tick (see arm). */
  private immediateRuns = 0;
  private lastRxAt = -Infinity;
  private stopped = false;

  constructor(
    private readonly transport: Transport,
    private readonly clock: () => number,
    opts: Omit<ConstructorParameters<typeof AcuBus>[0], 'write' | 'wake'>,
    private readonly write: (bytes: Uint8Array) => void,
  ) {
    this.bus = new AcuBus({ ...opts, write: (b) => this.write(b), wake: () => this.schedule() });
  }

  receive(bytes: Uint8Array): void {
    if (this.stopped) return;
    const now = this.clock();
    this.lastRxAt = now;
    this.bus.receive(bytes, now);
    this.schedule();
  }

  /**
   * The one wait RS-485 half duplex needs before we transmit: the PD's driver must let go of the pair. A PD (or its
   * auto-direction converter) releases the line within one character time after its last stop bit, and we see a byte
   * only after its stop bit, so one character time after the last received byte. No other wait is kept: the reply
   * timeout starts after our own frame's wire time (AcuBus), and the next command may follow at once.
   */
  private turnaroundMs(): number {
    return charTimeMs(this.transport.baud);
  }

  private run = (): void => {
    this.timer = null;
    this.timerAt = Infinity;
    if (this.stopped) return;
    const now = this.clock();
    const quietAt = this.lastRxAt + this.turnaroundMs();
    if (now < quietAt) {
      this.arm(quietAt);
      return;
    }
    this.bus.tick(now);
    this.schedule();
  };

  private arm(at: number): void {
    if (this.timer !== null && at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = at;
    const delay = at - this.clock();
    // Due work runs at once, but a bus that stays "due" without progress (e.g. its port is gone) must not spin the
    // event loop: after a few immediate runs in a row it waits for a real timer tick.
    if (delay <= 0 && this.immediateRuns < MAX_IMMEDIATE_RUNS) {
      this.immediateRuns++;
      const h = setImmediate(this.run);
      this.timer = { cancel: () => clearImmediate(h) };
    } else {
      const h = setTimeout(
        () => {
          this.immediateRuns = 0;
          this.run();
        },
        Math.max(1, delay),
      );
      this.timer = { cancel: () => clearTimeout(h) };
    }
  }

  schedule(): void {
    if (this.stopped) return;
    const d = this.bus.nextDeadline();
    if (d !== null) this.arm(d);
  }

  /** Stop the timer; pending requests fail as `kind` ('removed' on a normal close). */
  stop(kind?: 'disconnected', message?: string): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    if (kind) this.bus.failAll(kind, message ?? kind);
    for (const a of this.bus.addresses()) this.bus.removePd(a);
  }
}

type Listener<T> = (e: T) => void;

/** Sends per read before giving up: with the link's paced retries (200 ms timeout + 800 ms wait) about 2.2 s. */
const READ_ATTEMPTS = 3;
/** A PD heard answering late in a scan is probed again with this many times the probe timeout. */
const LATE_REPROBE_FACTOR = 4;

export class OsdpController {
  readonly log = new CommandLog();
  private runner: BusRunner | null = null;
  private unsubscribe: (() => void) | null = null;
  private writeChain: Promise<void> = Promise.resolve();
  private readonly clock: () => number;
  private readonly wallClock: () => number;
  private readonly lastInputs = new Map<number, number[]>();
  private readonly inputListeners = new Set<Listener<InputEvent>>();
  private readonly localStatus = new Map<number, { tamper: boolean; powerFailure: boolean }>();
  private readonly localStatusListeners = new Set<Listener<PdLocalStatusEvent>>();
  private readonly linkListeners = new Set<Listener<LinkEvent>>();
  private readonly secureDefaults = new Map<number, SecureOptions>();
  private defaultSecure: SecureOptions | null = null;
  private scanning = false;
  writeErrors = 0;
  private adapterState: AdapterState = 'closed';
  private lostReason: string | null = null;
  private readonly adapterListeners = new Set<Listener<AdapterEvent>>();
  /** PDs on the bus and how they were attached, to put them back after a reconnect */
  private readonly attached = new Map<number, Omit<PdConfig, 'address'>>();
  /** the last timed output per PD: after a reconnect its outputs are read first */
  private readonly drops = new Map<number, { output: number; state: 'off' | 'on' }>();
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private offLost: (() => void) | null = null;
  /** Reconnect backoff: first try after this, doubling up to reconnectMaxMs. */
  reconnectMinMs = 250;
  reconnectMaxMs = 5000;

  constructor(
    readonly transport: Transport,
    private readonly options: ControllerOptions = {},
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.wallClock = options.wallClock ?? (() => Date.now());
  }

  get isOpen(): boolean {
    return this.runner !== null;
  }

  async open(): Promise<void> {
    if (this.runner) return;
    await this.transport.open();
    this.startLink();
  }

  private startLink(): void {
    this.runner = this.newRunner({});
    this.unsubscribe ??= this.transport.onData((b) => this.runner?.receive(b));
    this.offLost ??= this.transport.onLost?.((err) => this.adapterLost(err.message)) ?? null;
    this.setAdapter({ state: 'connected', at: this.wallClock() });
  }

  get adapter(): { state: AdapterState; reason: string | null } {
    return { state: this.adapterState, reason: this.lostReason };
  }

  onAdapter(listener: Listener<AdapterEvent>): () => void {
    this.adapterListeners.add(listener);
    return () => this.adapterListeners.delete(listener);
  }

  private setAdapter(e: AdapterEvent): void {
    this.adapterState = e.state;
    for (const l of this.adapterListeners) l(e);
  }

  /**
   * The adapter went away (unplugged, PTY gone, a write failed with EIO): one clear state. Everything pending fails
   * at once as 'disconnected' (a test in progress ends inconclusive, not after timeouts), polling stops, and the
   * port is reopened with backoff.
   */
  private adapterLost(reason: string): void {
    if (this.adapterState !== 'connected') return;
    this.lostReason = reason;
    const runner = this.runner;
    this.runner = null;
    runner?.stop('disconnected', `link lost: ${reason}`);
    this.log.note(this.wallClock(), null, `adapter disconnected: ${reason}; reconnecting`);
    this.setAdapter({ state: 'disconnected', at: this.wallClock(), reason });
    this.scheduleReconnect(this.reconnectMinMs);
  }

  private scheduleReconnect(delay: number): void {
    if (this.reconnectTimer !== null || this.adapterState !== 'disconnected') return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.tryReconnect(delay);
    }, delay);
  }

  private async tryReconnect(delay: number): Promise<void> {
    if (this.adapterState !== 'disconnected') return;
    try {
      await (this.transport.reopen ? this.transport.reopen() : this.transport.open());
    } catch {
      this.scheduleReconnect(Math.min(delay * 2, this.reconnectMaxMs));
      return;
    }
    if (this.adapterState !== 'disconnected') return; // closed meanwhile
    this.lostReason = null;
    this.writeChain = Promise.resolve();
    this.runner = this.newRunner({});
    for (const [address, config] of this.attached) this.runner.bus.addPd({ address, ...config });
    this.log.note(this.wallClock(), null, `adapter reconnected (${this.transport.description})`);
    // Before anything else: where are the outputs we last drove? The PD's own timer should have restored lock power.
    const recovered: NonNullable<AdapterEvent['recovered']> = [];
    for (const [address, d] of this.drops) {
      try {
        const outputs = await this.bus
          .request(address, { type: 'OSTAT' }, { attempts: READ_ATTEMPTS })
          .then((r) => (r.type === 'OSTATR' ? r.outputs : null));
        const now = outputs?.[d.output];
        const backAtRest = now === undefined ? null : (now === 1) !== (d.state === 'on');
        recovered.push({ address, output: d.output, outputs, backAtRest });
        this.log.note(
          this.wallClock(),
          address,
          `after reconnect: output ${d.output} is ${now === 1 ? 'ON' : now === 0 ? 'OFF' : 'unknown'}` +
            (backAtRest ? ' — back at rest (lock power restored)' : backAtRest === false ? ' — NOT back at rest' : ''),
        );
      } catch (err) {
        recovered.push({ address, output: d.output, outputs: null, backAtRest: null, error: (err as Error).message });
      }
    }
    this.drops.clear();
    this.setAdapter({ state: 'connected', at: this.wallClock(), reason: 'reconnected', recovered });
  }

  private newRunner(over: { replyTimeoutMs?: number }): BusRunner {
    const o = this.options;
    // Pass only the options that are set: AcuBus spreads its options over its defaults, so an explicit
    // `undefined` would replace a default (e.g. the 200 ms reply timeout) and the link would never time out.
    const set = Object.fromEntries(
      Object.entries({
        replyTimeoutMs: over.replyTimeoutMs ?? o.replyTimeoutMs,
        offlineAfterMs: o.offlineAfterMs,
        reprobeMs: o.reprobeMs,
        pollIntervalMs: o.pollIntervalMs,
        random: o.random,
      }).filter(([, v]) => v !== undefined),
    );
    return new BusRunner(this.transport, this.clock, { ...set, baud: this.transport.baud, onEvent: (e) => this.onLinkEvent(e) }, (bytes) =>
      this.writeBytes(bytes),
    );
  }

  /** Writes go out in order; a failed write means the adapter is gone (one state, one log line). */
  private writeBytes(bytes: Uint8Array): void {
    this.writeChain = this.writeChain
      .then(() => this.transport.write(bytes))
      .catch((err: unknown) => {
        this.writeErrors++;
        this.adapterLost(`write failed: ${(err as Error).message}`);
      });
  }

  /** Stop the timer, reject what is pending, let the last write finish, close the port. */
  async close(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    runner?.stop();
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.offLost?.();
    this.offLost = null;
    const wasOpen = this.adapterState !== 'closed';
    this.adapterState = 'closed';
    await this.writeChain;
    await this.transport.close();
    if (wasOpen) this.setAdapter({ state: 'closed', at: this.wallClock() });
  }

  private get bus(): AcuBus {
    if (!this.runner) {
      if (this.adapterState === 'disconnected')
        throw new LinkError('disconnected', -1, 'POLL', `adapter disconnected (${this.lostReason ?? 'unknown'}); reconnecting`);
      throw new LinkError('offline', -1, 'POLL', 'the controller is not connected');
    }
    return this.runner.bus;
  }

  private onLinkEvent(e: LinkEvent): void {
    const at = this.wallClock();
    this.log.record(e, at);
    if (e.type === 'rx' && e.reply?.type === 'ISTATR') this.noteInputs(e.address, e.reply.inputs, at);
    if (e.type === 'rx' && e.reply?.type === 'LSTATR') this.noteLocalStatus(e.address, e.reply.tamper !== 0, e.reply.power !== 0, at);
    for (const l of this.linkListeners) l(e);
  }

  private noteInputs(address: number, inputs: number[], at: number): void {
    const prev = this.lastInputs.get(address);
    const changed = inputs.map((v, i) => (prev?.[i] !== v ? i : -1)).filter((i) => i >= 0);
    this.lastInputs.set(address, inputs.slice());
    if (prev && changed.length === 0) return;
    const event: InputEvent = { address, at, inputs: inputs.slice(), changed };
    for (const l of this.inputListeners) l(event);
  }

  /** Tamper and power reports are events of their own: the log says so in words, listeners hear every change. */
  private noteLocalStatus(address: number, tamper: boolean, powerFailure: boolean, at: number): void {
    const prev = this.localStatus.get(address) ?? { tamper: false, powerFailure: false };
    const changed: PdLocalStatusEvent['changed'] = [];
    if (prev.tamper !== tamper) changed.push('tamper');
    if (prev.powerFailure !== powerFailure) changed.push('power');
    this.localStatus.set(address, { tamper, powerFailure });
    if (changed.length === 0) return;
    if (changed.includes('tamper')) this.log.note(at, address, tamper ? 'TAMPER: the PD reports its enclosure open' : 'tamper cleared');
    if (changed.includes('power'))
      this.log.note(at, address, powerFailure ? 'POWER FAILURE: the PD reports its input power lost' : 'PD input power restored');
    const event: PdLocalStatusEvent = { address, at, tamper, powerFailure, changed };
    for (const l of this.localStatusListeners) l(event);
  }

  /** The PD's last reported tamper / power state (null before it reported any). */
  lastLocalStatus(address: number): { tamper: boolean; powerFailure: boolean } | null {
    return this.localStatus.get(address) ?? null;
  }

  /** Tamper / power changes reported by a PD (unsolicited LSTATR on POLL, or an LSTAT read). */
  onLocalStatus(listener: Listener<PdLocalStatusEvent>): () => void {
    this.localStatusListeners.add(listener);
    return () => this.localStatusListeners.delete(listener);
  }

  /** Input changes (unsolicited ISTATR on POLL, or a read that differs from the last one). */
  onInput(listener: Listener<InputEvent>): () => void {
    this.inputListeners.add(listener);
    return () => this.inputListeners.delete(listener);
  }

  /** Every link event (tx, rx, online/offline, secure channel…). */
  onLink(listener: Listener<LinkEvent>): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  onLog(listener: Listener<LogEntry>): () => void {
    return this.log.onEntry(listener);
  }

  /** Run the secure channel with every PD added from now on (or with one PD). */
  useSecureChannel(secure: SecureOptions | null, address?: number): void {
    if (address === undefined) this.defaultSecure = secure;
    else if (secure) this.secureDefaults.set(address, secure);
    else this.secureDefaults.delete(address);
  }

  /** Put a PD on the bus (polled, so its input changes arrive). Idempotent. */
  attach(address: number, config: Omit<PdConfig, 'address'> = {}): void {
    const bus = this.bus;
    if (bus.addresses().includes(address)) return;
    const secure = config.secure ?? this.secureDefaults.get(address) ?? this.defaultSecure ?? undefined;
    const full = { poll: true, ...config, ...(secure ? { secure } : {}) };
    bus.addPd({ address, ...full });
    this.attached.set(address, full);
  }

  detach(address: number): void {
    this.runner?.bus.removePd(address);
    this.attached.delete(address);
    this.lastInputs.delete(address);
  }

  status(address: number) {
    return this.runner?.bus.status(address) ?? null;
  }

  /** Frames and dropped bytes on the line (bad bytes are counted, logged and dropped — never read as data). */
  lineStats(): { frames: number; drops: number; droppedBytes: number } {
    const s = this.runner?.bus.lineStats;
    return { frames: s?.frames ?? 0, drops: s?.drops ?? 0, droppedBytes: s?.droppedBytes ?? 0 };
  }

  /** Send one command to a PD (attached on first use) and wait for its reply. */
  async request(address: number, command: Command, opts: RequestOptions = {}): Promise<Reply> {
    if (this.scanning) throw new LinkError('offline', address, command.type, 'a bus scan is running; try again when it ends');
    this.attach(address);
    return this.bus.request(address, command, opts);
  }

  private async expect<T extends Reply['type']>(
    address: number,
    command: Command,
    type: T,
    opts?: RequestOptions,
  ): Promise<Extract<Reply, { type: T }>> {
    const r = await this.request(address, command, opts);
    if (r.type !== type) throw new LinkError('unexpected-reply', address, command.type, `answered ${r.type}, expected ${type}`);
    return r as Extract<Reply, { type: T }>;
  }

  async identify(address: number): Promise<IdentitySummary> {
    return summariseIdentity(await this.expect(address, { type: 'ID' }, 'PDID', { attempts: READ_ATTEMPTS }))!;
  }

  async capabilities(address: number): Promise<CapabilitySummary> {
    return summariseCapabilities(await this.expect(address, { type: 'CAP' }, 'PDCAP', { attempts: READ_ATTEMPTS }))!;
  }

  /** Reads give up after READ_ATTEMPTS sends so a technician is not kept waiting for the 8 s offline window. */
  async readInputs(address: number): Promise<number[]> {
    const r = await this.expect(address, { type: 'ISTAT' }, 'ISTATR', { attempts: READ_ATTEMPTS });
    return r.inputs;
  }

  /** LSTAT: the PD's tamper switch and input power now (a change also reaches onLocalStatus listeners). */
  async readLocalStatus(address: number): Promise<{ tamper: boolean; powerFailure: boolean }> {
    const r = await this.expect(address, { type: 'LSTAT' }, 'LSTATR', { attempts: READ_ATTEMPTS });
    return { tamper: r.tamper !== 0, powerFailure: r.power !== 0 };
  }

  async readOutputs(address: number): Promise<number[]> {
    const r = await this.expect(address, { type: 'OSTAT' }, 'OSTATR', { attempts: READ_ATTEMPTS });
    return r.outputs;
  }

  /**
   * KEYSET: give a PD a new secure-channel key (SCBK), e.g. to move it off the default SCBK-D. Only on the
   * technician's explicit action, and only inside a secure channel opened with the PD's current key. The caller saves
   * the new key BEFORE calling this (a lost ACK must not leave a PD with a key nobody holds).
   */
  async keyset(address: number, key: Uint8Array): Promise<void> {
    if (key.length !== 16) throw new RangeError('a secure-channel key is 16 bytes');
    if (this.scanning) throw new LinkError('offline', address, 'KEYSET', 'a bus scan is running; try again when it ends');
    const current = this.secureDefaults.get(address) ?? this.defaultSecure ?? { install: true };
    const attachedCfg = this.attached.get(address);
    if (!attachedCfg?.secure) {
      // On the bus in clear (or not at all): put it back with the secure channel on its current key.
      this.detach(address);
      this.attach(address, { ...attachedCfg, secure: current });
    }
    await this.bus.request(address, { type: 'POLL' }, { attempts: READ_ATTEMPTS }); // the link runs the handshake first
    await this.bus.request(address, { type: 'KEYSET', keyType: 1, key });
    // The link adopted the key for later sessions; remember it for re-attaching (reconnect, COMSET).
    this.secureDefaults.set(address, { scbk: key });
    this.attached.set(address, { ...this.attached.get(address), secure: { scbk: key } });
    this.log.note(this.wallClock(), address, 'KEYSET: the PD has a new secure-channel key (acknowledged)');
  }

  /**
   * COMSET: move a PD to a new address and/or baud, and make the bus follow it. The PD answers COM with the settings
   * it took (sent at the old ones); the link then talks to it at the new address, and at the new baud — one line has
   * one speed, so every PD on it must be moved to that baud too.
   */
  async comset(address: number, newAddress: number, newBaud: number): Promise<{ address: number; baud: number }> {
    if (!Number.isInteger(newAddress) || newAddress < 0 || newAddress > 126) throw new RangeError(`address ${newAddress} is not 0-126`);
    if (!isStandardBaud(newBaud)) throw new RangeError(`baud ${newBaud} is not one of ${STANDARD_BAUDS.join(', ')}`);
    const reply = await this.request(address, { type: 'COMSET', address: newAddress, baud: newBaud });
    // A PD may answer ACK (older firmware): it took what was asked.
    const took = reply.type === 'COM' ? { address: reply.address, baud: reply.baud } : { address: newAddress, baud: newBaud };
    const config = this.attached.get(address) ?? {};
    const secure = this.secureDefaults.get(address);
    this.detach(address);
    if (secure) {
      this.secureDefaults.delete(address);
      this.secureDefaults.set(took.address, secure);
    }
    if (took.baud !== this.transport.baud) {
      await this.transport.setBaud(took.baud);
      this.runner?.bus.setBaud(took.baud);
    }
    this.attach(took.address, config);
    this.log.note(
      this.wallClock(),
      took.address,
      `COMSET: PD ${address} now at address ${took.address}, ${took.baud} baud; the bus follows`,
    );
    return took;
  }

  /**
   * Switch an output ONLY for a while: OUT control code 6 (temporary OFF) or 5 (temporary ON) with a timer, so the
   * PD itself returns the output to its permanent state when the timer ends — even if DoorCx, the laptop or the
   * cable dies. Then OSTAT confirms where the output really is (an ACK does not prove a relay moved).
   */
  async timedOutput(address: number, output: number, state: 'off' | 'on', durationMs: number): Promise<TimedOutputResult> {
    if (!Number.isInteger(output) || output < 0 || output > 255) throw new RangeError(`output ${output} is not 0-255`);
    const units = Math.round(durationMs / 100);
    if (!(units >= 1 && units <= 0xffff)) throw new RangeError(`duration ${durationMs} ms must be 100 ms to ${0xffff * 100} ms`);
    const timerMs = units * 100;
    this.drops.set(address, { output, state });
    const reply = await this.request(address, { type: 'OUT', records: [{ output, code: state === 'off' ? 6 : 5, timerMs }] });
    const sentAt = this.wallClock();
    if (reply.type !== 'ACK' && reply.type !== 'OSTATR') throw new LinkError('unexpected-reply', address, 'OUT', `answered ${reply.type}`);
    const outputs = await this.readOutputs(address);
    const now = outputs[output];
    if (now === undefined)
      throw new LinkError('unexpected-reply', address, 'OSTAT', `OSTATR lists ${outputs.length} output(s); output ${output} is not there`);
    const confirmedOn = now === 1;
    this.log.note(
      this.wallClock(),
      address,
      `timed output ${output} ${state.toUpperCase()} for ${(timerMs / 1000).toFixed(1)} s: OSTAT shows ${confirmedOn ? 'ON' : 'OFF'}${confirmedOn === (state === 'on') ? '' : ' — NOT CONFIRMED'}`,
    );
    return {
      address,
      output,
      state,
      durationMs: timerMs,
      sentAt,
      reply: reply.type,
      outputs,
      confirmedOn,
      confirmed: confirmedOn === (state === 'on'),
      restoresAt: sentAt + timerMs,
    };
  }

  /**
   * Find PDs: for each baud, probe every address with POLL (one attempt), then ID and CAP, and try the SCBK-D
   * handshake to flag PDs still on the default key. The scan runs on its own bus instance: normal polling pauses.
   */
  async scan(options: ScanOptions = {}): Promise<ScanReport> {
    if (!this.runner)
      throw this.adapterState === 'disconnected'
        ? this.lostError()
        : new LinkError('offline', -1, 'POLL', 'the controller is not connected');
    if (this.scanning) throw new Error('a scan is already running');
    const from = options.from ?? 0;
    const to = options.to ?? 126;
    const bauds = options.bauds && options.bauds.length > 0 ? options.bauds : [this.transport.baud];
    const total = bauds.length * (to - from + 1);
    const originalBaud = this.transport.baud;
    const main = this.runner;
    const started = this.clock();
    const found: ScanFound[] = [];
    let probed = 0;
    this.scanning = true;
    const probeTimeoutMs = options.probeTimeoutMs ?? this.options.replyTimeoutMs ?? REPLY_TIMEOUT_MS;
    let scanner = this.newRunner({ replyTimeoutMs: probeTimeoutMs });
    let slowScanner = false;
    this.runner = scanner;
    // A valid reply that comes after its probe timed out (a busy PD, a slow converter, a loaded laptop) still
    // proves a PD at that address: such addresses are probed again, with more time, before the baud is left.
    const lateAt = new Set<number>();
    const offStray = this.onLink((e) => {
      if (e.type === 'stray') lateAt.add(e.address);
    });
    /** A dead port is an error, never "nobody there". */
    const checkAdapter = () => {
      if (this.adapterState !== 'connected') throw this.lostError();
    };
    const progress = (address: number, baud: number, isFound: boolean) =>
      options.onProgress?.({ address, baud, found: isFound, probed, total, pdsFound: found.length });
    try {
      scan: for (const baud of bauds) {
        if (this.transport.baud !== baud) await this.transport.setBaud(baud);
        if (slowScanner) {
          // The next baud's sweep probes with the normal timeout again.
          scanner.stop();
          scanner = this.newRunner({ replyTimeoutMs: probeTimeoutMs });
          this.runner = scanner;
          slowScanner = false;
        }
        scanner.bus.setBaud(baud);
        lateAt.clear();
        const silent = new Set<number>();
        for (let address = from; address <= to; address++) {
          if (options.signal?.aborted) break scan;
          checkAdapter();
          probed++;
          const entry = await this.probe(scanner.bus, address, baud, options.keyFor?.(address));
          checkAdapter();
          if (entry) found.push(entry);
          else silent.add(address);
          progress(address, baud, entry !== null);
          if (entry && options.stopAtFirst) break scan;
        }
        const late = [...lateAt].filter((a) => silent.has(a)).sort((a, b) => a - b);
        if (late.length === 0 || options.signal?.aborted) continue;
        scanner.stop();
        scanner = this.newRunner({ replyTimeoutMs: probeTimeoutMs * LATE_REPROBE_FACTOR });
        this.runner = scanner;
        slowScanner = true;
        scanner.bus.setBaud(baud);
        for (const address of late) {
          checkAdapter();
          const entry = await this.probe(scanner.bus, address, baud, options.keyFor?.(address));
          checkAdapter();
          if (!entry) continue;
          const note = `answered after the ${probeTimeoutMs} ms probe timeout: found on a slower second probe (check the PD's reply delay and the line)`;
          entry.note = entry.note ? `${note}; ${entry.note}` : note;
          found.push(entry);
          if (options.stopAtFirst) break scan;
        }
        found.sort((a, b) => a.baud - b.baud || a.address - b.address);
      }
    } finally {
      offStray();
      scanner.stop();
      this.scanning = false;
      if (this.adapterState === 'connected') {
        this.runner = main;
        if (this.transport.baud !== originalBaud) await this.transport.setBaud(originalBaud);
        main.bus.setBaud(originalBaud);
        main.schedule();
      } else main.stop('disconnected', 'link lost');
    }
    return { found, probed, total, cancelled: options.signal?.aborted === true, durationMs: this.clock() - started };
  }

  private lostError(): TransportError {
    return new TransportError(`adapter disconnected: ${this.lostReason ?? 'the port is gone'}`);
  }

  /**
   * One address: POLL (one attempt). Any answer — a NAK included — is a PD. A NAK 06 to a plain POLL is a PD that
   * enforces the secure channel: identify it with its key (or SCBK-D), or list it as needing a key.
   */
  private async probe(bus: AcuBus, address: number, baud: number, key?: Uint8Array | SecretKey): Promise<ScanFound | null> {
    const once: RequestOptions = { attempts: 1 };
    let nak: number | undefined;
    bus.addPd({ address, poll: false });
    try {
      await bus.request(address, { type: 'POLL' }, once);
    } catch (e) {
      nak = e instanceof LinkError ? e.nakCode : undefined;
      if (nak === undefined) {
        bus.removePd(address);
        return null;
      }
    }
    const entry: ScanFound = { address, baud, identity: null, capabilities: null, defaultKey: null, requiresKey: false };
    const notes: string[] = [];
    if (nak === 6 || nak === 5) {
      bus.removePd(address);
      // Secure channel required: try the key we were given, then the default key.
      for (const attempt of key ? [{ scbk: key }, { install: true }] : [{ install: true }]) {
        bus.addPd({ address, poll: false, secure: attempt });
        const ok = await this.identifyOn(bus, address, entry, []);
        bus.removePd(address);
        if (ok) {
          entry.defaultKey = 'install' in attempt;
          break;
        }
      }
      if (!entry.identity) {
        entry.requiresKey = true;
        notes.push(key ? 'requires a secure-channel key: the key given was refused' : 'requires a secure-channel key');
      }
    } else {
      if (nak !== undefined) notes.push(`answered POLL with NAK ${nak}`);
      await this.identifyOn(bus, address, entry, notes);
      bus.removePd(address);
      if (entry.capabilities?.secureChannel !== false) {
        entry.defaultKey = await this.probeDefaultKey(bus, address);
        if (entry.defaultKey === null) notes.push('secure channel not offered');
      }
    }
    if (notes.length > 0) entry.note = notes.join('; ');
    return entry;
  }

  /** ID and CAP into `entry`; true when the PD identified itself. */
  private async identifyOn(bus: AcuBus, address: number, entry: ScanFound, notes: string[]): Promise<boolean> {
    try {
      entry.identity = summariseIdentity(await bus.request(address, { type: 'ID' }, { attempts: 3 }));
    } catch (e) {
      notes.push(`ID: ${(e as Error).message}`);
      return false;
    }
    try {
      entry.capabilities = summariseCapabilities(await bus.request(address, { type: 'CAP' }, { attempts: 3 }));
    } catch (e) {
      notes.push(`CAP: ${(e as Error).message}`);
    }
    return true;
  }

  /** true when the SCBK-D handshake succeeds, false when the PD refuses that key, null when it has no secure channel. */
  private async probeDefaultKey(bus: AcuBus, address: number): Promise<boolean | null> {
    let result: boolean | null = null;
    bus.addPd({ address, poll: false, secure: { install: true } });
    try {
      // The link runs the handshake before the first request: a POLL that comes back means SCBK-D worked.
      await bus.request(address, { type: 'POLL' }, { attempts: 3 });
      result = true;
    } catch (e) {
      const err = e as LinkError;
      // NAK 05 (no secure channel) vs a refused key (NAK 06 / cryptogram mismatch).
      if (err.kind !== 'secure-channel') result = null;
      else result = /NAK 5\b/.test(err.message) ? null : false;
    } finally {
      bus.removePd(address);
    }
    return result;
  }
}
