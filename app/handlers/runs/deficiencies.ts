// Deficiencies: list, record one by hand, change its status (fixed only by a passing
// retest of the same opening; accepted by the AHJ only with a note), and close at once
// those a passing retest fixed. The rules are pure (core/runs/deficiencies.ts); every
// change is a new status row (append-only).
import { fixedByRetest, retestNote, retestProblem } from '../../../core/runs/deficiencies';
import {
  createDeficiency as insertDeficiency,
  currentStatus,
  listDeficiencies as listDeficiencyRows,
  setDeficiencyStatus as appendStatus,
} from '../../../db/runs';
import { getOpeningById } from '../../../db/schedule';
import type { ParsedInput } from '../../contract';
import { ApiError } from '../../contract/errors';
import type { Deficiency } from '../../contract/runs';
import { attemptOrThrow, deficiencyOrThrow, runOrThrow, siteOrThrow } from './lookup';
import type { RunsDeps } from './state';
import { deficiencyView } from './views';

export function listDeficiencies({ ctx }: RunsDeps, input: ParsedInput<'listDeficiencies'>): Deficiency[] {
  return listDeficiencyRows(ctx.db, { siteId: input.siteId, runId: input.runId, openingId: input.openingId })
    .map((d) => deficiencyView(ctx.db, d))
    .filter((d) => input.status === undefined || d.status === input.status);
}

export function createDeficiency({ ctx }: RunsDeps, input: ParsedInput<'createDeficiency'>): Deficiency {
  const db = ctx.db;
  siteOrThrow(db, input.siteId);
  if (!getOpeningById(db, input.siteId, input.openingId))
    throw new ApiError('not-found', `Opening "${input.openingId}" is not in this site's schedule: check the door tag.`);
  if (input.runId !== undefined && runOrThrow(db, input.runId).siteId !== input.siteId)
    throw new ApiError('validation', `Run ${input.runId} belongs to another site.`);
  const d = insertDeficiency(
    db,
    {
      siteId: input.siteId,
      runId: input.runId ?? null,
      openingId: input.openingId,
      procedureId: null,
      stepResultId: null,
      severity: input.severity,
      description: input.description,
      source: 'manual',
      createdBy: input.createdBy,
    },
    ctx.now(),
  );
  return deficiencyView(db, d);
}

export function setDeficiencyStatus({ ctx }: RunsDeps, input: ParsedInput<'setDeficiencyStatus'>): Deficiency {
  const db = ctx.db;
  const d = deficiencyOrThrow(db, input.deficiencyId);
  if (input.status === 'accepted-by-ahj' && !input.note.trim())
    throw new ApiError('validation', 'Acceptance by the AHJ needs a note: who accepted what, and when.', [
      { field: 'note', reason: 'required' },
    ]);
  let retest: number | null = null;
  if (input.status === 'fixed-retested') {
    if (input.retestAttemptId === undefined)
      throw new ApiError('validation', 'Fixed-retested needs the passing retest attempt.', [
        { field: 'retestAttemptId', reason: 'required' },
      ]);
    const a = attemptOrThrow(db, input.retestAttemptId);
    const problem = retestProblem(a, d);
    if (problem) throw new ApiError('validation', problem);
    retest = a.id;
  }
  const row = appendStatus(
    db,
    { deficiencyId: d.id, status: input.status, note: input.note, by: input.by, retestAttemptId: retest },
    ctx.now(),
  );
  return deficiencyView(db, row);
}

export function fixByRetest({ ctx }: RunsDeps, input: ParsedInput<'fixByRetest'>): Deficiency[] {
  const db = ctx.db;
  const a = attemptOrThrow(db, input.attemptId);
  if (a.end?.verdict !== 'pass')
    throw new ApiError('validation', 'Only a passing test can close deficiencies: this one did not pass, so they stay open.');
  const run = runOrThrow(db, a.runId);
  const atOpening = listDeficiencyRows(db, { siteId: run.siteId, openingId: a.openingId }).map((row) => ({
    row,
    source: row.source,
    procedureId: row.procedureId,
    status: currentStatus(row).status,
  }));
  const fixed = fixedByRetest(atOpening, a);
  const note = input.note || retestNote(a.plan.title, a.end.endedAt);
  return db.transaction(() =>
    fixed.map(({ row }) =>
      deficiencyView(
        db,
        appendStatus(db, { deficiencyId: row.id, status: 'fixed-retested', note, by: input.by, retestAttemptId: a.id }, ctx.now()),
      ),
    ),
  );
}
