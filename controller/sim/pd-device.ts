// The application side of a simulated OSDP peripheral: inputs, outputs with OUT
// control codes and timers, ID/CAP, status replies and unsolicited ISTATR — in plain
// commands and replies, no framing. pd.ts puts it on the wire. Pure: time comes in.
import { CAP_FUNCTION, NAK_CODE, nakMeaning, type Capability, type Command, type Reply } from '../protocol';
import type { DoorModel } from './door-model';

/** Which PD points the door is wired to (docs/wiring.md); null = not wired. */
export interface PointBinding {
  lockOutput: number | null;
  alarmOutput: number | null;
  lockStatusInput: number | null;
  dpsInput: number | null;
  rexInput: number | null;
}

export interface PdIdentity {
  vendor: [number, number, number];
  model: number;
  version: number;
  serial: number;
  firmware: { major: number; minor: number; build: number };
}

export interface PdDeviceConfig {
  inputs: number;
  outputs: number;
  identity: PdIdentity;
  /** Reply to OUT with OSTATR instead of ACK (both are allowed; DoorCx must accept both). */
  outReply?: 'ack' | 'ostatr';
  door?: DoorModel;
  binding?: PointBinding;
}

interface OutputState {
  /** the state to return to when a temporary timer ends */
  permanent: boolean;
  /** what the relay is doing now */
  current: boolean;
  /** end of a temporary (code 5/6) period, ms */
  timerEnd: number | null;
}

export class PdDevice {
  readonly config: PdDeviceConfig;
  private readonly outputs: OutputState[];
  private readonly extraInputs: number[];
  private lastReported: number[];
  /** enclosure tamper switch and input-power failure, as LSTATR reports them */
  private tamper = 0;
  private power = 0;
  private reportedStatus = { tamper: 0, power: 0 };
  private now: number;

  constructor(config: PdDeviceConfig, now: number) {
    this.config = config;
    this.now = now;
    this.outputs = Array.from({ length: config.outputs }, () => ({ permanent: false, current: false, timerEnd: null }));
    // The lock-power relay rests ON (lock power present), as the door model assumes.
    const lock = config.binding?.lockOutput;
    if (lock !== null && lock !== undefined && this.outputs[lock]) this.outputs[lock] = { permanent: true, current: true, timerEnd: null };
    this.extraInputs = new Array<number>(config.inputs).fill(0);
    this.lastReported = this.readInputs();
  }

  capabilities(): Capability[] {
    return [
      { function: CAP_FUNCTION.INPUTS, compliance: 1, count: this.config.inputs },
      { function: CAP_FUNCTION.OUTPUTS, compliance: 1, count: this.config.outputs },
      { function: CAP_FUNCTION.CRC, compliance: 1, count: 0 },
      { function: CAP_FUNCTION.RX_BUFFER, compliance: 0, count: 1 },
      { function: CAP_FUNCTION.VERSION, compliance: 2, count: 0 },
    ];
  }

  /** Run output timers and the door up to `now`, in time order (a timer end switches the relay at its own instant). */
  advance(now: number): void {
    if (now < this.now) return;
    for (;;) {
      let next: { i: number; at: number } | null = null;
      this.outputs.forEach((o, i) => {
        if (o.timerEnd !== null && o.timerEnd <= now && (next === null || o.timerEnd < next.at)) next = { i, at: o.timerEnd };
      });
      if (next === null) break;
      const { i, at } = next;
      const o = this.outputs[i]!;
      o.timerEnd = null;
      this.setRelay(i, o.permanent, at);
    }
    this.config.door?.advance(now);
    this.now = now;
  }

  private setRelay(i: number, on: boolean, at: number): void {
    const o = this.outputs[i]!;
    o.current = on;
    const b = this.config.binding;
    const door = this.config.door;
    if (!b || !door) return;
    if (b.lockOutput === i) door.setLockRelay(on, at);
    if (b.alarmOutput === i) door.setAlarmRelay(on, at);
  }

  readOutputs(): number[] {
    return this.outputs.map((o) => (o.current ? 1 : 0));
  }

  /** Output detail for the simulator panel: current state and when a running timer ends. */
  outputDetail(): { on: boolean; permanentOn: boolean; timerEnd: number | null }[] {
    return this.outputs.map((o) => ({ on: o.current, permanentOn: o.permanent, timerEnd: o.timerEnd }));
  }

  readInputs(): number[] {
    const values = this.extraInputs.slice();
    const b = this.config.binding;
    const door = this.config.door;
    if (b && door) {
      const v = door.inputs(this.now);
      const put = (point: number | null, value: number) => {
        if (point !== null && point < values.length) values[point] = value;
      };
      put(b.lockStatusInput, v.lockStatus);
      put(b.dpsInput, v.dps);
      put(b.rexInput, v.rex);
    }
    return values;
  }

  /** Someone opens the PD's enclosure (tamper) or its input power fails (sim control, tests). */
  setLocalStatus(status: { tamper?: boolean; powerFailure?: boolean }): void {
    if (status.tamper !== undefined) this.tamper = status.tamper ? 1 : 0;
    if (status.powerFailure !== undefined) this.power = status.powerFailure ? 1 : 0;
  }

  /** Drive an input not bound to the door (sim control, tests). */
  setExtraInput(point: number, value: number, now: number): void {
    this.advance(now);
    if (point < 0 || point >= this.extraInputs.length) throw new RangeError(`input ${point} not in 0-${this.extraInputs.length - 1}`);
    this.extraInputs[point] = value;
  }

  private nak(code: number): Reply {
    return { type: 'NAK', code, meaning: nakMeaning(code) };
  }

  private out(records: { output: number; code: number; timerMs: number }[], now: number): Reply {
    // Validate every record first: a bad record changes nothing.
    for (const r of records) {
      if (r.output >= this.outputs.length) return this.nak(NAK_CODE.CANNOT_PROCESS);
      if ((r.code === 5 || r.code === 6) && r.timerMs <= 0) return this.nak(NAK_CODE.CANNOT_PROCESS);
    }
    for (const r of records) {
      const o = this.outputs[r.output]!;
      switch (r.code) {
        case 0:
          break;
        case 1:
        case 2:
          o.permanent = r.code === 2;
          o.timerEnd = null;
          this.setRelay(r.output, o.permanent, now);
          break;
        case 3:
        case 4:
          o.permanent = r.code === 4;
          if (o.timerEnd === null) this.setRelay(r.output, o.permanent, now);
          break;
        case 5:
        case 6:
          o.timerEnd = now + r.timerMs;
          this.setRelay(r.output, r.code === 5, now);
          break;
      }
    }
    return this.config.outReply === 'ostatr' ? { type: 'OSTATR', outputs: this.readOutputs() } : { type: 'ACK' };
  }

  /** The reply to one plaintext command at `now`. Secure-channel and link commands are handled by pd.ts. */
  respond(command: Command, now: number): Reply {
    this.advance(now);
    switch (command.type) {
      case 'POLL': {
        // A tamper or power change is reported first (LSTATR), then input changes on later POLLs.
        if (this.tamper !== this.reportedStatus.tamper || this.power !== this.reportedStatus.power) {
          this.reportedStatus = { tamper: this.tamper, power: this.power };
          return { type: 'LSTATR', tamper: this.tamper, power: this.power };
        }
        const inputs = this.readInputs();
        if (inputs.some((v, i) => v !== this.lastReported[i])) {
          this.lastReported = inputs;
          return { type: 'ISTATR', inputs };
        }
        return { type: 'ACK' };
      }
      case 'ID':
        return { type: 'PDID', ...this.config.identity };
      case 'CAP':
        return { type: 'PDCAP', capabilities: this.capabilities() };
      case 'LSTAT':
        this.reportedStatus = { tamper: this.tamper, power: this.power };
        return { type: 'LSTATR', tamper: this.tamper, power: this.power };
      case 'ISTAT':
        this.lastReported = this.readInputs();
        return { type: 'ISTATR', inputs: this.lastReported };
      case 'OSTAT':
        return { type: 'OSTATR', outputs: this.readOutputs() };
      case 'RSTAT':
        // One reader, not tampered: an empty RSTATR is malformed to libosdp's ACU (it expects a byte per reader).
        return { type: 'RSTATR', readers: [0] };
      case 'OUT':
        return this.out(command.records, now);
      case 'LED':
      case 'BUZ':
        return { type: 'ACK' };
      default:
        return this.nak(NAK_CODE.UNKNOWN_COMMAND);
    }
  }
}
