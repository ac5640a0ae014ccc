// A run's openings: the list with each one's status (route list, tables) and one
// opening's checklist (the expected mode and why first, rule findings, applicable
// procedures with their latest attempt, deficiencies).
import { proceduresFor } from '../../../core/procedures';
import { blockedReason, stepView } from '../../../core/runs/checklist';
import { latestByProcedure, modeReason, openingProgress, requiredProcedureIds } from '../../../core/runs/progress';
import { evaluateOpening } from '../../../core/rules';
import { listAttempts, listDeficiencies } from '../../../db/runs';
import type { ParsedInput } from '../../contract';
import type { ChecklistProcedure, OpeningChecklist, OpeningProgressRow } from '../../contract/runs';
import { openingOrThrow, runOrThrow } from './lookup';
import type { RunsDeps } from './state';
import { attemptSummary, deficiencyView, openingRows } from './views';

export function listRunOpenings({ ctx }: RunsDeps, input: ParsedInput<'listRunOpenings'>): OpeningProgressRow[] {
  const run = runOrThrow(ctx.db, input.runId);
  return openingRows(ctx.db, run).filter(
    (r) => (input.floor === undefined || r.floor === input.floor) && (input.status === undefined || r.status === input.status),
  );
}

export function getOpeningChecklist({ ctx, state }: RunsDeps, input: ParsedInput<'getOpeningChecklist'>): OpeningChecklist {
  const db = ctx.db;
  const run = runOrThrow(db, input.runId);
  const o = openingOrThrow(db, run, input.openingId);
  const attempts = listAttempts(db, run.id, o.opening_id);
  const latest = latestByProcedure(attempts);
  const required = requiredProcedureIds(o);
  const procedures: ChecklistProcedure[] = proceduresFor(o, run.settings).map((p) => {
    const blocked = blockedReason(o, p);
    const last = latest.get(p.id);
    return {
      id: p.id,
      title: p.title,
      kind: p.kind,
      required: required.has(p.id),
      requirementIds: p.requirementIds,
      citation: p.citation,
      reason: p.reason,
      criteria: p.criteria,
      steps: p.steps.map(stepView),
      latest: last ? attemptSummary(state, last) : null,
      runnable: blocked === null,
      blockedReason: blocked,
    };
  });
  const defs = listDeficiencies(db, { siteId: run.siteId, openingId: o.opening_id }).map((d) => deficiencyView(db, d));
  return {
    runId: run.id,
    opening: o,
    expectedMode: o.fail_mode,
    modeReason: modeReason(o),
    findings: evaluateOpening(o),
    status: openingProgress(o, run.settings, attempts, defs.filter((d) => d.status === 'open').length).status,
    procedures,
    deficiencies: defs,
  };
}
