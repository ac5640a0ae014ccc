// The controller link's part of the API: serial ports, connecting to a bus (a real
// USB–RS-485 adapter or the in-process simulated controller), scanning for PDs,
// reading points, the safe timed output, and simulator controls for demos.
import { z } from 'zod';
import { STANDARD_BAUDS, isStandardBaud } from '../../controller/protocol/baud';

export { STANDARD_BAUDS };
export { INPUT_STATE } from '../../controller/protocol/input-state';

const address = z.number().int().min(0).max(126);
const baud = z.number().refine(isStandardBaud, { message: `must be one of ${STANDARD_BAUDS.join(', ')}` });

export const controllerInputs = {
  controllerListPorts: z.object({}).strict(),
  controllerConnect: z
    .object({
      kind: z.enum(['simulated', 'serial']),
      /** Serial: the device path (e.g. /dev/ttyUSB0). */
      port: z.string().trim().min(1).max(300).optional(),
      baud: baud.default(9600),
      /** Simulated: whose openings the simulated PDs stand for (default: the demo site). */
      siteId: z.number().int().positive().optional(),
      /** Run the secure channel with every PD (SCBK-D, the default key, unless a key is given below). */
      secure: z.boolean().default(false),
      /** Re-keyed PDs: their own SCBK (32 hex digits). Held in memory for this connection only; never logged or returned. */
      keys: z
        .array(
          z
            .object({ address, scbk: z.string().regex(/^\s*([0-9a-fA-F]{2}[\s:]?){16}\s*$/, 'must be 16 bytes of hex (32 hex digits)') })
            .strict(),
        )
        .max(127)
        .default([]),
    })
    .strict()
    .refine((v) => v.kind === 'simulated' || v.port !== undefined, { message: 'a serial connection needs a port', path: ['port'] }),
  controllerDisconnect: z.object({}).strict(),
  controllerStatus: z.object({}).strict(),
  controllerScan: z
    .object({
      from: address.default(0),
      to: address.default(126),
      /** Empty = the connection's current baud only. */
      bauds: z.array(baud).max(6).default([]),
      /** Stop at the first PD found. */
      stopAtFirst: z.boolean().default(false),
    })
    .strict()
    .refine((v) => v.from <= v.to, { message: '"from" must not be above "to"', path: ['from'] }),
  /**
   * Give a PD a new random secure-channel key (moves it off SCBK-D). The key is saved in the site's key store
   * (encrypted with the passphrase) before KEYSET is sent, and the change is recorded in the event log.
   */
  controllerKeyset: z.object({ address, siteId: z.number().int().positive(), passphrase: z.string().min(8).max(200) }).strict(),
  /** Use the keys of a site's key store on this connection (scan and live panel). */
  controllerUnlockKeys: z.object({ siteId: z.number().int().positive(), passphrase: z.string().min(1).max(200) }).strict(),
  /** Stop a running scan; it returns what it found so far (cancelled: true). */
  controllerScanCancel: z.object({}).strict(),
  controllerPdStatus: z.object({ address }).strict(),
  controllerReadPoints: z.object({ address }).strict(),
  controllerTimedOutput: z
    .object({
      address,
      output: z.number().int().min(0).max(255),
      state: z.enum(['off', 'on']),
      /** 100 ms to 10 minutes: the PD restores the output's permanent state by itself when it ends. */
      durationMs: z.number().int().min(100).max(600_000),
    })
    .strict(),
  controllerSimControl: z
    .object({
      action: z.enum([
        'rex',
        'push',
        'push-egress',
        'credential',
        'fire-alarm',
        'fire-alarm-reset',
        'set-faults',
        'tamper',
        'tamper-clear',
        'power-fail',
        'power-restore',
      ]),
      openingId: z.string().trim().min(1).max(64).optional(),
      faults: z
        .object({
          modeOpposite: z.boolean().optional(),
          stuckRelay: z.boolean().optional(),
          lockStatusUnwired: z.enum(['inactive', 'open']).nullable().optional(),
          pd: z.enum(['silent', 'nak', 'noise', 'late']).nullable().optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
  controllerLog: z.object({ limit: z.number().int().min(1).max(2000).default(200) }).strict(),
};

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

export interface ControllerStatus {
  connected: boolean;
  kind: 'simulated' | 'serial' | null;
  description: string | null;
  baud: number | null;
  /** Simulated: the site whose openings the PDs stand for. */
  siteId: number | null;
  /** Simulated: PD address → opening id. */
  simulatedPds: { address: number; openingId: string | null }[];
  framesDropped: number;
  /** 'disconnected': the adapter went away (unplugged); the link reopens it by itself. null when not connected. */
  adapter: 'connected' | 'disconnected' | null;
  /** Why the adapter is disconnected. */
  adapterReason: string | null;
}

export interface PdCapabilitySummary {
  inputs: number;
  outputs: number;
  crc: boolean;
  secureChannel: boolean;
  /** Raw PDCAP entries. */
  raw: { function: number; compliance: number; count: number }[];
}

export interface PdIdentitySummary {
  vendor: string;
  model: number;
  version: number;
  serial: string;
  firmware: string;
}

export interface ScanFinding {
  address: number;
  baud: number;
  identity: PdIdentitySummary | null;
  capabilities: PdCapabilitySummary | null;
  /** true: the SCBK-D handshake succeeds (key never changed); false: refused; null: no secure channel offered. */
  defaultKey: boolean | null;
  /** The PD answers only inside a secure channel (NAK 06) and no key held for it opens one. */
  requiresKey: boolean;
  note?: string;
}

export interface ScanResult {
  found: ScanFinding[];
  probed: number;
  total: number;
  cancelled: boolean;
  durationMs: number;
}

export interface PdStatus {
  address: number;
  online: boolean;
  identity: PdIdentitySummary | null;
  capabilities: PdCapabilitySummary | null;
  inputs: number[] | null;
  outputs: number[] | null;
  /** Simulated only: the opening this PD stands for. */
  openingId: string | null;
}

export interface PointReading {
  address: number;
  at: string;
  /** 0 inactive, 1 active, 2 short, 3 open, 4 fault, 5 unknown (v2.2.2) */
  inputs: number[];
  outputs: number[];
}

export interface TimedOutputResult {
  address: number;
  output: number;
  state: 'off' | 'on';
  durationMs: number;
  sentAt: string;
  /** What the PD answered to OUT (ACK or OSTATR). */
  reply: string;
  /** OSTAT right after the command: the output's actual state (an ACK alone proves nothing). */
  confirmedOn: boolean;
  /** The output is where it was asked to be. */
  confirmed: boolean;
  /** When the PD will restore the permanent state by itself. */
  restoresAt: string;
}

export interface CommandLogEntry {
  seq: number;
  at: string;
  direction: 'tx' | 'rx' | 'drop' | 'note';
  address: number | null;
  /** Decoded meaning, e.g. "OUT out 0 temporary OFF for 5.0 s" or "ISTATR 1 0 0 0". Keys never appear. */
  meaning: string;
  hex: string;
  /** An idle POLL or the plain ACK answering it. */
  idle: boolean;
}

export interface ControllerInputEvent {
  address: number;
  at: string;
  inputs: number[];
  /** Inputs that changed since the previous reading. */
  changed: number[];
}

export interface ControllerOutputs {
  controllerListPorts: SerialPortInfo[];
  controllerConnect: ControllerStatus;
  controllerDisconnect: ControllerStatus;
  controllerStatus: ControllerStatus;
  controllerScan: ScanResult;
  controllerScanCancel: { cancelled: boolean };
  controllerKeyset: { address: number; saved: true; acknowledged: true };
  controllerUnlockKeys: { addresses: number[] };
  controllerPdStatus: PdStatus;
  controllerReadPoints: PointReading;
  controllerTimedOutput: TimedOutputResult;
  controllerSimControl: { ok: true; doorState: unknown };
  controllerLog: CommandLogEntry[];
}

/** Push events (merged into ApiEvents). */
export interface ControllerEvents {
  controllerInput: ControllerInputEvent;
  controllerLog: CommandLogEntry;
  controllerStatus: ControllerStatus;
  controllerScanProgress: ScanProgressEvent;
  /** A PD reported tamper or a power failure (or their end). */
  controllerPdLocalStatus: PdLocalStatusEvent;
}

export interface PdLocalStatusEvent {
  address: number;
  at: string;
  tamper: boolean;
  powerFailure: boolean;
  changed: ('tamper' | 'power')[];
}

export interface ScanProgressEvent {
  /** address/baud combinations probed so far, of total */
  probed: number;
  total: number;
  pdsFound: number;
  address: number;
  baud: number;
}
