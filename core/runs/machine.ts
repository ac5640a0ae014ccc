// The runner's pure core: a state machine that takes readings, answers and time
// and returns the next thing to do (one action per event). The driver
// (controller/runner) executes each action through the OSDP controller and feeds
// the outcome back. A `record` action must be committed before the driver
// reports `committed`; only then does the machine hand out the next command —
// so every step result is durable before the next command is sent.
import type { Opening } from '../schedule/types';
import type { Answer, ConfirmStep, OutputPoint, OutputStep, PlannedProcedure, RestoreStep, StepDef, WatchStep } from '../procedures/types';
import {
  judgeConfirm,
  judgePrecheck,
  judgeWatch,
  combineSteps,
  watchWindowEnd,
  outputsNotAtRest,
  type Baseline,
  type ProcedureVerdict,
} from '../verdicts/judge';
import { interpretInputs, outputAtRest, outputStateFor } from '../verdicts/readings';
import type { Sample, StepVerdict } from '../verdicts/types';

export type PromptAnswer = Answer | 'done';

export interface Prompt {
  id: string;
  stepId: string;
  kind: 'confirm' | 'action' | 'attempt' | 'warning';
  text: string;
  /** Answers the UI should offer. */
  answers: PromptAnswer[];
}

export type RunnerAction =
  | { type: 'output'; point: OutputPoint; output: number; state: 'off' | 'on'; durationMs: number; purpose: 'stimulus' | 'restore' }
  | { type: 'read-inputs' }
  | { type: 'read-outputs' }
  | { type: 'prompt'; prompt: Prompt }
  | { type: 'close-prompt'; promptId: string }
  | { type: 'wait'; until: number }
  | { type: 'record'; result: StepRecord }
  | { type: 'done'; verdict: ProcedureVerdict; results: StepRecord[] };

export type RunnerEvent =
  | { type: 'start'; now: number }
  | { type: 'output-done'; now: number; sentAt: number }
  | { type: 'inputs'; now: number; sentAt: number; values: number[] }
  | { type: 'outputs'; now: number; values: number[] }
  | { type: 'answer'; now: number; promptId: string; answer: PromptAnswer }
  | { type: 'link-error'; now: number; reason: string }
  | { type: 'tick'; now: number }
  | { type: 'committed'; now: number };

export interface StepRecord {
  procedureId: string;
  stepId: string;
  stepIndex: number;
  kind: StepDef['kind'] | 'recovery';
  title: string;
  verdict: StepVerdict['verdict'];
  reason: string;
  measuredMs: number | null;
  resolutionMs: number | null;
  startedAt: number;
  endedAt: number;
  deficiency: StepVerdict['deficiency'] | null;
  personEvidence: boolean;
  /** The evidence behind the verdict: input trace, answer, command. */
  evidence: Record<string, unknown>;
}

export interface MachineOptions {
  opening: Opening;
  procedure: PlannedProcedure;
  /** Steps already committed before a restart; the machine resumes after them. */
  committed?: StepRecord[];
  /** Resume after a crash: first read the PD's outputs and restore anything left off. */
  recover?: boolean;
}

type Phase =
  | { name: 'idle' }
  | { name: 'recover-read' }
  | { name: 'recover-restore'; point: OutputPoint }
  | { name: 'recover-verify' }
  | { name: 'step-enter' }
  | { name: 'precheck-outputs' }
  | { name: 'precheck-inputs'; outputs: number[] | null }
  | { name: 'output-send' }
  | { name: 'person'; promptId: string; until: number; watch: boolean; lastPoll: number }
  | { name: 'watch'; lastSent: number }
  | { name: 'restore-wait'; until: number }
  | { name: 'restore-read'; commanded: boolean }
  | { name: 'restore-send' }
  | { name: 'record'; record: StepRecord }
  | { name: 'committing'; record: StepRecord }
  | { name: 'finished' };

const sec = (ms: number): string => `${+(ms / 1000).toFixed(3)} s`;

export class ProcedureMachine {
  readonly opening: Opening;
  readonly procedure: PlannedProcedure;
  private readonly results: StepRecord[];
  private index: number;
  private phase: Phase = { name: 'idle' };
  private queue: RunnerAction[] = [];
  private stepStart = 0;
  private baseline: Baseline = { lockTrusted: false, reason: 'no precheck was run' };
  private clocks: { command: number | null; action: number | null; timerEnd: number | null } = {
    command: null,
    action: null,
    timerEnd: null,
  };
  private timers = new Map<OutputPoint, number>();
  /**
   * When a person was asked for the act that set a clock: the act (resetting the panel, restoring power) happened
   * between the prompt and their "Done", so nothing before the prompt can be its effect, and nothing after it
   * can be called "before the reset".
   */
  private askedAt: { action: number | null; timerEnd: number | null } = { action: null, timerEnd: null };
  private trace: Sample[] = [];
  private before: Sample[] = [];
  private answers = new Map<string, { answer: PromptAnswer; at: number }>();
  private openPrompts = new Set<string>();
  /** Attempt prompts already shown once (never re-opened after they closed). */
  private asked = new Set<string>();
  /** When the technician reported the current step's release attempt done (person evidence). */
  private attemptReportedAt: number | null = null;
  /** The earliest the running PD-timed stimulus can end (its request left at the output step's start). */
  private stimulusEnd: number | null = null;
  /**
   * Readings since the last watch step ended (its last reading first), kept while people answer and the PD's
   * timer runs out, so the next watch step knows what the lock did in between (a relock before the reset).
   */
  private carry: Sample[] | null = null;
  private linkLost: { at: number; reason: string } | null = null;
  private blocked: string | null = null;
  private recoverFirst: boolean;
  private recoveryNote: string | null = null;
  private endEarly = false;
  private lastNow = 0;

  constructor(opts: MachineOptions) {
    this.opening = opts.opening;
    this.procedure = opts.procedure;
    this.results = [...(opts.committed ?? [])];
    this.index = this.results.length;
    this.recoverFirst = opts.recover ?? false;
  }

  get stepIndex(): number {
    return this.index;
  }
  get currentStep(): StepDef | undefined {
    return this.procedure.steps[this.index];
  }
  get recorded(): readonly StepRecord[] {
    return this.results;
  }
  /** For countdowns: the end of the current watch window or prompt timeout. */
  get deadline(): number | null {
    const step = this.currentStep;
    if (step?.kind === 'watch') return this.clockFor(step) + step.ms;
    if (this.phase.name === 'person') return this.phase.until;
    if (this.phase.name === 'restore-wait') return this.phase.until;
    return null;
  }
  get prompts(): string[] {
    return [...this.openPrompts];
  }

  /** An answer given before its prompt opens (scripted use): the prompt is then never shown. */
  seedAnswer(promptId: string, answer: PromptAnswer, at: number): void {
    this.answers.set(promptId, { answer, at });
  }

  /** Feed one event; get the next action. */
  handle(ev: RunnerEvent): RunnerAction {
    this.lastNow = Math.max(this.lastNow, ev.now);
    if (ev.type === 'answer') {
      this.answers.set(ev.promptId, { answer: ev.answer, at: ev.now });
      if (ev.promptId.endsWith(':attempt') && ev.answer === 'done' && this.attemptReportedAt === null) this.attemptReportedAt = ev.now;
    }
    if (ev.type === 'link-error' && !this.linkLost) this.linkLost = { at: ev.now, reason: ev.reason };
    if (this.queue.length === 0) this.advance(ev);
    const next = this.queue.shift();
    if (!next) throw new Error(`runner core produced no action in phase ${this.phase.name} after ${ev.type}`);
    return next;
  }

  private push(...a: RunnerAction[]): void {
    this.queue.push(...a);
  }

  private clockFor(step: WatchStep): number {
    const c = step.clockFrom === 'command' ? this.clocks.command : step.clockFrom === 'action' ? this.clocks.action : this.clocks.timerEnd;
    return c ?? this.stepStart;
  }

  /** The earliest the step's clock can really have started (a PD timer's rounding, a person's delay in tapping Done). */
  private clockEarliest(step: WatchStep, clock: number): number {
    if (step.clockFrom === 'timer-end') return Math.min(clock, this.stimulusEnd ?? this.askedAt.timerEnd ?? clock);
    if (step.clockFrom === 'action') return Math.min(clock, this.askedAt.action ?? clock);
    return clock;
  }

  private pollMs(): number {
    return this.procedure.thresholds.pollIntervalMs;
  }

  private advance(ev: RunnerEvent): void {
    const now = ev.now;
    const p = this.phase;
    switch (p.name) {
      case 'idle':
        if (this.recoverFirst) {
          this.phase = { name: 'recover-read' };
          this.push({
            type: 'prompt',
            prompt: {
              id: `${this.procedure.id}:recovery`,
              stepId: 'recovery',
              kind: 'warning',
              text: 'DoorCx stopped in the middle of this test. Lock power may still be dropped (or the alarm input active) until the PD’s timer ends: stay at the door. Reading the PD’s outputs and restoring power before going on.',
              answers: [],
            },
          });
          this.openPrompts.add(`${this.procedure.id}:recovery`);
          this.push({ type: 'read-outputs' });
          return;
        }
        return this.enterStep(now);
      case 'recover-read':
      case 'recover-verify': {
        if (ev.type === 'link-error') {
          this.recoveryNote = `could not read the PD's outputs after the restart (${ev.reason}); lock power is restored by the PD's own timer`;
          return this.finishRecovery(now);
        }
        if (ev.type !== 'outputs') return this.push({ type: 'read-outputs' });
        const bad = (['lock_output', 'alarm_output'] as const).find((pt) => {
          return outputAtRest(this.opening, pt, ev.values) === false;
        });
        if (bad && p.name === 'recover-read') {
          this.phase = { name: 'recover-restore', point: bad };
          return this.push(this.restoreCommand(bad));
        }
        this.recoveryNote = bad
          ? `after the restart the PD still reports ${bad} away from rest; the PD's timer will restore it`
          : p.name === 'recover-verify'
            ? 'after the restart an output was still away from rest: DoorCx restored it and read it back at rest'
            : 'after the restart the PD reports lock power on and the alarm input off';
        return this.finishRecovery(now);
      }
      case 'recover-restore':
        if (ev.type === 'link-error') {
          this.recoveryNote = `restoring ${p.point} after the restart failed (${ev.reason}); the PD's timer restores it`;
          return this.finishRecovery(now);
        }
        this.phase = { name: 'recover-verify' };
        return this.push({ type: 'read-outputs' });
      case 'step-enter':
        return this.enterStep(now);
      case 'precheck-outputs':
        if (ev.type === 'link-error') return this.linkFail(now, 'reading outputs before the test');
        if (ev.type === 'outputs') {
          this.phase = { name: 'precheck-inputs', outputs: ev.values };
          return this.push({ type: 'read-inputs' });
        }
        return this.push({ type: 'read-outputs' });
      case 'precheck-inputs': {
        if (ev.type === 'link-error') return this.linkFail(now, 'reading inputs before the test');
        if (ev.type !== 'inputs') return this.push({ type: 'read-inputs' });
        const sample: Sample = { sentAt: ev.sentAt, at: ev.now, values: ev.values };
        this.trace.push(sample);
        const j = judgePrecheck(this.opening, sample, p.outputs);
        this.baseline = j.baseline;
        // Power already dropped (or the alarm already active) before anything moved: the wiring or its polarity
        // setting is wrong. Stop here: switching the output now would apply the opposite of the test.
        const stop = outputsNotAtRest(this.opening, p.outputs);
        if (stop) {
          this.endEarly = true;
          return this.record(now, { verdict: 'inconclusive', reason: stop }, { inputs: ev.values, outputs: p.outputs, stopped: true });
        }
        return this.record(now, j, { inputs: ev.values, outputs: p.outputs });
      }
      case 'output-send': {
        const step = this.currentStep as OutputStep;
        if (ev.type === 'link-error') return this.linkFail(now, `sending the ${step.point} command`);
        if (ev.type !== 'output-done') throw new Error(`unexpected ${ev.type} while sending an output`);
        this.clocks.command = ev.sentAt;
        this.timers.set(step.point, ev.sentAt + step.durationMs);
        // The PD's timer counts whole 100 ms units (OSDP OUT), rounded to the nearest: it may end up to 50 ms
        // before the duration asked for, and never starts before the request left (this step's start).
        this.stimulusEnd = this.stepStart + Math.min(step.durationMs, Math.round(step.durationMs / 100) * 100);
        return this.record(
          now,
          {
            verdict: 'pass',
            reason: `PD accepted ${step.point} ${outputStateFor(this.opening, step.point, 'stimulus').toUpperCase()} for ${sec(step.durationMs)} (PD-timed)`,
          },
          {
            command: {
              point: step.point,
              output: this.opening[step.point],
              state: outputStateFor(this.opening, step.point, 'stimulus'),
              durationMs: step.durationMs,
              sentAt: ev.sentAt,
              ackAt: ev.now,
            },
          },
        );
      }
      case 'person':
        return this.personTick(ev, p);
      case 'watch':
        return this.watchTick(ev, p);
      case 'restore-wait':
        if (ev.type === 'inputs') this.carry?.push({ sentAt: ev.sentAt, at: ev.now, values: ev.values });
        if (now < p.until && ev.type !== 'link-error') {
          // Keep reading the lock while the PD's timer runs out: the window before the reset is evidence.
          if (this.carry && !this.linkLost) {
            if (ev.type === 'inputs') return this.push({ type: 'wait', until: Math.min(p.until, now + this.pollMs()) });
            return this.push({ type: 'read-inputs' });
          }
          return this.push({ type: 'wait', until: p.until });
        }
        this.phase = { name: 'restore-read', commanded: false };
        return this.push({ type: 'read-outputs' });
      case 'restore-read': {
        const step = this.currentStep as RestoreStep;
        const timerEnd = this.timers.get(step.point) ?? now;
        if (ev.type === 'link-error')
          return this.record(now, {
            verdict: 'inconclusive',
            reason: `could not read the PD's outputs (${ev.reason}); the PD's timer restores ${step.point} by itself at ${sec(Math.max(0, timerEnd - this.stepStart))} — check the lock`,
          });
        if (ev.type !== 'outputs') return this.push({ type: 'read-outputs' });
        if (outputAtRest(this.opening, step.point, ev.values) === true) {
          this.clocks.timerEnd = p.commanded ? now : timerEnd;
          return this.record(
            now,
            {
              verdict: 'pass',
              reason: p.commanded
                ? `the PD did not end ${step.point} by its timer; DoorCx restored it and read it back`
                : `the PD ended the timed ${step.point} by itself (read back at rest)`,
            },
            { outputs: ev.values },
          );
        }
        if (!p.commanded) {
          this.phase = { name: 'restore-send' };
          return this.push(this.restoreCommand(step.point));
        }
        return this.record(
          now,
          {
            verdict: 'inconclusive',
            reason: `${step.point} still reads away from rest after DoorCx restored it — check the lock power by hand`,
          },
          { outputs: ev.values },
        );
      }
      case 'restore-send':
        if (ev.type === 'link-error') return this.linkFail(now, 'restoring the output');
        this.phase = { name: 'restore-read', commanded: true };
        return this.push({ type: 'read-outputs' });
      case 'record':
        this.phase = { name: 'committing', record: p.record };
        return this.push({ type: 'record', result: p.record });
      case 'committing':
        if (ev.type !== 'committed') throw new Error(`a step result must be committed before anything else (got ${ev.type})`);
        this.results.push(p.record);
        this.index++;
        if (this.linkLost || this.endEarly || this.index >= this.procedure.steps.length) return this.finish();
        return this.enterStep(now);
      case 'finished':
        throw new Error('the procedure has finished');
    }
  }

  private restoreCommand(point: OutputPoint): RunnerAction {
    // The controller only sends PD-timed outputs: a short temporary state at rest
    // replaces the running timer, after which the PD returns to its permanent (rest) state.
    return {
      type: 'output',
      point,
      output: this.opening[point] ?? 0,
      state: outputStateFor(this.opening, point, 'rest'),
      durationMs: 100,
      purpose: 'restore',
    };
  }

  private finishRecovery(now: number): void {
    const id = `${this.procedure.id}:recovery`;
    this.openPrompts.delete(id);
    this.push({ type: 'close-prompt', promptId: id });
    // The interrupted step cannot be judged: the stimulus it watched was cut short by the restart.
    const step = this.currentStep;
    if (!step) return this.finish();
    const interrupted = step.kind !== 'precheck' && step.kind !== 'confirm' && step.kind !== 'requirement';
    if (interrupted) {
      this.phase = {
        name: 'record',
        record: this.makeRecord(
          now,
          now,
          {
            verdict: 'inconclusive',
            reason: `interrupted: DoorCx stopped during this step; ${this.recoveryNote ?? ''}; retest the opening`.trim(),
          },
          { recovery: this.recoveryNote },
        ),
      };
      // The stimulus this step watched was cut short: later automatic steps would judge a test that no longer
      // happened (e.g. a release watch without the power drop would read a false fail). End here; retest.
      this.endEarly = true;
      return;
    }
    this.enterStep(now);
  }

  private enterStep(now: number): void {
    const step = this.currentStep;
    if (!step) return this.finish();
    this.stepStart = now;
    switch (step.kind) {
      case 'precheck':
        this.phase = { name: 'precheck-outputs' };
        return this.push({ type: 'read-outputs' });
      case 'output':
        if (this.opening[step.point] === null) return this.startPerson(now, step.id, 'action', step.fallbackInstruction, false, true);
        this.phase = { name: 'output-send' };
        return this.push({
          type: 'output',
          point: step.point,
          output: this.opening[step.point]!,
          // The step says what it does (drop power, raise the alarm); the opening's polarity says which state does it.
          state: outputStateFor(this.opening, step.point, 'stimulus'),
          durationMs: step.durationMs,
          purpose: 'stimulus',
        });
      case 'watch': {
        this.trace = [];
        this.before = this.carry ?? [];
        this.carry = null;
        this.attemptReportedAt = null;
        // A question about what the door did comes once the change was seen (or its deadline passed): for a
        // release/relock step that is at its end; a stay-* step starts after the change.
        if (step.expect === 'stay-released' || step.expect === 'stay-secured') this.openDuring(step.id, now);
        // With an untrusted sensor there is no change to wait for: the person's answer is the only evidence, so
        // the questions of this run of watch steps are asked at once.
        if (!this.baseline.lockTrusted)
          for (let i = this.index; this.procedure.steps[i]?.kind === 'watch'; i++) this.openDuring(this.procedure.steps[i]!.id, now);
        if (step.attempt) {
          const id = `${this.procedure.id}:${step.id}:attempt`;
          this.openPrompts.add(id);
          this.asked.add(id);
          this.push({
            type: 'prompt',
            prompt: { id, stepId: step.id, kind: 'attempt', text: step.attempt.instruction, answers: ['done'] },
          });
        }
        this.phase = { name: 'watch', lastSent: now };
        return this.push({ type: 'read-inputs' });
      }
      case 'restore':
        if (this.opening[step.point] === null) {
          const text =
            step.point === 'lock_output' ? 'Restore lock power at the power supply now.' : 'Reset the fire alarm at the panel now.';
          return this.startPerson(now, step.id, 'action', text, false, true);
        }
        this.phase = { name: 'restore-wait', until: (this.timers.get(step.point) ?? now) + 2 * this.pollMs() };
        return this.push({ type: 'wait', until: (this.timers.get(step.point) ?? now) + 2 * this.pollMs() });
      case 'confirm': {
        const pid = `${this.procedure.id}:${step.id}`;
        if (step.during && this.stimulusOver(now) && !this.openPrompts.has(pid) && !this.answers.has(pid))
          return this.record(
            now,
            {
              verdict: 'inconclusive',
              reason: `not asked: the test had ended (the PD had restored the output) before "${step.question}" could be asked`,
              personEvidence: true,
            },
            { question: step.question, answer: null },
          );
        const id = this.openConfirm(step);
        if (this.answers.has(id))
          return this.personTick({ type: 'tick', now }, { name: 'person', promptId: id, until: now, watch: false, lastPoll: now });
        this.phase = { name: 'person', promptId: id, until: now + this.procedure.thresholds.promptTimeoutMs, watch: false, lastPoll: now };
        if (this.carrying()) return this.push({ type: 'read-inputs' });
        return this.push({ type: 'wait', until: now + this.procedure.thresholds.promptTimeoutMs });
      }
      case 'action':
        return this.startPerson(now, step.id, 'action', step.instruction, step.watch !== undefined, step.startsClock ?? false);
      case 'requirement':
        return this.record(
          now,
          {
            verdict: 'fail',
            reason: `${step.failure}${step.citation ? ` (${step.citation})` : ''}`,
            deficiency: { severity: step.severity, description: step.failure },
          },
          { requirementId: step.requirementId, citation: step.citation ?? null },
        );
    }
  }

  /** Opens the questions asked while a step runs — never once the stimulus they ask about has ended. */
  private openDuring(stepId: string, now: number): void {
    if (this.stimulusOver(now)) return;
    for (const c of this.procedure.steps) if (c.kind === 'confirm' && c.during === stepId) this.openConfirm(c);
  }

  private stimulusOver(now: number): boolean {
    return this.stimulusEnd !== null && now >= this.stimulusEnd;
  }

  private openConfirm(c: ConfirmStep): string {
    const id = `${this.procedure.id}:${c.id}`;
    if (!this.openPrompts.has(id) && !this.answers.has(id)) {
      this.openPrompts.add(id);
      this.push({ type: 'prompt', prompt: { id, stepId: c.id, kind: 'confirm', text: c.question, answers: ['yes', 'no', 'not-checked'] } });
    }
    return id;
  }

  private startPerson(now: number, stepId: string, kind: 'action', text: string, watch: boolean, _startsClock: boolean): void {
    const id = `${this.procedure.id}:${stepId}`;
    this.openPrompts.add(id);
    this.push({ type: 'prompt', prompt: { id, stepId, kind, text, answers: ['done'] } });
    const until = now + this.procedure.thresholds.promptTimeoutMs;
    this.phase = { name: 'person', promptId: id, until, watch, lastPoll: now };
    this.push(watch || this.carrying() ? { type: 'read-inputs' } : { type: 'wait', until });
  }

  private closePrompt(id: string): void {
    if (this.openPrompts.delete(id)) this.push({ type: 'close-prompt', promptId: id });
  }

  private personTick(ev: RunnerEvent, p: Extract<Phase, { name: 'person' }>): void {
    const step = this.currentStep!;
    const now = ev.now;
    const answered = this.answers.get(p.promptId);
    let actedAt: number | null = null;
    let how = '';
    if (p.watch && ev.type === 'inputs' && step.kind === 'action' && step.watch) {
      const r = interpretInputs(this.opening, ev.values);
      const v = step.watch === 'rex' ? r.rex : step.watch === 'dps' ? r.dps : r.lockStatus;
      if (v.ok && (v.value === 'active' || v.value === 'open' || v.value === 'released')) {
        actedAt = ev.now;
        how = `${step.watch} input went active`;
      }
    }
    if (ev.type === 'link-error' && p.watch) {
      // Watching is a convenience here; the person's "done" still counts.
      this.phase = { ...p, watch: false };
      return this.push({ type: 'wait', until: p.until });
    }
    if (actedAt === null && answered) {
      actedAt = answered.at;
      how = 'technician reported it done';
    }
    if (ev.type === 'inputs') this.carry?.push({ sentAt: ev.sentAt, at: ev.now, values: ev.values });
    if (step.kind === 'confirm') {
      if (!answered && now < p.until) return this.pollOrWait(ev, p);
      this.closePrompt(p.promptId);
      const a = answered?.answer;
      const v = judgeConfirm(step, a === 'yes' || a === 'no' || a === 'not-checked' ? a : null);
      return this.record(now, v, { question: step.question, answer: a ?? null, answeredAt: answered?.at ?? null });
    }
    if (actedAt !== null) {
      this.closePrompt(p.promptId);
      if (step.kind === 'action' && step.startsClock) {
        this.clocks.action = actedAt;
        this.askedAt.action = how.startsWith('technician') ? this.stepStart : actedAt;
      }
      if (step.kind === 'output') this.clocks.command = actedAt;
      if (step.kind === 'restore') {
        this.clocks.timerEnd = actedAt;
        this.askedAt.timerEnd = this.stepStart;
      }
      return this.record(now, { verdict: 'pass', reason: `done (${how})`, personEvidence: how.startsWith('technician') }, { actedAt, how });
    }
    if (now >= p.until) {
      this.closePrompt(p.promptId);
      this.blocked = `"${step.title}" was not done`;
      return this.record(now, {
        verdict: 'inconclusive',
        reason: `no one reported "${step.title}" done within ${sec(this.procedure.thresholds.promptTimeoutMs)}`,
      });
    }
    if (p.watch && ev.type !== 'inputs') {
      this.phase = { ...p, lastPoll: now };
      return this.push({ type: 'read-inputs' });
    }
    if (p.watch) return this.push({ type: 'wait', until: Math.min(p.until, now + this.pollMs()) });
    return this.pollOrWait(ev, p);
  }

  private carrying(): boolean {
    return this.carry !== null && !this.linkLost;
  }

  /** While a person answers after a watch step, keep reading the lock (the carry) when the link allows. */
  private pollOrWait(ev: RunnerEvent, p: Extract<Phase, { name: 'person' }>): void {
    if (!this.carry || this.linkLost) return this.push({ type: 'wait', until: p.until });
    if (ev.type === 'link-error') {
      this.carry = null;
      return this.push({ type: 'wait', until: p.until });
    }
    if (ev.type === 'inputs') return this.push({ type: 'wait', until: Math.min(p.until, ev.now + this.pollMs()) });
    return this.push({ type: 'read-inputs' });
  }

  private watchTick(ev: RunnerEvent, p: Extract<Phase, { name: 'watch' }>): void {
    const step = this.currentStep as WatchStep;
    const now = ev.now;
    if (ev.type === 'inputs') this.trace.push({ sentAt: ev.sentAt, at: ev.now, values: ev.values });
    const clock = this.clockFor(step);
    const t = this.procedure.thresholds;
    const j = judgeWatch(
      step,
      {
        opening: this.opening,
        baseline: this.baseline,
        stepStart: this.stepStart,
        clockStart: clock,
        clockEarliest: this.clockEarliest(step, clock),
        personClock: this.clockEarliest(step, clock) < clock && !(step.clockFrom === 'timer-end' && this.stimulusEnd !== null),
        trace: this.trace,
        before: this.before,
        attemptReportedAt: this.attemptReportedAt,
        stimulusEnd: this.stimulusEnd,
        linkLost: this.linkLost,
        blockedBy: this.blocked && (step.expect === 'stay-released' || step.expect === 'relock') ? this.blocked : null,
        maxGapMs: t.maxReadingGapMs,
        attemptWatchMs: t.attemptWatchMs,
      },
      now,
    );
    const attemptId = `${this.procedure.id}:${step.id}:attempt`;
    const ask = step.attempt ?? (j.wantAttempt ? step.diagnose : undefined);
    if (ask && !j.done && !this.openPrompts.has(attemptId) && !this.asked.has(attemptId)) {
      this.asked.add(attemptId);
      this.openPrompts.add(attemptId);
      this.push({ type: 'prompt', prompt: { id: attemptId, stepId: step.id, kind: 'attempt', text: ask.instruction, answers: ['done'] } });
    }
    if (j.done) {
      this.closePrompt(attemptId);
      if (step.expect === 'release' || step.expect === 'relock') this.openDuring(step.id, now);
      if (step.expect === 'release' && j.verdict !== 'pass') this.blocked ??= 'the lock never released';
      if (step.expect === 'stay-released' && j.verdict === 'fail') this.blocked ??= 'the lock relocked before the stimulus ended (above)';
      const last = this.trace[this.trace.length - 1];
      this.carry = last && !this.linkLost ? [last] : null;
      const { done: _d, wantAttempt: _w, attemptAt, ...v } = j;
      return this.record(now, v, {
        clockStart: clock,
        clockFrom: step.clockFrom,
        limitMs: step.ms,
        windowEndsAt: watchWindowEnd(step, clock, this.stimulusEnd),
        attemptAt: attemptAt ?? null,
        attemptReportedAt: this.attemptReportedAt,
        before: this.before,
        trace: this.trace,
      });
    }
    if (this.queue.length > 0 && ev.type !== 'inputs' && ev.type !== 'link-error') {
      // A prompt was just queued: the next action after it reads the inputs.
      this.phase = { name: 'watch', lastSent: now };
      return this.push({ type: 'read-inputs' });
    }
    if (ev.type === 'inputs' || ev.type === 'link-error') {
      const until = Math.max(now, p.lastSent + this.pollMs());
      return this.push({ type: 'wait', until });
    }
    this.phase = { name: 'watch', lastSent: now };
    return this.push({ type: 'read-inputs' });
  }

  private linkFail(now: number, what: string): void {
    return this.record(now, {
      verdict: 'inconclusive',
      reason: `the controller link failed while ${what} (${this.linkLost?.reason ?? 'no reply'}); nothing was concluded`,
    });
  }

  private makeRecord(start: number, now: number, v: StepVerdict, evidence: Record<string, unknown>): StepRecord {
    const step = this.currentStep!;
    // The same risk found twice in one attempt (the reading, then the person's "no") is one finding: reuse the
    // fuller description already recorded (it may name the probable cause), so storage keeps one deficiency.
    const same = v.deficiency && this.results.find((r) => r.deficiency?.description.startsWith(v.deficiency!.description));
    if (same && v.deficiency) v = { ...v, deficiency: { ...v.deficiency, description: same.deficiency!.description } };
    return {
      procedureId: this.procedure.id,
      stepId: step.id,
      stepIndex: this.index,
      kind: step.kind,
      title: step.title,
      verdict: v.verdict,
      reason: v.reason,
      measuredMs: v.measuredMs ?? null,
      resolutionMs: v.resolutionMs ?? null,
      startedAt: start,
      endedAt: now,
      deficiency: v.deficiency ?? null,
      personEvidence: v.personEvidence ?? false,
      evidence,
    };
  }

  private record(now: number, v: StepVerdict, evidence: Record<string, unknown> = {}): void {
    const rec = this.makeRecord(this.stepStart, now, v, evidence);
    this.phase = { name: 'committing', record: rec };
    this.push({ type: 'record', result: rec });
  }

  private finish(): void {
    this.phase = { name: 'finished' };
    for (const id of [...this.openPrompts]) this.closePrompt(id);
    const verdict = combineSteps(this.results.map(asVerdictRow));
    const steps = this.procedure.steps.length;
    const final: ProcedureVerdict =
      this.results.length < steps && verdict.verdict === 'pass'
        ? { verdict: 'inconclusive', reason: `only ${this.results.length} of ${steps} steps ran` }
        : this.results.length < steps && verdict.verdict === 'inconclusive'
          ? { ...verdict, reason: `${verdict.reason} (${steps - this.results.length} steps not run)` }
          : verdict;
    this.push({ type: 'done', verdict: final, results: this.results });
  }
}

/** The procedure verdict from its committed step results (pure; used for listings and reports). */
export function procedureVerdictOf(procedure: PlannedProcedure, results: readonly StepRecord[]): ProcedureVerdict {
  const v = combineSteps(results.map(asVerdictRow));
  if (results.length < procedure.steps.length && v.verdict === 'pass')
    return { verdict: 'inconclusive', reason: `only ${results.length} of ${procedure.steps.length} steps recorded` };
  return v;
}

function asVerdictRow(r: StepRecord): { stepId: string; title: string; kind: string; v: StepVerdict } {
  return {
    stepId: r.stepId,
    title: r.title,
    kind: r.kind,
    v: { verdict: r.verdict, reason: r.reason, deficiency: r.deficiency ?? undefined, personEvidence: r.personEvidence },
  };
}
