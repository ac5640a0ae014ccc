// Pure verdicts: every judgement takes the evidence and returns pass / fail /
// inconclusive with its reason. Rules (DOMAIN.md verdict table):
// - a missing, unwired or faulted sensor never yields pass: inconclusive;
// - a lost link never yields pass: inconclusive with the reason;
// - behaviour contrary to the scheduled mode is fail, with the risk in words.
import type { Opening } from '../schedule/types';
import type { Answer, ConfirmStep, WatchStep } from '../procedures/types';
import { interpretInputs, outputOn } from './readings';
import type { Sample, StepVerdict, Verdict } from './types';

const sec = (ms: number): string => `${+(ms / 1000).toFixed(3)} s`;

/** Baseline taken by the precheck: whether lock-status readings can be trusted at all. */
export interface Baseline {
  lockTrusted: boolean;
  /** Why not, in words (shown beside every lock-status judgement of the procedure). */
  reason: string | null;
}

export function judgePrecheck(o: Opening, sample: Sample | null, outputs: number[] | null): StepVerdict & { baseline: Baseline } {
  if (!sample) {
    const reason = 'no reading from the PD before the test';
    return { verdict: 'inconclusive', reason, baseline: { lockTrusted: false, reason } };
  }
  const r = interpretInputs(o, sample.values);
  const problems: string[] = [];
  let lockTrusted = true;
  let lockReason: string | null = null;
  if (!r.lockStatus.ok) {
    lockTrusted = false;
    lockReason = `${r.lockStatus.reason}, so lock-status readings cannot show what the lock does`;
  } else if (r.lockStatus.value !== 'secured') {
    lockTrusted = false;
    lockReason =
      'lock-status read released with lock power on before the test — the sensor may be unwired (an open input reads inactive) or the lock is not locking, so a "released" reading proves nothing';
  }
  if (lockReason) problems.push(lockReason);
  if (r.dps.ok && r.dps.value === 'open') problems.push('the door was open at the start');
  const lockPower = outputs ? outputOn(o.lock_output, outputs) : null;
  if (lockPower === false) problems.push('lock power was already dropped at the start');
  const alarm = outputs ? outputOn(o.alarm_output, outputs) : null;
  if (alarm === true) problems.push('the fire-alarm output was already active at the start');
  if (problems.length === 0)
    return { verdict: 'pass', reason: 'lock power on, lock secured, door closed', baseline: { lockTrusted, reason: null } };
  return {
    verdict: 'inconclusive',
    reason: problems.join('; '),
    baseline: { lockTrusted, reason: lockReason ?? (problems.length ? problems.join('; ') : null) },
  };
}

export interface WatchEvidence {
  opening: Opening;
  baseline: Baseline;
  stepStart: number;
  /** The clock the criterion runs from (command sent, person action, PD timer end). */
  clockStart: number;
  trace: readonly Sample[];
  /** When a release attempt was seen (REX active) or reported done by the person; null when none. */
  attemptAt: number | null;
  linkLost: { at: number; reason: string } | null;
  /** A previous step makes this one meaningless (e.g. the lock never released). */
  blockedBy: string | null;
  /** Largest gap between readings that still counts as continuous watching. */
  maxGapMs: number;
}

export interface WatchJudgement extends StepVerdict {
  /** The runner may stop watching. */
  done: boolean;
}

function missed(step: WatchStep, reason: string, measuredMs?: number, resolutionMs?: number, diagnosis = ''): WatchJudgement {
  return {
    done: true,
    verdict: 'fail',
    reason,
    measuredMs,
    resolutionMs,
    deficiency: { severity: step.severity, description: step.missMeans + diagnosis },
  };
}

/**
 * Judges a watch step from the readings so far at time `now`. `done` says the
 * verdict is final; until then the runner keeps polling.
 */
export function judgeWatch(step: WatchStep, ev: WatchEvidence, now: number): WatchJudgement {
  const deadline = ev.clockStart + step.ms;
  if (ev.blockedBy) return { done: true, verdict: 'inconclusive', reason: `not judged: ${ev.blockedBy}` };
  const samples = ev.trace.filter((s) => s.at >= ev.stepStart);
  const lastAt = samples.length ? samples[samples.length - 1]!.at : ev.stepStart;
  const closed = lastAt >= deadline;
  if (ev.linkLost && !closed)
    return {
      done: true,
      verdict: 'inconclusive',
      reason: `the controller link was lost ${sec(Math.max(0, ev.linkLost.at - ev.clockStart))} into the step (${ev.linkLost.reason}); nothing can be concluded from a partial watch`,
    };
  if (!ev.baseline.lockTrusted) {
    return {
      done: now >= deadline,
      verdict: 'inconclusive',
      personEvidence: true,
      reason: `automatic reading inconclusive: ${ev.baseline.reason ?? 'lock-status cannot be trusted'}; the technician's confirmation is the evidence`,
    };
  }
  const want = step.expect === 'release' || step.expect === 'stay-released' ? 'released' : 'secured';
  const timed = step.expect === 'release' || step.expect === 'relock';
  let prevAt = ev.stepStart;
  let prevSent = ev.clockStart;
  // Longest span since the clock started in which no reading could have seen a change (a release that came and
  // went unseen, e.g. while the bus was busy): a "never released" fail needs the window covered.
  let unobserved = 0;
  let prevObs = Math.min(ev.clockStart, ev.stepStart);
  const uncovered = (): WatchJudgement => ({
    done: true,
    verdict: 'inconclusive',
    reason: `no reading for ${sec(unobserved)} of the window (more than ${sec(ev.maxGapMs)}): the lock may have changed unseen`,
  });
  // A release commanded before power was dropped (REX pressed too early) releases any lock that still had power.
  const first = samples[0] ? interpretInputs(ev.opening, samples[0].values).rex : null;
  const rexAtStart = first !== null && first.ok && first.value === 'active';
  for (const s of samples) {
    if (prevObs <= deadline) unobserved = Math.max(unobserved, Math.min(s.at, deadline) - prevObs);
    prevObs = s.sentAt;
    if (!timed && s.at - prevAt > ev.maxGapMs && s.at <= deadline + ev.maxGapMs)
      return {
        done: true,
        verdict: 'inconclusive',
        reason: `readings stopped for ${sec(s.at - prevAt)} (more than ${sec(ev.maxGapMs)}); a change in between could have been missed`,
      };
    const r = interpretInputs(ev.opening, s.values);
    if (!r.lockStatus.ok)
      return {
        done: true,
        verdict: 'inconclusive',
        personEvidence: true,
        reason: `automatic reading inconclusive: ${r.lockStatus.reason} during the step`,
      };
    const lock = r.lockStatus.value;
    const t = s.at - ev.clockStart;
    const resolution = s.at - Math.max(prevSent, ev.clockStart);
    if (step.expect === 'release' || step.expect === 'relock') {
      if (lock === want) {
        const earliest = prevSent - ev.clockStart;
        if (t <= step.ms)
          return {
            done: true,
            verdict: 'pass',
            reason: `${want} after ${sec(t)} (limit ${sec(step.ms)}, resolution ${sec(resolution)})`,
            measuredMs: t,
            resolutionMs: resolution,
          };
        if (earliest > step.ms) {
          if (unobserved > ev.maxGapMs) return uncovered();
          return missed(step, `${want} only after ${sec(t)}, later than the ${sec(step.ms)} limit`, t, resolution);
        }
        return {
          done: true,
          verdict: 'inconclusive',
          reason: `${want} between ${sec(Math.max(0, earliest))} and ${sec(t)}: the reading resolution straddles the ${sec(step.ms)} limit`,
          measuredMs: t,
          resolutionMs: resolution,
        };
      }
      if (s.at > deadline) {
        if (unobserved > ev.maxGapMs) return uncovered();
        const dpsWord = r.dps.ok && r.dps.value === 'open' ? ' (the door reads open)' : '';
        return missed(step, `still ${lock} ${sec(t)} after the start${dpsWord}; limit ${sec(step.ms)}`);
      }
    } else {
      if (s.at <= deadline + ev.maxGapMs && s.at >= ev.clockStart) {
        if (lock !== want) {
          if (want === 'secured' && step.attempt && rexAtStart)
            return {
              done: true,
              verdict: 'inconclusive',
              reason: `read ${lock} ${sec(t)} into the window, but REX was already active when lock power was dropped: the REX may have released the lock while it still had power. Let the door relock, wait for the prompt, then press REX; retest`,
            };
          const after =
            ev.attemptAt !== null && s.at >= ev.attemptAt
              ? ` — ${sec(s.at - ev.attemptAt)} after a release was attempted with power dropped: the lock still had power (stuck relay or bypassed wiring) or it is not installed ${want === 'secured' ? 'fail-secure' : 'as scheduled'}`
              : '';
          const diagnosis =
            after && want === 'secured'
              ? ' (it released when a release was attempted with power dropped: lock power was not cut — stuck relay or bypassed wiring)'
              : '';
          return missed(step, `read ${lock} ${sec(t)} into the ${sec(step.ms)} window${after}`, t, resolution, diagnosis);
        }
        if (want === 'secured' && r.dps.ok && r.dps.value === 'open' && s.at <= deadline)
          return missed(step, `the door opened ${sec(t)} into the ${sec(step.ms)} window`, t, resolution);
      }
    }
    prevAt = s.at;
    prevSent = s.sentAt;
  }
  if (!closed) return { done: false, verdict: 'inconclusive', reason: 'watching' };
  if (step.expect === 'release' || step.expect === 'relock') return { done: false, verdict: 'inconclusive', reason: 'watching' };
  if (step.attempt && ev.attemptAt === null)
    return {
      done: true,
      verdict: 'inconclusive',
      reason: `stayed ${want} for ${sec(step.ms)}, but no release was attempted with power dropped — without it the test cannot show that power was really cut (a stuck relay would pass)`,
    };
  if (step.attempt && ev.attemptAt !== null && ev.attemptAt > deadline)
    return { done: true, verdict: 'inconclusive', reason: `the release attempt came after the ${sec(step.ms)} window had ended` };
  return {
    done: true,
    verdict: 'pass',
    reason: `stayed ${want} for the whole ${sec(step.ms)} window (${samples.length} readings)${step.attempt ? `, including ${sec(Math.max(0, deadline - ev.attemptAt!))} after a release attempt` : ''}`,
  };
}

export function judgeConfirm(step: ConfirmStep, answer: Answer | null): StepVerdict {
  if (answer === null) return { verdict: 'inconclusive', reason: `no answer to "${step.question}"`, personEvidence: true };
  if (answer === 'not-checked') return { verdict: 'inconclusive', reason: `not checked: "${step.question}"`, personEvidence: true };
  if (answer === step.expect)
    return { verdict: 'pass', reason: `technician confirmed: "${step.question}" → ${answer}`, personEvidence: true };
  return {
    verdict: 'fail',
    reason: `technician answered ${answer}: "${step.question}"`,
    personEvidence: true,
    deficiency: { severity: step.severity, description: step.wrongMeans },
  };
}

export interface ProcedureVerdict {
  verdict: Verdict;
  reason: string;
}

/** Fail beats inconclusive beats pass. Person-only evidence never upgrades an inconclusive automatic reading. */
export function combineSteps(steps: readonly { stepId: string; title: string; kind: string; v: StepVerdict }[]): ProcedureVerdict {
  if (steps.length === 0) return { verdict: 'inconclusive', reason: 'no step recorded' };
  const fails = steps.filter((s) => s.v.verdict === 'fail');
  if (fails.length > 0)
    return { verdict: 'fail', reason: fails.map((s) => `${s.title}: ${s.v.deficiency?.description ?? s.v.reason}`).join('; ') };
  const inc = steps.filter((s) => s.v.verdict === 'inconclusive');
  if (inc.length > 0) {
    const confirmed = steps.filter((s) => s.kind === 'confirm' && s.v.verdict === 'pass');
    const tail = confirmed.length
      ? ` The technician's confirmation is the evidence: ${confirmed.map((s) => s.v.reason.replace(/^technician confirmed: /, '')).join('; ')}.`
      : '';
    return { verdict: 'inconclusive', reason: `${inc.map((s) => `${s.title}: ${s.v.reason}`).join('; ')}.${tail}` };
  }
  return { verdict: 'pass', reason: 'every step passed' };
}

export function combineProcedures(ps: readonly { id: string; verdict: Verdict }[]): Verdict | 'untested' {
  if (ps.length === 0) return 'untested';
  if (ps.some((p) => p.verdict === 'fail')) return 'fail';
  if (ps.some((p) => p.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}
