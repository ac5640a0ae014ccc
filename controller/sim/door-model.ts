// A pure model of one electrified opening, following the wiring model in docs/wiring.md:
// the lock_output relay feeds lock power, the alarm_output (or a fire alarm at the
// panel) removes power from locks tied to the fire alarm, and the lock's INSTALLED
// mode decides what it does without power. Time is passed in (advance(now), every
// stimulus takes `now`); the model never reads a clock or starts a timer, so tests
// and the simulator's PD drive it exactly. Internally it is a small discrete-event
// simulation: delayed releases/relocks, REX and credential windows and the door
// closer are events processed in time order.
import type { DpsPolarity, FailMode, LockStatusPolarity, LockType, Opening } from '../../core/schedule/types';

/** What is wrong with the installation or the PD (the simulator's injected faults). */
export interface DoorFaults {
  /** The lock was installed in the mode opposite to the schedule (e.g. ordered fail-safe, wired fail-secure). */
  modeOpposite?: boolean;
  /** The lock_output relay is welded closed: switching it has no effect, lock power stays on. */
  stuckRelay?: boolean;
  /** The lock-status sensor is not wired: the input reads inactive, or v2.2.2 "open circuit" (3) on a supervised input. */
  lockStatusUnwired?: 'inactive' | 'open' | null;
  /**
   * A second feed (a battery or another supply wired in parallel) powers the lock again this long after its
   * power was cut: a fail-safe lock releases, then re-secures while the test still holds power off.
   */
  backfeedAfterMs?: number | null;
  /** PD-level faults, applied by the PD simulator (the door itself is unaffected). */
  /** late: every reply goes out LATE_REPLY_MS after the command, beyond OSDP's 200 ms limit. */
  pd?: 'silent' | 'nak' | 'noise' | 'late' | null;
}

export interface DoorConfig {
  openingId: string;
  lockType: LockType;
  /** The mode the schedule asks for. */
  scheduledMode: FailMode;
  /** Whether the lock's power supply is tied to the fire alarm interface. */
  fireAlarmRelease: boolean;
  /** Mechanical egress frees the door from the egress side regardless of the lock. */
  mechanicalEgress: boolean;
  lockStatusActive: LockStatusPolarity;
  dpsActive: DpsPolarity;
  /** Time from "release wanted" to the mechanism actually releasing (maglock residual magnetism, solenoid travel). */
  releaseDelayMs: number;
  /** Time from "secure wanted" (door closed) to the mechanism holding again. */
  relockDelayMs: number;
  /** How long a REX press keeps the release commanded (the access controller's shunt time). */
  rexHoldMs: number;
  /** How long a valid credential keeps the release commanded. */
  credentialHoldMs: number;
  faults: DoorFaults;
}

/** Release/relock delays by lock type (ms): maglocks release slowly (residual magnetism), strikes fast. */
export const LOCK_TIMING: Record<LockType, { releaseDelayMs: number; relockDelayMs: number }> = {
  maglock: { releaseDelayMs: 250, relockDelayMs: 50 },
  'electric-strike': { releaseDelayMs: 60, relockDelayMs: 80 },
  'electrified-mortise': { releaseDelayMs: 150, relockDelayMs: 300 },
  'electrified-exit-device': { releaseDelayMs: 200, relockDelayMs: 400 },
  'electrified-cylindrical': { releaseDelayMs: 150, relockDelayMs: 300 },
  other: { releaseDelayMs: 200, relockDelayMs: 200 },
};

export function doorConfigFromOpening(opening: Opening, faults: DoorFaults = {}, overrides: Partial<DoorConfig> = {}): DoorConfig {
  return {
    openingId: opening.opening_id,
    lockType: opening.lock_type,
    scheduledMode: opening.fail_mode,
    fireAlarmRelease: opening.fire_alarm_release,
    mechanicalEgress: opening.egress === 'mechanical',
    lockStatusActive: opening.lock_status_active,
    dpsActive: opening.dps_active,
    ...LOCK_TIMING[opening.lock_type],
    rexHoldMs: 3000,
    credentialHoldMs: 5000,
    faults,
    ...overrides,
  };
}

export type Mechanism = 'secured' | 'released';

/** Raw input values as the PD reports them in ISTATR (0 inactive, 1 active, 3 open circuit). */
export interface DoorInputs {
  lockStatus: 0 | 1 | 3;
  dps: 0 | 1;
  rex: 0 | 1;
}

/** The physical truth, for the simulator's panel and for tests (a real site never sees this). */
export interface DoorState {
  openingId: string;
  installedMode: FailMode;
  lockRelayOn: boolean;
  alarmRelayOn: boolean;
  panelFireAlarm: boolean;
  fireAlarmActive: boolean;
  lockPowered: boolean;
  releaseCommanded: boolean;
  rexActive: boolean;
  mechanism: Mechanism;
  /** The mechanism is moving towards this state, due at `pendingAt`. */
  pendingMechanism: Mechanism | null;
  pendingAt: number | null;
  doorOpen: boolean;
  inputs: DoorInputs;
}

export type PushSide = 'secure' | 'egress';

export class DoorModel {
  readonly config: DoorConfig;
  private now: number;
  private lockRelayOn = true; // the PD's lock_output rests ON: lock power present
  private alarmRelayOn = false;
  private panelFireAlarm = false;
  private rexUntil = -Infinity;
  private credentialUntil = -Infinity;
  private doorCloseAt: number | null = null;
  private mechanism: Mechanism;
  private pending: { to: Mechanism; at: number } | null = null;
  /** When the lock's own feed was last cut (relay or fire alarm); null while it is fed. */
  private cutAt: number | null = null;

  constructor(config: DoorConfig, now: number) {
    this.config = { ...config, faults: { ...config.faults } };
    this.now = now;
    this.mechanism = this.target();
  }

  get installedMode(): FailMode {
    const m = this.config.scheduledMode;
    if (!this.config.faults.modeOpposite) return m;
    return m === 'fail-safe' ? 'fail-secure' : 'fail-safe';
  }

  get faults(): Readonly<DoorFaults> {
    return this.config.faults;
  }

  /** Replace the injected faults (takes effect from `now`). */
  setFaults(faults: DoorFaults, now: number): void {
    this.advance(now);
    this.config.faults = { ...faults };
    this.settle();
  }

  private fireAlarmActive(): boolean {
    return this.alarmRelayOn || this.panelFireAlarm;
  }

  /** Lock power: the relay feeds it (a stuck relay always does), and the fire-alarm interface removes it from tied locks. */
  private lockPowered(): boolean {
    if (this.feedOn()) return true;
    const backfeed = this.config.faults.backfeedAfterMs;
    return backfeed != null && this.cutAt !== null && this.now >= this.cutAt + backfeed;
  }

  private feedOn(): boolean {
    const relayFeeds = this.lockRelayOn || this.config.faults.stuckRelay === true;
    const alarmCuts = this.config.fireAlarmRelease && this.fireAlarmActive();
    return relayFeeds && !alarmCuts;
  }

  private backfeedAt(): number | null {
    const backfeed = this.config.faults.backfeedAfterMs;
    return backfeed != null && this.cutAt !== null ? this.cutAt + backfeed : null;
  }

  private releaseCommanded(): boolean {
    return this.rexUntil > this.now || this.credentialUntil > this.now;
  }

  /** What the mechanism is heading for, given power and release command. */
  private target(): Mechanism {
    const powered = this.lockPowered();
    const release = this.releaseCommanded();
    if (this.installedMode === 'fail-safe') return powered && !release ? 'secured' : 'released';
    return powered && release ? 'released' : 'secured';
  }

  /** Recompute the mechanism's destination after a change at `this.now`. */
  private settle(): void {
    if (this.feedOn()) this.cutAt = null;
    else this.cutAt ??= this.now;
    let want = this.target();
    // A bolt cannot throw into an open door: relocking waits until the door is shut.
    if (want === 'secured' && this.doorCloseAt !== null && this.mechanism === 'released') want = 'released';
    if (want === this.mechanism) {
      this.pending = null;
      return;
    }
    if (this.pending?.to === want) return;
    const delay = want === 'released' ? this.config.releaseDelayMs : this.config.relockDelayMs;
    this.pending = { to: want, at: this.now + delay };
  }

  /** The next time something changes on its own (for a runner that wants to wake exactly then). */
  nextEventAt(): number | null {
    const times = [this.pending?.at, this.doorCloseAt, this.rexUntil, this.credentialUntil, this.backfeedAt()].filter(
      (t): t is number => t !== undefined && t !== null && Number.isFinite(t) && t > this.now,
    );
    if (this.pending && this.pending.at <= this.now) times.push(this.pending.at);
    return times.length > 0 ? Math.min(...times) : null;
  }

  /** Move time forward, applying every delayed change in order. Time never goes back. */
  advance(now: number): void {
    if (now < this.now) return;
    for (;;) {
      const candidates: { at: number; apply: () => void }[] = [];
      const pending = this.pending;
      if (pending && pending.at <= now)
        candidates.push({
          at: pending.at,
          apply: () => {
            this.mechanism = pending.to;
            this.pending = null;
          },
        });
      const closeAt = this.doorCloseAt;
      if (closeAt !== null && closeAt <= now)
        candidates.push({
          at: closeAt,
          apply: () => {
            this.doorCloseAt = null;
          },
        });
      if (this.rexUntil > this.now && this.rexUntil <= now) candidates.push({ at: this.rexUntil, apply: () => undefined });
      if (this.credentialUntil > this.now && this.credentialUntil <= now)
        candidates.push({ at: this.credentialUntil, apply: () => undefined });
      const backfeedAt = this.backfeedAt();
      if (backfeedAt !== null && backfeedAt > this.now && backfeedAt <= now) candidates.push({ at: backfeedAt, apply: () => undefined });
      if (candidates.length === 0) break;
      candidates.sort((a, b) => a.at - b.at);
      const first = candidates[0]!;
      this.now = Math.max(this.now, first.at);
      first.apply();
      this.settle();
    }
    this.now = now;
  }

  /** The PD switched the lock_output relay (ON = lock power present). */
  setLockRelay(on: boolean, now: number): void {
    this.advance(now);
    this.lockRelayOn = on;
    this.settle();
  }

  /** The PD switched the alarm_output relay (ON = fire alarm simulated at the supply's interface). */
  setAlarmRelay(on: boolean, now: number): void {
    this.advance(now);
    this.alarmRelayOn = on;
    this.settle();
  }

  /** A real fire alarm at the panel; latched until reset (silencing is not a reset). */
  setPanelFireAlarm(active: boolean, now: number): void {
    this.advance(now);
    this.panelFireAlarm = active;
    this.settle();
  }

  /** Someone presses the REX button / walks under the REX sensor. */
  pressRex(now: number, holdMs = this.config.rexHoldMs): void {
    this.advance(now);
    this.rexUntil = Math.max(this.rexUntil, now + holdMs);
    this.settle();
  }

  /** The access controller grants a credential: release commanded for its hold time. */
  presentCredential(now: number, holdMs = this.config.credentialHoldMs): void {
    this.advance(now);
    this.credentialUntil = Math.max(this.credentialUntil, now + holdMs);
    this.settle();
  }

  /**
   * A person pushes the door. From the secure side it opens only if the lock is released at that moment;
   * from the egress side mechanical egress hardware frees it too. An opened door closes after `holdOpenMs`
   * (the closer). Returns whether the door opened.
   */
  push(now: number, side: PushSide = 'secure', holdOpenMs = 2000): boolean {
    this.advance(now);
    const free = this.mechanism === 'released' || (side === 'egress' && this.config.mechanicalEgress);
    if (!free) return false;
    this.doorCloseAt = Math.max(this.doorCloseAt ?? -Infinity, now + holdOpenMs);
    this.settle();
    return true;
  }

  private rawInputs(): DoorInputs {
    const doorOpen = this.doorCloseAt !== null;
    // A bond / latchbolt sensor reads "secured" only with the mechanism holding a closed door.
    const secured = this.mechanism === 'secured' && !doorOpen;
    const unwired = this.config.faults.lockStatusUnwired;
    let lockStatus: 0 | 1 | 3;
    if (unwired === 'open') lockStatus = 3;
    else if (unwired === 'inactive') lockStatus = 0;
    else lockStatus = secured === (this.config.lockStatusActive === 'secured') ? 1 : 0;
    const dps: 0 | 1 = doorOpen === (this.config.dpsActive === 'open') ? 1 : 0;
    const rex: 0 | 1 = this.rexUntil > this.now ? 1 : 0;
    return { lockStatus, dps, rex };
  }

  /** Input values at `now` as the PD reads them. */
  inputs(now: number): DoorInputs {
    this.advance(now);
    return this.rawInputs();
  }

  state(now: number): DoorState {
    this.advance(now);
    return {
      openingId: this.config.openingId,
      installedMode: this.installedMode,
      lockRelayOn: this.lockRelayOn,
      alarmRelayOn: this.alarmRelayOn,
      panelFireAlarm: this.panelFireAlarm,
      fireAlarmActive: this.fireAlarmActive(),
      lockPowered: this.lockPowered(),
      releaseCommanded: this.releaseCommanded(),
      rexActive: this.rexUntil > this.now,
      mechanism: this.mechanism,
      pendingMechanism: this.pending?.to ?? null,
      pendingAt: this.pending?.at ?? null,
      doorOpen: this.doorCloseAt !== null,
      inputs: this.rawInputs(),
    };
  }
}
