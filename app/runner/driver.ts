// The thin driver around the runner core (core/runs/machine): executes each action
// through the controller link, commits every step result to SQLite before the core
// hands out the next command, writes commands to the hash-chained log BEFORE they
// go on the wire (so a crash after sending is known), and pushes live readings,
// countdowns and prompts to the UI. Lock power is only ever dropped with the PD's
// timed output, so the PD restores it even if this process dies.
import { alarmActive, interpretInputs, lockPowerOn } from '../../core/verdicts/readings';
import {
  ProcedureMachine,
  type Prompt,
  type PromptAnswer,
  type RunnerAction,
  type RunnerEvent,
  type StepRecord,
} from '../../core/runs/machine';
import type { OutputPoint } from '../../core/procedures/types';
import type { ProcedureVerdict } from '../../core/verdicts/judge';
import { committedSteps, endAttempt, logEvent, recordStep, type AttemptRow, type RunRow } from '../../db/runs';
import type { Db } from '../../db/sqlite';
import type { RunsEvents } from '../contract/runs';

/** What the runner needs from the controller link (OsdpController satisfies it). */
export interface LockIo {
  readInputs(address: number): Promise<number[]>;
  readOutputs(address: number): Promise<number[]>;
  timedOutput(address: number, output: number, state: 'off' | 'on', durationMs: number): Promise<unknown>;
  /** Tamper / power reports from the PDs (OsdpController.onLocalStatus). */
  onLocalStatus?(listener: (e: { address: number; tamper: boolean; powerFailure: boolean; changed: string[] }) => void): () => void;
  /** The PD's last reported tamper / power state (OsdpController.lastLocalStatus). */
  lastLocalStatus?(address: number): { tamper: boolean; powerFailure: boolean } | null;
  /** LSTAT now (OsdpController.readLocalStatus). */
  readLocalStatus?(address: number): Promise<{ tamper: boolean; powerFailure: boolean }>;
}

export interface RunnerDeps {
  db: Db;
  io: LockIo;
  /** Wall-clock ms with sub-ms resolution (monotonic in practice). */
  clock?: () => number;
  emit?: <T extends keyof RunsEvents>(topic: T, event: RunsEvents[T]) => void;
  /** Who is recorded as creating step deficiencies. */
  technician: string;
}

export interface AttemptOutcome {
  verdict: ProcedureVerdict;
  results: StepRecord[];
}

const defaultClock = () => performance.timeOrigin + performance.now();

/** How long Stop waits for the PD to take the restore command before it ends the attempt anyway. */
const STOP_RESTORE_WAIT_MS = 600;

/** While the runner waits for a person or a timer it still reads the inputs this often (at least), for the screen. */
const DISPLAY_POLL_MIN_MS = 250;

/** Thrown into an in-flight controller call when Stop is pressed: the call may go on, its answer is ignored. */
class Stopped extends Error {}

/** One trip through the event loop, so timers, I/O and signals run between two runner steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An output DoorCx switched away from rest with a PD-timed command, until the PD's timer ends it. */
interface AwayFromRest {
  output: number;
  rest: 'on' | 'off';
  until: number;
}

export class AttemptRunner {
  private readonly machine: ProcedureMachine;
  private readonly answers: { promptId: string; answer: PromptAnswer }[] = [];
  private wake: (() => void) | null = null;
  private aborted: string | null = null;
  private stopped!: () => void;
  /** Settles when Stop is pressed: every controller call races it, so Stop never waits for a slow or silent PD. */
  private readonly stopSignal = new Promise<void>((resolve) => (this.stopped = resolve));
  private readonly away = new Map<OutputPoint, AwayFromRest>();
  private lastReading: RunsEvents['runs:reading'] | null = null;
  private liveStep: RunsEvents['runs:step'] | null = null;
  private displayRead: Promise<void> | null = null;
  private readonly clock: () => number;
  private lastOutputs: number[] | null = null;
  private readonly prompts = new Map<string, Prompt>();
  readonly done: Promise<AttemptOutcome>;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly run: RunRow,
    private readonly attempt: AttemptRow,
    opts: { recover?: boolean; preAnswers?: Record<string, PromptAnswer> } = {},
  ) {
    this.clock = deps.clock ?? defaultClock;
    const committed = committedSteps(deps.db, attempt.id, attempt.procedureId);
    this.machine = new ProcedureMachine({
      opening: attempt.opening,
      procedure: attempt.plan,
      committed,
      recover: opts.recover ?? committed.length > 0,
    });
    const t0 = this.clock();
    for (const [stepId, answer] of Object.entries(opts.preAnswers ?? {})) {
      const promptId = `${attempt.procedureId}:${stepId}`;
      // Release attempts and actions must happen at their moment; confirmations may be given up front.
      if (answer === 'done') this.answers.push({ promptId, answer });
      else this.machine.seedAnswer(promptId, answer, t0);
    }
    // A tamper or power report from this PD goes into the event log; a tamper during the test makes it inconclusive
    // (someone is at the PD's wiring: nothing the door did can be trusted as the lock's own behaviour).
    const off = deps.io.onLocalStatus?.((e) => {
      if (e.address !== attempt.opening.pd_address) return;
      logEvent(
        deps.db,
        {
          type: 'pd-local-status',
          runId: run.id,
          attemptId: attempt.id,
          payload: { address: e.address, tamper: e.tamper, powerFailure: e.powerFailure },
        },
        this.now(),
      );
      if (e.tamper && e.changed.includes('tamper')) this.abort('tamper reported by the PD during the test');
    });
    // A tamper already reported when the test starts counts the same: the enclosure is open now.
    const pd = attempt.opening.pd_address;
    if (pd !== null && deps.io.lastLocalStatus?.(pd)?.tamper)
      this.abort('the PD reports tamper (its enclosure is open): close it and retest');
    this.done = this.loop().finally(() => off?.());
  }

  get openPrompts(): Prompt[] {
    return [...this.prompts.values()];
  }

  /** What a screen that joins late (a reload, a second window) needs to show the test as it is now. */
  get live(): { current: RunsEvents['runs:step'] | null; reading: RunsEvents['runs:reading'] | null } {
    return { current: this.liveStep, reading: this.lastReading };
  }

  /** A person's answer; delivered to the core at its next wait. */
  answer(promptId: string, answer: PromptAnswer): boolean {
    if (!this.prompts.has(promptId) && !promptId.startsWith(`${this.attempt.procedureId}:`)) return false;
    this.answers.push({ promptId, answer });
    this.wake?.();
    return true;
  }

  /**
   * Stop: whatever the runner is doing (waiting for a person, a reply, a timer), the attempt ends inconclusive
   * with this reason, after DoorCx has put back the outputs it switched (see stop()).
   */
  abort(reason = 'stopped by the technician'): void {
    if (this.aborted) return;
    this.aborted = reason;
    this.stopped();
    this.wake?.();
  }

  /** A controller call that gives way to Stop. */
  private call<T>(p: Promise<T>): Promise<T> {
    p.catch(() => undefined); // an abandoned call may still fail later: that is expected, not unhandled
    return Promise.race([p, this.stopSignal.then<T>(() => Promise.reject(new Stopped(this.aborted ?? 'stopped')))]);
  }

  private emit<T extends keyof RunsEvents>(topic: T, event: RunsEvents[T]): void {
    this.deps.emit?.(topic, event);
  }

  private sleep(until: number): Promise<void> {
    const ms = until - this.clock();
    if (ms <= 0 || this.answers.length > 0 || this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private now(): Date {
    return new Date(this.clock());
  }

  private address(): number {
    const a = this.attempt.opening.pd_address;
    if (a === null) throw new Error(`opening ${this.attempt.openingId} has no PD address`);
    return a;
  }

  private emitReading(values: number[], at: number): void {
    const o = this.attempt.opening;
    const r = interpretInputs(o, values);
    const out = this.lastOutputs;
    this.lastReading = {
      runId: this.run.id,
      attemptId: this.attempt.id,
      openingId: o.opening_id,
      at,
      lockStatus: r.lockStatus.ok ? r.lockStatus.value : 'fault',
      doorPosition: r.dps.ok ? r.dps.value : 'fault',
      rex: r.rex.ok ? r.rex.value : 'fault',
      lockPower: out ? lockPowerOn(o, out) : null,
      alarm: out ? alarmActive(o, out) : null,
      raw: values,
    };
    this.emit('runs:reading', this.lastReading);
  }

  /**
   * A wait for a person or a timer: the inputs are still read every so often and shown (not judged: the core
   * judges only its own readings), so the indicators never freeze under an open prompt.
   */
  private async waitWatching(until: number): Promise<void> {
    const every = Math.max(DISPLAY_POLL_MIN_MS, this.attempt.plan.thresholds.pollIntervalMs);
    for (;;) {
      const now = this.clock();
      if (now >= until || this.answers.length > 0 || this.aborted) return;
      const lastAt = this.lastReading?.at ?? 0;
      if (now - lastAt >= every && !this.displayRead) this.displayRead = this.readForDisplay();
      await this.sleep(Math.min(until, now + every));
    }
  }

  private async readForDisplay(): Promise<void> {
    try {
      const values = await this.call(this.deps.io.readInputs(this.address()));
      this.emitReading(values, this.clock());
    } catch {
      // A missed display reading changes nothing: the next one comes, and the core's own reads report link trouble.
    } finally {
      this.displayRead = null;
    }
  }

  private emitStep(phase: 'started' | 'finished', rec?: StepRecord): void {
    const step = phase === 'started' ? this.machine.currentStep : this.attempt.plan.steps[rec!.stepIndex];
    if (!step) return;
    const event: RunsEvents['runs:step'] = {
      runId: this.run.id,
      attemptId: this.attempt.id,
      stepIndex: phase === 'started' ? this.machine.stepIndex : rec!.stepIndex,
      stepId: step.id,
      title: step.title,
      kind: step.kind,
      phase,
      deadlineAt: phase === 'started' ? this.machine.deadline : null,
      verdict: rec?.verdict ?? null,
      reason: rec?.reason ?? null,
      measuredMs: rec?.measuredMs ?? null,
      resolutionMs: rec?.resolutionMs ?? null,
    };
    if (phase === 'started') this.liveStep = event;
    else if (this.liveStep?.stepId === event.stepId) this.liveStep = null;
    this.emit('runs:step', event);
  }

  private async execute(a: RunnerAction): Promise<RunnerEvent> {
    const t0 = this.clock();
    // After Stop nothing more goes to the PD from here: stop() restores the outputs and ends the attempt.
    if (this.aborted && (a.type === 'output' || a.type === 'read-inputs' || a.type === 'read-outputs'))
      return { type: 'link-error', now: t0, reason: this.aborted };
    // A reading taken for the screen may still be on the wire: the core's own command goes after it.
    if (this.displayRead && (a.type === 'output' || a.type === 'read-inputs' || a.type === 'read-outputs')) await this.displayRead;
    switch (a.type) {
      case 'output':
        // Write-ahead: the command is in the log before it is on the wire.
        logEvent(
          this.deps.db,
          {
            type: 'command',
            runId: this.run.id,
            attemptId: this.attempt.id,
            payload: {
              address: this.address(),
              point: a.point,
              output: a.output,
              state: a.state,
              durationMs: a.durationMs,
              purpose: a.purpose,
            },
          },
          this.now(),
        );
        // Counted as switched from the moment it may be on the wire, so Stop restores it even mid-command.
        if (a.purpose === 'stimulus')
          this.away.set(a.point, { output: a.output, rest: a.state === 'off' ? 'on' : 'off', until: t0 + a.durationMs });
        try {
          const r = await this.call(this.deps.io.timedOutput(this.address(), a.output, a.state, a.durationMs));
          if (a.purpose === 'restore') this.away.delete(a.point);
          const done = this.clock();
          this.lastOutputs = null;
          // The clock of a timed test starts when the PD acknowledged the OUT (the controller reports that moment
          // in wall-clock ms, before it confirms with OSTAT), not when the call was queued: on a busy bus the
          // command can wait behind others, and that wait is not the lock's release time.
          const ackWall = (r as { sentAt?: unknown } | null)?.sentAt;
          const ackAt = typeof ackWall === 'number' ? done - Math.max(0, Date.now() - ackWall) : t0;
          return { type: 'output-done', now: done, sentAt: Math.min(done, Math.max(t0, ackAt)) };
        } catch (err) {
          return { type: 'link-error', now: this.clock(), reason: (err as Error).message };
        }
      case 'read-inputs':
        try {
          const values = await this.call(this.deps.io.readInputs(this.address()));
          const at = this.clock();
          this.emitReading(values, at);
          return { type: 'inputs', now: at, sentAt: t0, values };
        } catch (err) {
          return { type: 'link-error', now: this.clock(), reason: (err as Error).message };
        }
      case 'read-outputs':
        try {
          const values = await this.call(this.deps.io.readOutputs(this.address()));
          this.lastOutputs = values;
          return { type: 'outputs', now: this.clock(), values };
        } catch (err) {
          return { type: 'link-error', now: this.clock(), reason: (err as Error).message };
        }
      case 'prompt':
        this.prompts.set(a.prompt.id, a.prompt);
        this.emit('runs:prompt', { runId: this.run.id, attemptId: this.attempt.id, open: true, prompt: a.prompt });
        if (a.prompt.kind === 'warning')
          this.emit('runs:attempt', {
            runId: this.run.id,
            attemptId: this.attempt.id,
            openingId: this.attempt.openingId,
            procedureId: this.attempt.procedureId,
            status: 'running',
            verdict: null,
            reason: null,
            warning: a.prompt.text,
          });
        return { type: 'tick', now: this.clock() };
      case 'close-prompt': {
        const p = this.prompts.get(a.promptId);
        this.prompts.delete(a.promptId);
        if (p) this.emit('runs:prompt', { runId: this.run.id, attemptId: this.attempt.id, open: false, prompt: p });
        return { type: 'tick', now: this.clock() };
      }
      case 'wait': {
        if (this.answers.length === 0 && !this.aborted) await this.waitWatching(a.until);
        const ans = this.answers.shift();
        if (ans) {
          logEvent(this.deps.db, { type: 'answer', runId: this.run.id, attemptId: this.attempt.id, payload: ans }, this.now());
          return { type: 'answer', now: this.clock(), promptId: ans.promptId, answer: ans.answer };
        }
        if (this.aborted) return { type: 'link-error', now: this.clock(), reason: this.aborted };
        return { type: 'tick', now: this.clock() };
      }
      case 'record': {
        // Durable before anything else happens: the next command is only handed out after 'committed'.
        recordStep(this.deps.db, { run: this.run, attempt: this.attempt, record: a.result, by: this.deps.technician }, this.now());
        this.emitStep('finished', a.result);
        return { type: 'committed', now: this.clock() };
      }
      case 'done':
        throw new Error('unreachable');
    }
  }

  private async tamperedAtEnd(): Promise<boolean> {
    const pd = this.attempt.opening.pd_address;
    if (pd === null || !this.deps.io.readLocalStatus) return false;
    try {
      return (await this.deps.io.readLocalStatus(pd)).tamper || this.aborted !== null;
    } catch {
      return false; // a PD without LSTAT: nothing more is known than its unsolicited reports
    }
  }

  private async loop(): Promise<AttemptOutcome> {
    let ev: RunnerEvent = { type: 'start', now: this.clock() };
    let lastStep = -1;
    for (;;) {
      if (this.aborted) return this.stop(this.aborted);
      const a = this.machine.handle(ev);
      if (a.type === 'done') {
        // While the runner reads inputs the PD is never POLLed, so an unsolicited tamper report may not have come:
        // ask before a verdict is recorded (the listener above logs it and aborts on a change).
        if (await this.tamperedAtEnd()) return this.stop(this.aborted ?? 'tamper reported by the PD during the test');
        this.end(a.verdict);
        return { verdict: a.verdict, results: a.results };
      }
      if (this.machine.stepIndex !== lastStep && a.type !== 'record') {
        lastStep = this.machine.stepIndex;
        this.emitStep('started');
      }
      ev = await this.execute(a);
      // Never spin: even when every action answers at once (a wait already due, a refused call), the event loop
      // gets its turn between two steps, so requests, Stop and signals are served.
      await yieldToEventLoop();
    }
  }

  /**
   * Stop pressed (or the app closing): close the prompts, put back every output DoorCx switched whose PD timer
   * has not run out (bounded wait: a silent PD still ends the attempt, its own timer restores the output), then
   * end the attempt inconclusive saying what happened to lock power.
   */
  private async stop(reason: string): Promise<AttemptOutcome> {
    for (const p of [...this.prompts.values()]) {
      this.prompts.delete(p.id);
      this.emit('runs:prompt', { runId: this.run.id, attemptId: this.attempt.id, open: false, prompt: p });
    }
    const notes: string[] = [];
    const o = this.attempt.opening;
    for (const [point, d] of this.away) {
      const what = point === 'lock_output' ? 'lock power' : 'the fire alarm input';
      if (d.until <= this.clock()) continue; // the PD's timer already ended it
      logEvent(
        this.deps.db,
        {
          type: 'command',
          runId: this.run.id,
          attemptId: this.attempt.id,
          payload: { address: this.address(), point, output: d.output, state: d.rest, durationMs: 100, purpose: 'restore' },
        },
        this.now(),
      );
      const sent = this.deps.io.timedOutput(this.address(), d.output, d.rest, 100);
      sent.catch(() => undefined);
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_RESTORE_WAIT_MS).unref());
      const r = await Promise.race([sent.then((x) => x as { confirmed?: unknown }), timeout]).catch((err: unknown) => err as Error);
      const pdRestores = `the PD's own timer restores it at ${new Date(d.until).toLocaleTimeString('en-GB')} — check the lock`;
      if (r === 'timeout') notes.push(`the PD did not confirm that ${what} was restored in time; ${pdRestores}`);
      else if (r instanceof Error) notes.push(`restoring ${what} failed (${r.message}); ${pdRestores}`);
      else if (r.confirmed === false) notes.push(`DoorCx restored ${what} but the PD does not read it back at rest; ${pdRestores}`);
      else {
        this.away.delete(point);
        notes.push(`DoorCx restored ${what} (read back at rest)`);
      }
    }
    // Power the technician cut by hand (no lock output wired) is for the technician to put back.
    const byHand = this.machine.recorded.some((r) => r.kind === 'output' && r.verdict === 'pass' && r.personEvidence);
    if (byHand && o.lock_output === null) notes.push('lock power was cut by hand: restore it at the power supply');
    const final: ProcedureVerdict = { verdict: 'inconclusive', reason: [reason, ...notes].join('; ') };
    this.end(final);
    return { verdict: final, results: [...this.machine.recorded] };
  }

  /** Records the attempt's end (committed before anyone is told) and tells the UI. */
  private end(v: ProcedureVerdict): void {
    endAttempt(this.deps.db, this.attempt, v.verdict, v.reason, this.now());
    this.emit('runs:attempt', {
      runId: this.run.id,
      attemptId: this.attempt.id,
      openingId: this.attempt.openingId,
      procedureId: this.attempt.procedureId,
      status: 'finished',
      verdict: v.verdict,
      reason: v.reason,
      warning: null,
    });
  }
}
