// The byte pipe under the OSDP link: open, write, data events, close.
// Two implementations: a serial port (USB–RS-485 adapter, or one end of a socat PTY
// pair) and an in-memory pair for the in-process simulated controller, which can
// model the wire time a real RS-485 line would take at the configured baud rate.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SerialPortStream } from '@serialport/stream';
import { HangUpAwareBinding } from './hangup-binding';
import { charTimeMs } from '../protocol/baud';

export type DataListener = (bytes: Uint8Array) => void;

export interface Transport {
  /** e.g. "/dev/ttyUSB0 @ 9600" or "in-memory" — for logs and the UI. */
  readonly description: string;
  readonly isOpen: boolean;
  /** Current line speed; the wire-time floor for every frame. */
  readonly baud: number;
  open(): Promise<void>;
  /** Resolves once the bytes are handed to the OS (serial) or queued on the wire (memory). */
  write(bytes: Uint8Array): Promise<void>;
  /** Returns the function that unsubscribes. */
  onData(listener: DataListener): () => void;
  /** The port went away under us (adapter unplugged, PTY closed): called once per open, not for our own close(). */
  onLost?(listener: (err: Error) => void): () => void;
  /** Open again after a loss (same adapter, possibly at a new path). */
  reopen?(): Promise<void>;
  /** Change line speed (scan at several bauds, COMSET). */
  setBaud(baud: number): Promise<void>;
  close(): Promise<void>;
}

export { STANDARD_BAUDS, charTimeMs } from '../protocol/baud';

export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

/** A real serial port through node-serialport. */
/** The USB identity of an adapter, to find it again after it is re-plugged (it may come back under another path). */
export interface AdapterIdentity {
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

export class SerialTransport implements Transport {
  private port: SerialPortStream | null = null;
  private readonly listeners = new Set<DataListener>();
  private readonly lostListeners = new Set<(err: Error) => void>();
  private currentBaud: number;
  /** Filled at open from the port listing when the adapter has a USB identity. */
  identity: AdapterIdentity | null = null;

  constructor(
    public path: string,
    baud = 9600,
    /** How to list ports when looking for the same adapter (injected in tests). */
    private readonly list: () => Promise<PortListing[]> = () => listPorts(),
  ) {
    this.currentBaud = baud;
  }

  get description(): string {
    return `${this.path} @ ${this.currentBaud}`;
  }
  get baud(): number {
    return this.currentBaud;
  }
  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.port?.isOpen) return;
    const port = new SerialPortStream({
      binding: HangUpAwareBinding,
      path: this.path,
      baudRate: this.currentBaud,
      autoOpen: false,
      dataBits: 8,
      stopBits: 1,
      parity: 'none',
    });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new TransportError(`Cannot open serial port ${this.path}: ${err.message}`)) : resolve())),
    );
    port.on('data', (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (const l of this.listeners) l(bytes);
    });
    // An adapter pulled mid-session surfaces as an error and/or a close we did not ask for: report it once.
    const lost = (err: Error | null | undefined) => {
      if (this.port !== port) return;
      this.port = null;
      const e = new TransportError(`${this.path}: ${err?.message ?? 'the port closed'}`);
      for (const l of this.lostListeners) l(e);
    };
    port.on('error', (err: Error) => lost(err));
    port.on('close', (err: Error | null) => lost(err));
    this.port = port;
    if (!this.identity) this.identity = await this.lookUpIdentity();
  }

  private async lookUpIdentity(): Promise<AdapterIdentity | null> {
    try {
      const me = (await this.list()).find((p) => p.path === this.path);
      if (!me || !(me.vendorId || me.productId || me.serialNumber)) return null;
      return { vendorId: me.vendorId, productId: me.productId, serialNumber: me.serialNumber };
    } catch {
      return null; // no udevadm, or no listing: reopen by path only
    }
  }

  onLost(listener: (err: Error) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Open again: the same path if it is back, else the same USB adapter (vendor, product, serial) wherever it is now. */
  async reopen(): Promise<void> {
    if (this.port?.isOpen) return;
    try {
      await this.open();
      return;
    } catch (err) {
      const id = this.identity;
      if (!id) throw err;
      let ports: PortListing[];
      try {
        ports = await this.list();
      } catch {
        throw err;
      }
      const same = ports.find(
        (p) => p.path !== this.path && p.vendorId === id.vendorId && p.productId === id.productId && p.serialNumber === id.serialNumber,
      );
      if (!same) throw err;
      this.path = same.path;
      await this.open();
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new TransportError(`Serial port ${this.path} is not open.`);
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes), (err) =>
        err ? reject(new TransportError(`Write to ${this.path} failed: ${err.message}`)) : resolve(),
      );
    });
  }

  onData(listener: DataListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async setBaud(baud: number): Promise<void> {
    this.currentBaud = baud;
    const port = this.port;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve, reject) =>
      port.update({ baudRate: baud }, (err) =>
        err ? reject(new TransportError(`Cannot set ${this.path} to ${baud} baud: ${err.message}`)) : resolve(),
      ),
    );
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

export interface MemoryPairOptions {
  baud?: number;
  /**
   * Model RS-485 wire time: each write arrives after bytes × 10 bits / baud, and the half-duplex line
   * carries one direction at a time. Off by default (bytes arrive on the next macrotask).
   */
  modelWireTime?: boolean;
  /** Clock for the wire model (ms); injected for tests. */
  now?: () => number;
}

/** Shared state of one simulated line. */
interface Line {
  baud: number;
  freeAt: number;
  modelWireTime: boolean;
  now: () => number;
  bytesCarried: number;
}

class MemoryEnd implements Transport {
  peer: MemoryEnd | null = null;
  private open_ = false;
  private readonly listeners = new Set<DataListener>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    readonly description: string,
    private readonly line: Line,
  ) {}

  get isOpen(): boolean {
    return this.open_;
  }
  get baud(): number {
    return this.line.baud;
  }

  async open(): Promise<void> {
    this.open_ = true;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.open_) throw new TransportError(`${this.description} is not open.`);
    const copy = bytes.slice();
    const line = this.line;
    line.bytesCarried += copy.length;
    let delay = 0;
    if (line.modelWireTime) {
      const now = line.now();
      const start = Math.max(now, line.freeAt);
      line.freeAt = start + copy.length * charTimeMs(line.baud);
      delay = line.freeAt - now;
    }
    const peer = this.peer;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (peer?.open_) peer.deliver(copy);
    }, delay);
    this.timers.add(timer);
  }

  private deliver(bytes: Uint8Array): void {
    for (const l of this.listeners) l(bytes);
  }

  onData(listener: DataListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async setBaud(baud: number): Promise<void> {
    // One line, one speed: like two devices that must agree, both ends see the change.
    this.line.baud = baud;
  }

  async close(): Promise<void> {
    this.open_ = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export interface MemoryPair {
  /** The control panel's end (DoorCx). */
  acu: Transport;
  /** The bus end where the simulated PDs listen. */
  bus: Transport;
  /** Total bytes carried both ways (for the wire-time figures). */
  bytesCarried(): number;
}

/** Two connected in-memory transports: whatever one writes, the other receives. */
export function memoryPair(options: MemoryPairOptions = {}): MemoryPair {
  const line: Line = {
    baud: options.baud ?? 9600,
    freeAt: 0,
    modelWireTime: options.modelWireTime ?? false,
    now: options.now ?? (() => performance.now()),
    bytesCarried: 0,
  };
  const acu = new MemoryEnd('in-memory ACU end', line);
  const bus = new MemoryEnd('in-memory bus end', line);
  acu.peer = bus;
  bus.peer = acu;
  return { acu, bus, bytesCarried: () => line.bytesCarried };
}

export interface PortListing {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  pnpId?: string;
}

/** Whether an executable is on PATH (checked before spawning, since a spawn error would be uncaught). */
export function onPath(command: string, pathEnv = process.env.PATH ?? ''): boolean {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * Serial ports on this machine. On Linux serialport's list() spawns `udevadm` and an
 * ENOENT from that spawn is emitted on a child process nobody listens to, which kills
 * the process — so check for it first and say what to install.
 */
export async function listPorts(options: { platform?: NodeJS.Platform; pathEnv?: string } = {}): Promise<PortListing[]> {
  const platform = options.platform ?? process.platform;
  if (platform === 'linux' && !onPath('udevadm', options.pathEnv)) {
    throw new TransportError(
      'Cannot list serial ports: the "udevadm" program is not installed (Debian/Ubuntu package "udev"). ' +
        'You can still connect by typing the port path, e.g. /dev/ttyUSB0.',
    );
  }
  let ports: PortListing[];
  try {
    ports = await HangUpAwareBinding.list();
  } catch (err) {
    throw new TransportError(`Cannot list serial ports: ${(err as Error).message}`);
  }
  return ports.map((p) => ({
    path: p.path,
    manufacturer: p.manufacturer,
    serialNumber: p.serialNumber,
    vendorId: p.vendorId,
    productId: p.productId,
    pnpId: p.pnpId,
  }));
}
