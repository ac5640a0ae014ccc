// Drives the pure runner core (core/runs) against the pure door model
// (controller/sim/door-model) in virtual time, with a truthful technician who
// answers prompts from what the door really does. Used by the verdict-matrix
// unit tests: no clock, no I/O, exact and fast.
import { DoorModel, doorConfigFromOpening, type DoorConfig, type DoorFaults } from '../../controller/sim/door-model';
import type { PlannedProcedure } from '../../core/procedures';
import { ProcedureMachine, type Prompt, type PromptAnswer, type RunnerEvent, type StepRecord } from '../../core/runs/machine';
import type { ProcedureVerdict } from '../../core/verdicts';
import type { Opening } from '../../core/schedule/types';
import { GOOD } from '../fixtures/schedules/openings';

export interface HarnessOptions {
  opening: Opening;
  procedure: PlannedProcedure;
  faults?: DoorFaults;
  /** What is really installed, where it differs from the schedule's lock type (e.g. a slower release). */
  door?: Partial<DoorConfig>;
  /** From this virtual time on, every controller exchange fails (cable pulled). */
  linkDropAt?: number;
  /** Frame round trip in ms (request + reply on the wire). */
  frameMs?: number;
  /** How long the technician takes to react to a prompt. */
  reactMs?: number;
  /** Override the technician's answer to a prompt (return undefined to answer truthfully). */
  answer?: (p: Prompt) => PromptAnswer | undefined;
  /** Per-prompt reaction time (undefined = reactMs), e.g. a REX pressed late in the hold window. */
  reactFor?: (p: Prompt) => number | undefined;
  /** How long after acting the technician's answer reaches DoorCx (they reset the panel, then walk back and tap Done). */
  answerLag?: (p: Prompt) => number | undefined;
  /** What the technician's release attempt is (default: press REX for the door's shunt time). */
  attempt?: (door: DoorModel, now: number) => void;
  /** Something that happens at the door when the PD switches an output (e.g. someone presses REX just then). */
  onOutput?: (door: DoorModel, now: number, point: 'lock_output' | 'alarm_output') => void;
  /** The PD's timer counts whole 100 ms units, rounded to the nearest (as the OSDP controller sends it). */
  timerUnits?: boolean;
  /** The REX input reports this fault value (OSDP 2–5) instead of its state. */
  rexFault?: number;
  /** How the outputs are really wired (default: as the schedule says). */
  wiring?: Partial<Wiring>;
  /** Extra latency of the input reading sent at `sentAt` (a busy bus, a stalled process): a gap in readings. */
  readDelay?: (sentAt: number) => number;
}

export type Wiring = Pick<Opening, 'lock_output_active' | 'alarm_output_active'>;

export interface HarnessResult {
  verdict: ProcedureVerdict;
  results: StepRecord[];
  door: DoorModel;
  endedAt: number;
  prompts: Prompt[];
  /** The lock_output relay's state (true = lock power on) once every PD timer has run out. */
  lockPowerRestored: boolean;
  /** When each prompt opened (virtual ms). */
  promptedAt: Map<string, number>;
  /** Every output command the PD received, in order. */
  commands: { point: Point; state: 'on' | 'off'; durationMs: number; purpose: string }[];
}

type Point = 'lock_output' | 'alarm_output';

/**
 * The simulated PD's outputs: each has a permanent state (set so the door is at rest with the REAL wiring) and
 * at most one running timer. The door sees lock power / alarm through that wiring: ON means power for a
 * normally-open contact ("power-on"), no power for a normally-closed one ("power-off"); likewise the alarm.
 */
class PdOutputs {
  private timers = new Map<Point, { until: number }>();
  readonly physical: Record<Point, boolean>;
  private readonly permanent: Record<Point, boolean>;
  constructor(
    private readonly door: DoorModel,
    private readonly wiring: Wiring,
  ) {
    this.permanent = { lock_output: wiring.lock_output_active === 'power-on', alarm_output: wiring.alarm_output_active === 'no-alarm' };
    this.physical = { ...this.permanent };
  }
  set(point: Point, on: boolean, ms: number, now: number): void {
    this.tick(now);
    this.timers.set(point, { until: now + ms });
    this.apply(point, on, now);
  }
  private apply(point: Point, on: boolean, at: number): void {
    this.physical[point] = on;
    if (point === 'lock_output') this.door.setLockRelay(on === (this.wiring.lock_output_active === 'power-on'), at);
    else this.door.setAlarmRelay(on === (this.wiring.alarm_output_active === 'alarm'), at);
  }
  tick(now: number): void {
    for (const [point, t] of [...this.timers].sort((a, b) => a[1].until - b[1].until)) {
      if (t.until <= now) {
        this.timers.delete(point);
        this.apply(point, this.permanent[point], t.until);
      }
    }
  }
  lastTimerEnd(): number {
    return Math.max(0, ...[...this.timers.values()].map((t) => t.until));
  }
}

export function runInVirtualTime(o: HarnessOptions): HarnessResult {
  const { opening, procedure } = o;
  const frame = o.frameMs ?? 4;
  const react = o.reactMs ?? 800;
  const door = new DoorModel(doorConfigFromOpening(opening, o.faults ?? {}, o.door), 0);
  const pd = new PdOutputs(door, {
    lock_output_active: o.wiring?.lock_output_active ?? opening.lock_output_active,
    alarm_output_active: o.wiring?.alarm_output_active ?? opening.alarm_output_active,
  });
  const m = new ProcedureMachine({ opening, procedure });
  let now = 1000;
  const personQueue: { at: number; prompt: Prompt }[] = [];
  const answers: { at: number; promptId: string; answer: PromptAnswer }[] = [];
  const prompts: Prompt[] = [];
  const commands: HarnessResult['commands'] = [];
  const promptedAt = new Map<string, number>();
  const linkUp = () => o.linkDropAt === undefined || now < o.linkDropAt;

  const values = (): number[] => {
    pd.tick(now);
    const d = door.inputs(now);
    const v: number[] = [];
    if (opening.lock_status_input !== null) v[opening.lock_status_input] = d.lockStatus;
    if (opening.dps_input !== null) v[opening.dps_input] = d.dps;
    if (opening.rex_input !== null) v[opening.rex_input] = o.rexFault ?? d.rex;
    for (let i = 0; i < v.length; i++) v[i] ??= 0;
    return v;
  };
  const outValues = (): number[] => {
    pd.tick(now);
    const v: number[] = [0, 0];
    if (opening.lock_output !== null) v[opening.lock_output] = pd.physical.lock_output ? 1 : 0;
    if (opening.alarm_output !== null) v[opening.alarm_output] = pd.physical.alarm_output ? 1 : 0;
    return v;
  };

  /** What a careful technician does and answers, looking at the real door. */
  const act = (p: Prompt): PromptAnswer => {
    const forced = o.answer?.(p);
    pd.tick(now);
    if (forced !== undefined) return forced;
    const text = p.text.toLowerCase();
    if (p.kind === 'attempt') {
      if (o.attempt) o.attempt(door, now);
      else door.pressRex(now);
      return 'done';
    }
    if (p.kind === 'action') {
      if (text.includes('activate the fire alarm')) door.setPanelFireAlarm(true, now);
      else if (text.includes('reset the fire alarm')) door.setPanelFireAlarm(false, now);
      else if (text.includes('cut lock power')) door.setLockRelay(false, now);
      else if (text.includes('restore lock power')) door.setLockRelay(true, now);
      else if (text.includes('push to exit')) door.pressRex(now, procedure.thresholds.manualReleaseHoldMs + 5000);
      else if (text.includes('push the exit device')) door.pressRex(now, 60_000);
      else if (text.includes('rex')) door.pressRex(now);
      return 'done';
    }
    if (p.kind === 'confirm') {
      switch (p.stepId) {
        case 'door-opened':
          return door.push(now, 'secure') ? 'yes' : 'no';
        case 'secure-side-held':
        case 'latched':
          return door.push(now, 'secure') ? 'no' : 'yes';
        case 'mechanical-egress':
        case 'one-motion':
          return door.push(now, 'egress') ? 'yes' : 'no';
        case 'silence-not-reset':
          return door.state(now).mechanism === 'released' ? 'yes' : 'no';
        case 'mode-label':
          return door.installedMode === opening.fail_mode ? 'yes' : 'no';
        default:
          return 'yes';
      }
    }
    return 'done';
  };

  // The technician acts at the door on their own time, also while a slow exchange is on the wire.
  const advanceTo = (t: number): void => {
    personQueue.sort((x, y) => x.at - y.at);
    while (personQueue.length > 0 && personQueue[0]!.at <= t) {
      const item = personQueue.shift()!;
      now = Math.max(now, item.at);
      answers.push({ at: now + (o.answerLag?.(item.prompt) ?? 0), promptId: item.prompt.id, answer: act(item.prompt) });
    }
    now = Math.max(now, t);
  };

  let ev: RunnerEvent = { type: 'start', now };
  for (let guard = 0; guard < 2_000_000; guard++) {
    const a = m.handle(ev);
    switch (a.type) {
      case 'output': {
        if (!linkUp()) {
          ev = { type: 'link-error', now, reason: 'no reply from PD (offline)' };
          break;
        }
        const sentAt = now;
        advanceTo(sentAt + frame / 2);
        const timerMs = o.timerUnits ? Math.round(a.durationMs / 100) * 100 : a.durationMs;
        pd.set(a.point, a.state === 'on', timerMs, sentAt + frame / 2);
        commands.push({ point: a.point, state: a.state, durationMs: a.durationMs, purpose: a.purpose });
        if (a.purpose === 'stimulus') o.onOutput?.(door, sentAt + frame / 2, a.point);
        advanceTo(sentAt + frame);
        ev = { type: 'output-done', now, sentAt };
        break;
      }
      case 'read-inputs': {
        if (!linkUp()) {
          now += 200;
          ev = { type: 'link-error', now, reason: 'no reply from PD (offline)' };
          break;
        }
        const sentAt = now;
        const delay = o.readDelay?.(sentAt) ?? 0;
        // The PD samples its inputs when the request reaches it: after any stall on the way.
        advanceTo(sentAt + delay + frame / 2);
        const v = values();
        advanceTo(sentAt + delay + frame);
        ev = { type: 'inputs', now, sentAt, values: v };
        break;
      }
      case 'read-outputs':
        if (!linkUp()) {
          now += 200;
          ev = { type: 'link-error', now, reason: 'no reply from PD (offline)' };
          break;
        }
        advanceTo(now + frame);
        ev = { type: 'outputs', now, values: outValues() };
        break;
      case 'prompt':
        prompts.push(a.prompt);
        promptedAt.set(a.prompt.id, now);
        if (a.prompt.answers.length > 0) personQueue.push({ at: now + (o.reactFor?.(a.prompt) ?? react), prompt: a.prompt });
        ev = { type: 'tick', now };
        break;
      case 'close-prompt':
        ev = { type: 'tick', now };
        break;
      case 'wait': {
        const horizon = Math.max(a.until, now);
        personQueue.sort((x, y) => x.at - y.at);
        answers.sort((x, y) => x.at - y.at);
        const next = personQueue[0];
        const due = answers[0];
        if (due && due.at <= horizon && (!next || due.at <= next.at)) {
          answers.shift();
          now = Math.max(now, due.at);
          ev = { type: 'answer', now, promptId: due.promptId, answer: due.answer };
          break;
        }
        if (next && next.at <= horizon) {
          personQueue.shift();
          now = Math.max(now, next.at);
          const answer = act(next.prompt);
          const lag = o.answerLag?.(next.prompt) ?? 0;
          if (lag > 0) {
            // Acted at the door now; the answer reaches DoorCx later (the tablet is elsewhere).
            answers.push({ at: now + lag, promptId: next.prompt.id, answer });
            ev = { type: 'tick', now };
          } else ev = { type: 'answer', now, promptId: next.prompt.id, answer };
          break;
        }
        now = Math.max(now, a.until);
        ev = { type: 'tick', now };
        break;
      }
      case 'record':
        now += 1;
        ev = { type: 'committed', now };
        break;
      case 'done': {
        const end = Math.max(now, pd.lastTimerEnd()) + 1;
        pd.tick(end);
        return {
          verdict: a.verdict,
          results: a.results,
          door,
          endedAt: now,
          prompts,
          lockPowerRestored: door.state(end).lockRelayOn,
          commands,
          promptedAt,
        };
      }
    }
  }
  throw new Error('the runner core did not finish');
}

/** An opening bound like the demo site (lock_output 0, alarm_output 1, inputs 0/1/2): the compliant GOOD fixture, unrated, on PD 1. */
export function makeOpening(over: Partial<Opening> = {}): Opening {
  return { ...GOOD, opening_id: 'T-1', building: 'A', location: 'Test corridor', fire_rating_min: 0, pd_address: 1, ...over };
}
