// Person-checked procedures (checklist items): recorded at once from the technician's
// answers, each answer a step with its verdict, the attempt ended with their combined
// verdict, all in one transaction. The judging is pure (core/runs/checklist.ts).
import type { Answer, PlannedProcedure } from '../../../core/procedures';
import { checklistAnswerProblems, checklistRecords, verdictOfRecords } from '../../../core/runs/checklist';
import { latestByProcedure } from '../../../core/runs/progress';
import type { Opening } from '../../../core/schedule/types';
import { createAttempt, endAttempt, getAttempt, listAttempts, recordStep, type RunRow } from '../../../db/runs';
import type { ParsedInput } from '../../contract';
import { ApiError } from '../../contract/errors';
import type { AttemptDetail } from '../../contract/runs';
import { openingOrThrow, planOrThrow, runOrThrow } from './lookup';
import type { RunsDeps } from './state';
import { attemptDetail } from './views';

/** Records a checklist item; `supersedes` = the attempt it replaces (null: the opening's latest of that procedure). */
export function recordChecklist(
  { ctx, state }: RunsDeps,
  run: RunRow,
  opening: Opening,
  procedure: PlannedProcedure,
  answers: Record<string, Answer>,
  supersedes: number | null,
  note?: string,
): AttemptDetail {
  const db = ctx.db;
  if (procedure.kind !== 'checklist') throw new ApiError('validation', `"${procedure.id}" is an automatic test: run it with runProcedure.`);
  const problems = checklistAnswerProblems(procedure, answers);
  if (problems) throw new ApiError('validation', problems.message, { missing: problems.missing, unknown: problems.unknown });
  const previous = supersedes ?? latestByProcedure(listAttempts(db, run.id, opening.opening_id)).get(procedure.id)?.id ?? null;
  const t = ctx.now();
  const attempt = createAttempt(db, { runId: run.id, opening, plan: procedure, link: null, supersedes: previous }, t);
  const records = checklistRecords(procedure, answers, t.getTime(), note ?? null);
  db.transaction(() => {
    for (const record of records) recordStep(db, { run, attempt, record, by: run.technician }, t);
    const v = verdictOfRecords(records);
    endAttempt(db, attempt, v.verdict, v.reason, t);
  });
  return attemptDetail(db, state, getAttempt(db, attempt.id)!);
}

export function recordChecklistItem(deps: RunsDeps, input: ParsedInput<'recordChecklistItem'>): AttemptDetail {
  const run = runOrThrow(deps.ctx.db, input.runId);
  const o = openingOrThrow(deps.ctx.db, run, input.openingId);
  return recordChecklist(deps, run, o, planOrThrow(o, input.procedureId, run.settings), input.answers, null, input.note);
}
