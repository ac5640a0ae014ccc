// Pure verdicts: every judgement takes the evidence and returns pass / fail /
// inconclusive with its reason. Rules (docs/verdicts.md):
// - a missing, unwired or faulted sensor never yields pass: inconclusive;
// - a lost link never yields pass: inconclusive with the reason;
// - behaviour contrary to the scheduled mode is fail, with the risk in words.
import type { Opening } from '../schedule/types';
import type { Answer, ConfirmStep, WatchStep } from '../procedures/types';
import { alarmActive, interpretInputs, lockPowerOn } from './readings';
import type { Sample, StepVerdict, Verdict } from './types';

const sec = (ms: number): string => `${+(ms / 1000).toFixed(3)} s`;

/** Baseline taken by the precheck: whether lock-status readings can be trusted at all. */
export interface Baseline {
  lockTrusted: boolean;
  /** Why not, in words (shown beside every lock-status judgement of the procedure). */
  reason: string | null;
}

/** Why the test must stop before anything is switched (an output already away from rest: wiring or polarity), or null. */
export function outputsNotAtRest(o: Opening, outputs: readonly number[] | null): string | null {
  if (!outputs) return null;
  const problems: string[] = [];
  if (lockPowerOn(o, outputs) === false)
    problems.push(
      `lock power reads dropped before anything was switched (lock output ${o.lock_output} is ${outputs[o.lock_output!] ? 'ON' : 'OFF'}, and this opening's "Lock output active" setting says ON means ${o.lock_output_active === 'power-off' ? 'power dropped' : 'lock power on'}). If lock power is really on, the setting does not match the wiring: set "Lock output active" to ${o.lock_output_active === 'power-off' ? 'power-on' : 'power-off (a normally-closed contact)'} for this opening and retest; otherwise restore lock power first`,
    );
  if (alarmActive(o, outputs) === true)
    problems.push(
      `the fire-alarm output reads active before anything was switched (alarm output ${o.alarm_output} is ${outputs[o.alarm_output!] ? 'ON' : 'OFF'}, and "Alarm output active" says ON means ${o.alarm_output_active === 'no-alarm' ? 'no alarm' : 'alarm'}). If no alarm is simulated, set "Alarm output active" to ${o.alarm_output_active === 'no-alarm' ? 'alarm' : 'no-alarm (a normally-closed contact)'} and retest; otherwise clear it first`,
    );
  return problems.length ? `Stopped before switching anything: ${problems.join('; ')}.` : null;
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
  const stop = outputsNotAtRest(o, outputs);
  if (stop) problems.push(stop);
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
  /** The earliest the clock can have started (a PD timer's end is known to within its command's round trip). */
  clockEarliest?: number;
  trace: readonly Sample[];
  /** Readings taken since the previous watch step ended (its last one first): what the lock did up to this step. */
  before?: readonly Sample[];
  /** When the technician reported a release attempt done (person evidence); null when not. */
  attemptReportedAt: number | null;
  /** The stimulus (power dropped, alarm active) lasts at least until this; null when a person ends it. */
  stimulusEnd: number | null;
  linkLost: { at: number; reason: string } | null;
  /** A previous step makes this one meaningless (e.g. the lock never released). */
  blockedBy: string | null;
  /** The longest span between readings a watched window may have (the resolution a pass can claim). */
  maxGapMs: number;
  /** How long the lock must be watched, stimulus still on, after a release attempt for the attempt to count. */
  attemptWatchMs: number;
  /** The clock is a person's "Done" (the act came some time before it, after `clockEarliest`). */
  personClock?: boolean;
}

export interface WatchJudgement extends StepVerdict {
  /** The runner may stop watching. */
  done: boolean;
  /** The runner should now ask for a release attempt (a held fail-safe lock: which cause?). */
  wantAttempt?: boolean;
  /** The release attempt the verdict relied on, if any. */
  attemptAt?: number | null;
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

const watching = (extra: Partial<WatchJudgement> = {}): WatchJudgement => ({
  done: false,
  verdict: 'inconclusive',
  reason: 'watching',
  ...extra,
});

/** The window a step watches: a release/relock limit, or a stay-* window that runs until the stimulus ends. */
export function watchWindowEnd(step: WatchStep, clockStart: number, stimulusEnd: number | null): number {
  // Until the earliest moment the stimulus can have ended — never past it: after that a change is expected.
  if (step.untilStimulusEnds && stimulusEnd !== null) return stimulusEnd;
  return clockStart + step.ms;
}

/**
 * Release attempts the PD could see: the REX input going active (its first reading counts when it was
 * already active). Null when REX is not wired: only the technician's word is left.
 */
function observedAttempts(o: Opening, samples: readonly Sample[], prev: Sample | undefined): number[] | null {
  if (o.rex_input === null) return null;
  const out: number[] = [];
  let was = prev ? interpretInputs(o, prev.values).rex : null;
  for (const s of samples) {
    // A faulted reading is not an attempt: where REX is wired, only a clean "active" counts.
    const r = interpretInputs(o, s.values).rex;
    if (r.ok && r.value === 'active' && !(was?.ok && was.value === 'active')) out.push(s.at);
    was = r;
  }
  return out;
}

/**
 * Judges a watch step from the readings so far at time `now`. `done` says the
 * verdict is final; until then the runner keeps polling.
 */
export function judgeWatch(step: WatchStep, ev: WatchEvidence, now: number): WatchJudgement {
  if (ev.blockedBy) return { done: true, verdict: 'inconclusive', reason: `not judged: ${ev.blockedBy}` };
  const deadline = ev.clockStart + step.ms;
  const end = watchWindowEnd(step, ev.clockStart, ev.stimulusEnd);
  const samples = ev.trace.filter((s) => s.at >= ev.stepStart);
  const lastAt = samples.length ? samples[samples.length - 1]!.at : ev.stepStart;
  if (ev.linkLost && lastAt < end)
    return {
      done: true,
      verdict: 'inconclusive',
      reason: `the controller link was lost ${sec(Math.max(0, ev.linkLost.at - ev.clockStart))} into the step (${ev.linkLost.reason}); nothing can be concluded from a partial watch`,
    };
  if (!ev.baseline.lockTrusted) {
    return {
      done: now >= end,
      verdict: 'inconclusive',
      personEvidence: true,
      reason: `automatic reading inconclusive: ${ev.baseline.reason ?? 'lock-status cannot be trusted'}; the technician's confirmation is the evidence`,
    };
  }
  for (const s of samples) {
    const r = interpretInputs(ev.opening, s.values);
    if (!r.lockStatus.ok)
      return {
        done: true,
        verdict: 'inconclusive',
        personEvidence: true,
        reason: `automatic reading inconclusive: ${r.lockStatus.reason} during the step`,
      };
  }
  return step.expect === 'release' || step.expect === 'relock'
    ? judgeTimed(step, ev, samples, deadline, now)
    : judgeStay(step, ev, samples, end, now);
}

const lockOf = (o: Opening, s: Sample): 'secured' | 'released' | null => {
  const r = interpretInputs(o, s.values).lockStatus;
  return r.ok ? r.value : null;
};

/** release / relock: the first reading showing the change, against the limit; with the evidence before it. */
function judgeTimed(step: WatchStep, ev: WatchEvidence, stepSamples: Sample[], deadline: number, now: number): WatchJudgement {
  const want = step.expect === 'release' ? 'released' : 'secured';
  const before = ev.before ?? [];
  const earliestClock = Math.min(ev.clockStart, ev.clockEarliest ?? ev.clockStart);
  const earlier = before.filter((b) => b.at < earliestClock);
  // Readings taken between steps once the clock had started (while a person answered) are this step's evidence.
  const samples = [...before.filter((b) => b.at >= earliestClock), ...stepSamples];
  const lastOld = earlier[earlier.length - 1];
  let prevSent = ev.clockStart;
  if (step.earlyMeans) {
    // The lock must still be seen in its old state up to the clock start: a relock that came before the reset
    // (or the power's return) is the released window's failure, not this step's success.
    for (const b of earlier)
      if (lockOf(ev.opening, b) === want)
        return {
          done: true,
          verdict: 'fail',
          reason: `read ${want} ${sec(earliestClock - b.at)} before the clock of this step started (${step.clockFrom === 'timer-end' ? 'the stimulus ended' : 'the reset'}): ${step.earlyMeans}`,
          measuredMs: b.at - ev.clockStart,
          deficiency: { severity: step.earlySeverity ?? step.severity, description: step.earlyMeans },
        };
    const blind = lastOld ? earliestClock - lastOld.sentAt : 0;
    if (lastOld && blind > ev.maxGapMs && samples.length > 0 && lockOf(ev.opening, samples[0]!) === want)
      return {
        done: true,
        verdict: 'inconclusive',
        reason: `the lock was last read ${lockOf(ev.opening, lastOld) ?? 'faulted'} ${sec(blind)} before the clock started and already read ${want} at the first reading after it: it may have changed before (more than ${sec(ev.maxGapMs)} unobserved)`,
      };
  }
  if (lastOld) prevSent = lastOld.sentAt;
  let unobserved = 0;
  let prevObs = Math.min(ev.clockStart, ev.stepStart, prevSent);
  const uncovered = (): WatchJudgement => ({
    done: true,
    verdict: 'inconclusive',
    reason: `no reading for ${sec(unobserved)} of the window (more than ${sec(ev.maxGapMs)}): the lock may have changed unseen`,
  });
  // A stimulus-driven release (power drop, alarm) must not be credited to a REX that releases the lock anyway.
  const stimulusRelease = step.expect === 'release' && step.clockFrom === 'command';
  let heldAt: number | null = null;
  let rexSeen = false;
  for (const s of samples) {
    if (prevObs <= deadline) unobserved = Math.max(unobserved, Math.min(s.at, deadline) - prevObs);
    const lock = lockOf(ev.opening, s)!;
    const rex = interpretInputs(ev.opening, s.values).rex;
    // REX seen at any reading up to the release: the release may be the REX's, not the stimulus's.
    if (rex.ok && rex.value === 'active') rexSeen = true;
    const t = s.at - ev.clockStart;
    const resolution = s.at - Math.max(prevSent, ev.clockStart);
    if (lock === want && heldAt === null) {
      if (stimulusRelease && rexSeen && s.at <= deadline)
        return {
          done: true,
          verdict: 'inconclusive',
          reason: `read released ${sec(t)} after the start, but REX was active: a REX releases the lock whether or not power was cut. Let the door relock and retest without touching the REX`,
        };
      const earliest = prevSent - ev.clockStart;
      if (t < 0 && ev.personClock && !step.earlyMeans)
        return {
          done: true,
          verdict: 'pass',
          reason: `${want} ${sec(-t)} before the technician reported the act done (asked for ${sec(ev.clockStart - earliestClock)} before that): within the ${sec(step.ms)} limit, time not measured`,
        };
      if (t < 0 && ev.personClock)
        // Read between the prompt and the person's "Done": DoorCx cannot see when the act (the reset at the
        // panel, power restored at the supply) really happened, so it cannot tell the relock came after it.
        return {
          done: true,
          verdict: 'inconclusive',
          personEvidence: true,
          reason: `${want} ${sec(-t)} before the technician reported the act done: DoorCx cannot see when it really happened, so it cannot show the lock stayed ${want === 'secured' ? 'released' : 'secured'} until then. Wire the output to DoorCx for a timed result`,
        };
      if (t < 0)
        // Within the PD timer's own uncertainty (its rounding, the command's round trip): the change came with it.
        return {
          done: true,
          verdict: 'pass',
          reason: `${want} as the stimulus ended (read ${sec(-t)} before the latest moment it can have ended; limit ${sec(step.ms)})`,
          measuredMs: 0,
          resolutionMs: Math.max(0, s.at - prevSent),
        };
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
    if (lock === want && heldAt !== null) return diagnosed(step, ev, samples, heldAt, s);
    if (s.at > deadline && heldAt === null) {
      if (unobserved > ev.maxGapMs) return uncovered();
      const dpsWord = (() => {
        const r = interpretInputs(ev.opening, s.values).dps;
        return r.ok && r.value === 'open' ? ' (the door reads open)' : '';
      })();
      const reason = `still ${lock} ${sec(t)} after the start${dpsWord}; limit ${sec(step.ms)}`;
      if (!step.diagnose) return missed(step, reason);
      heldAt = s.at;
    }
    prevSent = s.sentAt;
    prevObs = s.sentAt;
  }
  if (heldAt === null) return watching();
  // Held past the limit: ask for a release attempt with the stimulus still on and see what the lock does
  // (until the PD ends the stimulus; a person-made stimulus lasts until they are asked to end it).
  return diagnoseHeld(step, ev, samples, heldAt, ev.stimulusEnd ?? deadline + PERSON_STIMULUS_MS, now);
}

/** How long a held lock is diagnosed when a person, not the PD, dropped the power (they restore it when asked). */
const PERSON_STIMULUS_MS = 30_000;

function diagnosisWords(cause: 'power-not-cut' | 'fail-secure' | 'unknown', how: string): string {
  if (cause === 'power-not-cut')
    return ` Probable cause: lock power was not really cut — it released when a release was attempted (${how}) with power reported off, which only a powered lock does (stuck relay or wiring bypassing the output).`;
  if (cause === 'fail-secure')
    return ` Probable cause: a fail-secure lock is installed where a fail-safe one belongs — it stayed locked even when a release was attempted (${how}) with power off.`;
  return ` Probable cause not determined: ${how}.`;
}

/** The attempt the diagnosis relies on: an observed REX after the hold was seen, or the technician's word when REX cannot be seen. */
function diagnosisAttempt(ev: WatchEvidence, samples: Sample[], heldAt: number): { at: number; how: string; person: boolean } | null {
  const idx = samples.findIndex((s) => s.at >= heldAt);
  const seen = observedAttempts(ev.opening, samples.slice(idx), samples[idx - 1]);
  if (seen !== null) return seen.length ? { at: seen[0]!, how: 'REX seen active', person: false } : null;
  return ev.attemptReportedAt !== null && ev.attemptReportedAt >= heldAt
    ? { at: ev.attemptReportedAt, how: 'reported by the technician', person: true }
    : null;
}

function diagnosed(step: WatchStep, ev: WatchEvidence, samples: Sample[], heldAt: number, s: Sample): WatchJudgement {
  const t = s.at - ev.clockStart;
  const a = diagnosisAttempt(ev, samples, heldAt);
  const base = `still held ${sec(heldAt - ev.clockStart)} after the start (limit ${sec(step.ms)})`;
  if (a && s.at >= a.at)
    return {
      ...missed(
        step,
        `${base}; read released ${sec(s.at - a.at)} after a release attempt (${a.how}) with power reported off`,
        t,
        undefined,
        diagnosisWords('power-not-cut', a.how),
      ),
      attemptAt: a.at,
      personEvidence: a.person || undefined,
    };
  return missed(step, `${base}; released only after ${sec(t)}, with no release attempt`, t);
}

function diagnoseHeld(step: WatchStep, ev: WatchEvidence, samples: Sample[], heldAt: number, end: number, now: number): WatchJudgement {
  const base = `still held ${sec(heldAt - ev.clockStart)} after the start (limit ${sec(step.ms)})`;
  const a = diagnosisAttempt(ev, samples, heldAt);
  const lastAt = samples[samples.length - 1]!.at;
  if (a) {
    // Watched long enough after the attempt, readings close enough together: it really stayed locked.
    if (lastAt >= a.at + ev.attemptWatchMs && lastAt <= end) {
      let gap = 0;
      let prev: Sample | null = null;
      for (const s of samples)
        if (s.at >= a.at) {
          if (prev) gap = Math.max(gap, s.at - prev.sentAt);
          prev = s;
        } else prev = s;
      if (gap > ev.maxGapMs)
        return {
          ...missed(step, base, undefined, undefined, diagnosisWords('unknown', `readings ${sec(gap)} apart after the release attempt`)),
          attemptAt: a.at,
        };
      return {
        ...missed(
          step,
          `${base}; still held ${sec(lastAt - a.at)} after a release attempt (${a.how}) with power off`,
          undefined,
          undefined,
          diagnosisWords('fail-secure', a.how),
        ),
        attemptAt: a.at,
        personEvidence: a.person || undefined,
      };
    }
    if (a.at + ev.attemptWatchMs > end && (now >= end || lastAt >= end))
      return {
        ...missed(
          step,
          base,
          undefined,
          undefined,
          diagnosisWords('unknown', `the release attempt came too late to watch the lock ${sec(ev.attemptWatchMs)} with power off`),
        ),
        attemptAt: a.at,
      };
    return watching();
  }
  if (now >= end - ev.attemptWatchMs || lastAt >= end - ev.attemptWatchMs)
    return missed(
      step,
      base,
      undefined,
      undefined,
      diagnosisWords(
        'unknown',
        `no release attempt was seen early enough to watch the lock ${sec(ev.attemptWatchMs)} with power still off`,
      ),
    );
  return watching({ wantAttempt: true });
}

/** stay-secured / stay-released: every reading inside the window, the window covered, and (hold) the attempt. */
function judgeStay(step: WatchStep, ev: WatchEvidence, samples: Sample[], end: number, _now: number): WatchJudgement {
  const want = step.expect === 'stay-released' ? 'released' : 'secured';
  const before = ev.before ?? [];
  const prev = before.length ? before[before.length - 1] : undefined;
  let prevObs = prev ? prev.sentAt : Math.max(ev.clockStart, ev.stepStart);
  let unobserved = 0;
  const first = samples[0] ? interpretInputs(ev.opening, samples[0].values).rex : null;
  const rexAtStart = first !== null && first.ok && first.value === 'active';
  const observed = step.attempt ? observedAttempts(ev.opening, samples, prev) : null;
  const untilWords = step.untilStimulusEnds && ev.stimulusEnd !== null ? (step.untilWords ?? 'until the stimulus ended') : '';
  for (const s of samples) {
    if (s.at > end) break;
    unobserved = Math.max(unobserved, s.at - prevObs);
    if (unobserved > ev.maxGapMs)
      return {
        done: true,
        verdict: 'inconclusive',
        reason: `no reading for ${sec(unobserved)} at ${sec(Math.max(0, prevObs - ev.clockStart))} into the window (more than the ${sec(ev.maxGapMs)} the result can claim): the lock may have changed unseen`,
      };
    prevObs = s.sentAt;
    const r = interpretInputs(ev.opening, s.values);
    const lock = r.lockStatus.ok ? r.lockStatus.value : null;
    const t = s.at - ev.clockStart;
    const resolution = s.at - (prev && s === samples[0] ? prev.sentAt : prevObs);
    if (s.at < ev.clockStart) continue;
    if (lock !== want) {
      if (want === 'secured' && step.attempt && rexAtStart)
        return {
          done: true,
          verdict: 'inconclusive',
          reason: `read ${lock} ${sec(t)} into the window, but REX was already active when lock power was dropped: the REX may have released the lock while it still had power. Let the door relock, wait for the prompt, then press REX; retest`,
        };
      const attempts = observed ?? (ev.attemptReportedAt !== null ? [ev.attemptReportedAt] : []);
      const lastAttempt = attempts.filter((a) => a <= s.at).pop();
      const after =
        lastAttempt !== undefined
          ? ` — ${sec(s.at - lastAttempt)} after a release was attempted with power dropped: the lock still had power (stuck relay or bypassed wiring) or it is not installed ${want === 'secured' ? 'fail-secure' : 'as scheduled'}`
          : '';
      const diagnosis =
        after && want === 'secured'
          ? ' (it released when a release was attempted with power dropped: lock power was not cut — stuck relay or bypassed wiring)'
          : '';
      return {
        ...missed(
          step,
          `read ${lock} ${sec(t)} into the ${sec(end - ev.clockStart)} window${after}`,
          t,
          Math.max(0, resolution),
          diagnosis,
        ),
        attemptAt: lastAttempt ?? null,
      };
    }
    if (want === 'secured' && r.dps.ok && r.dps.value === 'open')
      return missed(step, `the door opened ${sec(t)} into the ${sec(end - ev.clockStart)} window`, t, Math.max(0, resolution));
  }
  const lastAt = samples.length ? samples[samples.length - 1]!.at : ev.stepStart;
  if (lastAt < end) return watching();
  if (end < ev.clockStart + step.ms)
    return {
      done: true,
      verdict: 'inconclusive',
      reason: `the stimulus lasted only ${sec(end - ev.clockStart)} of the ${sec(step.ms)} this window needs (the PD's timer was too short: raise the PD timer margin)`,
    };
  const judged = samples.filter((s) => s.at <= end);
  unobserved = Math.max(unobserved, end - prevObs);
  if (unobserved > ev.maxGapMs)
    return {
      done: true,
      verdict: 'inconclusive',
      reason: `no reading for ${sec(unobserved)} at the end of the window (more than the ${sec(ev.maxGapMs)} the result can claim): the lock may have changed unseen`,
    };
  const span = sec(end - ev.clockStart);
  const claim = `readings at most ${sec(unobserved)} apart: a ${want === 'secured' ? 'release' : 'relock'} shorter than that could go unseen`;
  if (!step.attempt)
    return {
      done: true,
      verdict: 'pass',
      reason: `stayed ${want} for the whole ${span} window${untilWords ? `, ${untilWords}` : ''} (${judged.length} readings; ${claim})`,
      resolutionMs: unobserved,
    };
  // Hold: a release must have been attempted with power dropped, and the last attempt watched long enough.
  const reported = ev.attemptReportedAt;
  const attempts = observed ?? (reported !== null ? [reported] : []);
  if (attempts.length === 0)
    return {
      done: true,
      verdict: 'inconclusive',
      reason:
        observed !== null && reported !== null
          ? `stayed ${want} for ${span}, but the REX input never went active: the release attempt the technician reported is not evidence where the PD can see REX (a credential does not show on the REX input). Press the REX button; retest`
          : `stayed ${want} for ${span}, but no release was attempted with power dropped — without it the test cannot show that power was really cut (a stuck relay would pass)`,
    };
  const last = attempts[attempts.length - 1]!;
  if (last > end)
    return { done: true, verdict: 'inconclusive', reason: `the release attempt came after the ${span} window had ended`, attemptAt: last };
  if (last + ev.attemptWatchMs > end)
    return {
      done: true,
      verdict: 'inconclusive',
      reason: `the last release attempt came too late: only ${sec(end - last)} of the ${sec(ev.attemptWatchMs)} the lock must be watched after it fit before power returned. Press REX earlier in the window; retest`,
      attemptAt: last,
    };
  const person = observed === null;
  return {
    done: true,
    verdict: 'pass',
    reason: `stayed ${want} for the whole ${span} window with power off (${judged.length} readings; ${claim}), including ${sec(end - last)} after the last release attempt${person ? ' (reported by the technician: REX is not wired, so the attempt is their word)' : ' (REX seen active)'}`,
    resolutionMs: unobserved,
    personEvidence: person || undefined,
    attemptAt: last,
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
