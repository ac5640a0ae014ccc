// Runs: start one (the project's code edition and thresholds, checked), list them,
// and a run's detail (progress by floor, interrupted attempts, open deficiencies).
import { resolveSettings, SettingsError, type ProjectSettings } from '../../../core/procedures';
import { countBySeverity } from '../../../core/runs/deficiencies';
import { progressByFloor } from '../../../core/runs/progress';
import { createRun, currentStatus, listDeficiencies, listRuns as listRunRows, unfinishedAttempts } from '../../../db/runs';
import type { ParsedInput } from '../../contract';
import { ApiError } from '../../contract/errors';
import type { RunDetail, RunSummary } from '../../contract/runs';
import { runOrThrow, siteOrThrow } from './lookup';
import type { RunsDeps } from './state';
import { attemptSummary, openingRows, runSummary } from './views';

export function startRun({ ctx }: RunsDeps, input: ParsedInput<'startRun'>): RunSummary {
  const site = siteOrThrow(ctx.db, input.siteId);
  let settings: ProjectSettings;
  try {
    settings = resolveSettings(input.settings ?? {});
  } catch (err) {
    if (err instanceof SettingsError) throw new ApiError('validation', err.message, err.issues);
    throw err;
  }
  return runSummary(ctx.db, createRun(ctx.db, { siteId: site.id, technician: input.technician, settings }, ctx.now()));
}

export function listRuns({ ctx }: RunsDeps, input: ParsedInput<'listRuns'>): RunSummary[] {
  return listRunRows(ctx.db, input.siteId).map((r) => runSummary(ctx.db, r));
}

export function getRun({ ctx, state }: RunsDeps, input: ParsedInput<'getRun'>): RunDetail {
  const run = runOrThrow(ctx.db, input.runId);
  const rows = openingRows(ctx.db, run);
  const open = listDeficiencies(ctx.db, { siteId: run.siteId, runId: run.id }).filter((d) => currentStatus(d).status === 'open');
  return {
    run: runSummary(ctx.db, run, rows),
    byFloor: progressByFloor(rows),
    interrupted: unfinishedAttempts(ctx.db, run.id)
      .filter((a) => !state.active.has(a.id))
      .map((a) => attemptSummary(state, a)),
    openDeficiencies: open.length,
    openDeficienciesBySeverity: countBySeverity(open),
  };
}
