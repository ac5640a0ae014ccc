// The rows a runs call names, or a not-found / validation ApiError that says which.
import { procedureFor, type PlannedProcedure, type ProjectSettings } from '../../../core/procedures';
import type { Opening } from '../../../core/schedule/types';
import { getAttempt, getDeficiency, getRun, type AttemptRow, type DeficiencyRow, type RunRow } from '../../../db/runs';
import { getOpeningById, getSite } from '../../../db/schedule';
import type { Db } from '../../../db/sqlite';
import { ApiError } from '../../contract/errors';

export function siteOrThrow(db: Db, siteId: number) {
  const site = getSite(db, siteId);
  if (!site) throw new ApiError('not-found', `There is no site ${siteId}.`);
  return site;
}

export function runOrThrow(db: Db, runId: number): RunRow {
  const r = getRun(db, runId);
  if (!r) throw new ApiError('not-found', `There is no run ${runId}.`);
  return r;
}

export function openingOrThrow(db: Db, run: RunRow, openingId: string): Opening {
  const o = getOpeningById(db, run.siteId, openingId);
  if (!o) throw new ApiError('not-found', `Opening "${openingId}" is not in this run's site.`);
  return o;
}

export function attemptOrThrow(db: Db, attemptId: number): AttemptRow {
  const a = getAttempt(db, attemptId);
  if (!a) throw new ApiError('not-found', `There is no attempt ${attemptId}.`);
  return a;
}

export function deficiencyOrThrow(db: Db, deficiencyId: number): DeficiencyRow {
  const d = getDeficiency(db, deficiencyId);
  if (!d) throw new ApiError('not-found', `There is no deficiency ${deficiencyId}.`);
  return d;
}

/** The procedure planned for the opening, or a validation error saying why it does not apply. */
export function planOrThrow(o: Opening, procedureId: string, settings: ProjectSettings): PlannedProcedure {
  try {
    return procedureFor(o, procedureId, settings);
  } catch (err) {
    throw new ApiError('validation', (err as Error).message);
  }
}
