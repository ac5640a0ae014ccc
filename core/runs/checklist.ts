// An opening's checklist and person-checked procedures, pure: what the checklist shows
// for each applicable procedure (steps, and why one cannot run here), which answers a
// checklist item needs, and the step records and verdict its answers make. The runs
// handlers read and write the rows.
import type { Answer, PlannedProcedure, StepDef } from '../procedures';
import type { Opening } from '../schedule/types';
import { combineSteps, judgeConfirm, type ProcedureVerdict } from '../verdicts/judge';
import type { StepRecord } from './machine';

export interface StepView {
  id: string;
  kind: StepDef['kind'];
  title: string;
  /** The question (confirm) or instruction (action) shown to the technician. */
  text: string | null;
  /** Watch windows and output durations, ms. */
  ms: number | null;
}

export function stepView(s: StepDef): StepView {
  return {
    id: s.id,
    kind: s.kind,
    title: s.title,
    text: s.kind === 'confirm' ? s.question : s.kind === 'action' ? s.instruction : null,
    ms: s.kind === 'watch' ? s.ms : s.kind === 'output' ? s.durationMs : null,
  };
}

/** Why a procedure cannot run at this opening (null = it can): an automatic test needs the opening's PD. */
export function blockedReason(o: Opening, p: PlannedProcedure): string | null {
  return p.kind === 'automatic' && o.pd_address === null ? 'the opening has no PD address in the schedule' : null;
}

/** A checklist item is recorded only with every confirmation answered and no answer to a step it does not have. */
export function checklistAnswerProblems(
  procedure: PlannedProcedure,
  answers: Readonly<Record<string, Answer>>,
): { message: string; missing: string[]; unknown: string[] } | null {
  const missing = procedure.steps.filter((s) => s.kind === 'confirm' && !(s.id in answers)).map((s) => s.id);
  const unknown = Object.keys(answers).filter((k) => !procedure.steps.some((s) => s.id === k));
  if (!missing.length && !unknown.length) return null;
  const message = [
    missing.length ? `unanswered: ${missing.join(', ')}` : '',
    unknown.length ? `not steps of ${procedure.id}: ${unknown.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return { message, missing, unknown };
}

/** The step records a checklist item's answers make, all at `at` (ms), each a person's evidence. */
export function checklistRecords(
  procedure: PlannedProcedure,
  answers: Readonly<Record<string, Answer>>,
  at: number,
  note: string | null,
): StepRecord[] {
  const records: StepRecord[] = [];
  procedure.steps.forEach((s, i) => {
    if (s.kind !== 'confirm') return;
    const answer = answers[s.id];
    if (answer === undefined) throw new Error(`checklist step ${s.id} has no answer`);
    const v = judgeConfirm(s, answer);
    records.push({
      procedureId: procedure.id,
      stepId: s.id,
      stepIndex: i,
      kind: 'confirm',
      title: s.title,
      verdict: v.verdict,
      reason: v.reason,
      measuredMs: null,
      resolutionMs: null,
      startedAt: at,
      endedAt: at,
      deficiency: v.deficiency ?? null,
      personEvidence: true,
      evidence: { question: s.question, answer, note },
    });
  });
  return records;
}

/** The verdict of a procedure from its recorded steps. */
export function verdictOfRecords(records: readonly StepRecord[]): ProcedureVerdict {
  return combineSteps(
    records.map((r) => ({
      stepId: r.stepId,
      title: r.title,
      kind: r.kind,
      v: { verdict: r.verdict, reason: r.reason, deficiency: r.deficiency ?? undefined },
    })),
  );
}
