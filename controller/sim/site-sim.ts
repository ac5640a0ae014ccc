// A bus of simulated PDs for a site: one PD per opening bound to a PD address,
// a door model per opening (faults from resources/demo-site.sim.json), all on one
// Transport like a real multi-drop RS-485 line. The bus frames incoming bytes,
// hands each frame to the PD it addresses and writes the reply back.
// Sim controls (REX, push, credential, fire alarm at the panel, faults) are for
// demos and tests; a real site has people instead.
import { z } from 'zod';
import { BROADCAST, Framer, fromHex, type FramerStats } from '../protocol';
import type { Opening } from '../../core/schedule/types';
import type { Transport } from '../serial/transport';
import { DoorModel, doorConfigFromOpening, type DoorFaults, type DoorState, type PushSide } from './door-model';
import { PdSim } from './pd';

/** How late a PD with the 'late' fault answers: past OSDP's 200 ms reply limit, as a busy PD or slow converter can. */
export const LATE_REPLY_MS = 300;

/** Per-opening simulator settings (what is really installed), keyed by opening id. */
export interface SimOpeningConfig {
  faults?: DoorFaults;
  /** The PD's own secure-channel key (hex); absent = still on the default key SCBK-D. */
  scbk?: string;
  /** The PD answers nothing in clear (NAK 06): a panel that enforces the secure channel. */
  enforceSecure?: boolean;
  note?: string;
}

export interface SimSiteConfig {
  site?: string;
  /** Offer the secure channel on every PD (default true). */
  secureChannel?: boolean;
  openings: Record<string, SimOpeningConfig>;
}

export interface SimPdInfo {
  address: number;
  openingId: string | null;
  usesDefaultKey: boolean;
  pdFault: DoorFaults['pd'];
}

export type SimControl =
  | { action: 'rex'; openingId: string; holdMs?: number }
  | { action: 'push'; openingId: string; side?: PushSide; holdOpenMs?: number }
  | { action: 'credential'; openingId: string; holdMs?: number }
  | { action: 'fire-alarm'; active: boolean }
  | { action: 'set-faults'; openingId: string; faults: DoorFaults }
  /** the PD's enclosure opened/closed, or its input power failed/restored */
  | { action: 'local-status'; openingId: string; tamper?: boolean; powerFailure?: boolean };

export interface SiteSimOptions {
  openings: Opening[];
  config?: SimSiteConfig;
  /** ms clock (performance.now() when running live; injected in tests). */
  now: () => number;
  random?: () => number;
  /** Line speed every PD starts at (default 9600). */
  baud?: number;
}

/** A PD identity that reads like a real I/O module; the serial number follows the address. */
function identity(address: number) {
  return {
    vendor: [0x5c, 0x26, 0x0a] as [number, number, number],
    model: 0x12,
    version: 1,
    serial: 0x10000 + address,
    firmware: { major: 2, minor: 2, build: 2 },
  };
}

export class SiteSim {
  readonly pds: PdSim[] = [];
  private readonly doors = new Map<string, { door: DoorModel; pd: PdSim }>();
  private readonly framer = new Framer();
  private transport: Transport | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly now: () => number;
  /** Replies not sent because the transport failed (cable gone). */
  writeErrors = 0;
  /** Broadcasts answered by more than one PD at once (garbage on the line). */
  collisions = 0;

  constructor(options: SiteSimOptions) {
    this.now = options.now;
    const t = this.now();
    const cfg = options.config ?? { openings: {} };
    for (const o of options.openings) {
      if (o.pd_address === null) continue;
      if (this.pds.some((p) => p.address === o.pd_address)) continue; // one opening per PD
      const sim = cfg.openings[o.opening_id] ?? {};
      const door = new DoorModel(doorConfigFromOpening(o, sim.faults ?? {}), t);
      const points = [o.lock_output, o.alarm_output, o.lock_status_input, o.dps_input, o.rex_input];
      const outputs = Math.max(2, ...[o.lock_output, o.alarm_output].map((p) => (p ?? -1) + 1));
      const inputs = Math.max(4, ...points.slice(2).map((p) => (p ?? -1) + 1));
      const pd = new PdSim(
        {
          address: o.pd_address,
          inputs,
          outputs,
          identity: identity(o.pd_address),
          door,
          binding: {
            lockOutput: o.lock_output,
            alarmOutput: o.alarm_output,
            lockStatusInput: o.lock_status_input,
            dpsInput: o.dps_input,
            rexInput: o.rex_input,
          },
          secureChannel: cfg.secureChannel ?? true,
          scbk: sim.scbk ? fromHex(sim.scbk) : null,
          enforceSecure: sim.enforceSecure === true,
          random: options.random,
          baud: options.baud ?? 9600,
        },
        t,
      );
      this.pds.push(pd);
      this.doors.set(o.opening_id, { door, pd });
    }
  }

  /** Attach to the bus end of a transport (opened by the caller). */
  attach(transport: Transport): void {
    this.detach();
    this.transport = transport;
    this.unsubscribe = transport.onData((bytes) => this.receive(bytes));
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.transport = null;
  }

  get framerStats(): FramerStats {
    return this.framer.stats;
  }

  /** Bytes from the line: every whole frame goes to the PDs; the addressed one answers. */
  receive(bytes: Uint8Array): void {
    const now = this.now();
    for (const out of this.framer.push(bytes, now)) {
      if (out.type !== 'frame') continue;
      const replies: { pd: PdSim; bytes: Uint8Array }[] = [];
      for (const pd of this.pds) {
        // A PD at another speed sees only noise. (Modelled on the in-memory line; a PTY ignores the baud rate.)
        if (this.transport && this.transport.baud !== pd.baud) continue;
        const reply = pd.handleFrame(out.frame.frame, now);
        if (reply) replies.push({ pd, bytes: reply });
      }
      if (out.frame.frame.address === BROADCAST && replies.length > 1) {
        // Every PD answers a broadcast at the same moment: on a real line the drivers fight and the ACU reads one
        // garbled burst, never a clean queue of replies. Broadcast is for a bus with one PD.
        this.collisions++;
        for (const { pd } of replies) {
          if (pd.pendingBaud) pd.baud = pd.pendingBaud; // a broadcast COMSET still took effect
          pd.pendingBaud = null;
        }
        this.sendRaw(collide(replies.map((r) => r.bytes)));
        continue;
      }
      for (const r of replies) {
        if (r.pd.pdFault === 'late') setTimeout(() => this.send(r.pd, r.bytes), LATE_REPLY_MS);
        else this.send(r.pd, r.bytes);
      }
    }
  }

  private send(pd: PdSim, reply: Uint8Array): void {
    const t = this.transport;
    if (!t) return;
    const baud = pd.pendingBaud;
    pd.pendingBaud = null;
    if (baud) pd.baud = baud; // COMSET: the COM reply went out at the old speed, the PD listens at the new one
    t.write(reply).catch(() => this.writeErrors++);
  }

  private sendRaw(bytes: Uint8Array): void {
    this.transport?.write(bytes).catch(() => this.writeErrors++);
  }

  pd(address: number): PdSim | undefined {
    return this.pds.find((p) => p.address === address);
  }

  private entry(openingId: string): { door: DoorModel; pd: PdSim } {
    const e = this.doors.get(openingId);
    if (!e) throw new RangeError(`No simulated PD for opening "${openingId}".`);
    return e;
  }

  /** Demo and test controls: what a person or the fire alarm panel does at the door. */
  control(c: SimControl): void {
    const now = this.now();
    switch (c.action) {
      case 'rex':
        this.entry(c.openingId).door.pressRex(now, c.holdMs);
        break;
      case 'push':
        this.entry(c.openingId).door.push(now, c.side, c.holdOpenMs);
        break;
      case 'credential':
        this.entry(c.openingId).door.presentCredential(now, c.holdMs);
        break;
      case 'fire-alarm':
        for (const { door } of this.doors.values()) door.setPanelFireAlarm(c.active, now);
        break;
      case 'set-faults':
        this.entry(c.openingId).door.setFaults(c.faults, now);
        break;
      case 'local-status':
        this.entry(c.openingId).pd.device.setLocalStatus({ tamper: c.tamper, powerFailure: c.powerFailure });
        break;
    }
  }

  /** The physical truth at one opening (simulator panel, tests). */
  doorState(openingId: string): DoorState {
    const { door, pd } = this.entry(openingId);
    pd.device.advance(this.now());
    return door.state(this.now());
  }

  info(): SimPdInfo[] {
    return this.pds.map((pd) => ({
      address: pd.address,
      openingId: pd.config.door?.config.openingId ?? null,
      usesDefaultKey: pd.usesDefaultKey,
      pdFault: pd.pdFault,
    }));
  }
}

/** Several drivers on one RS-485 pair at once: a 0 bit from any of them wins (wired-AND), the result is noise. */
function collide(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(Math.max(...frames.map((f) => f.length))).fill(0xff);
  for (const f of frames) f.forEach((b, i) => (out[i] = out[i]! & b));
  return out;
}

const faultsSchema = z
  .object({
    modeOpposite: z.boolean().optional(),
    stuckRelay: z.boolean().optional(),
    lockStatusUnwired: z.enum(['inactive', 'open']).nullable().optional(),
    pd: z.enum(['silent', 'nak', 'noise', 'late']).nullable().optional(),
  })
  .strict();
const simConfigSchema = z
  .object({
    site: z.string().optional(),
    secureChannel: z.boolean().optional(),
    openings: z.record(
      z.string(),
      z
        .object({
          faults: faultsSchema.optional(),
          scbk: z
            .string()
            .regex(/^\s*([0-9a-fA-F]{2}\s?){16}\s*$/, 'must be 16 bytes of hex')
            .optional(),
          enforceSecure: z.boolean().optional(),
          note: z.string().optional(),
        })
        .strict(),
    ),
  })
  .strict();

/** Parse resources/demo-site.sim.json (or any site's), naming the field at fault. */
export function parseSimSiteConfig(json: unknown): SimSiteConfig {
  const r = simConfigSchema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : typeof p === 'string' && /^[a-zA-Z]\w*$/.test(p) ? `.${p}` : `["${String(p)}"]`))
    .join('');
  throw new TypeError(`simulator config${where ? ` ${where.replace(/^\./, '')}` : ''}: ${issue.message}`);
}

/** resources/demo-site.sim.json: what is really installed at the demo site (its wiring faults). */
export const DEMO_SIM_CONFIG_URL = new URL('../../resources/demo-site.sim.json', import.meta.url);
