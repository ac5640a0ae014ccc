// Commissioning runs: the handlers behind app/contract/runs.ts, one named function per
// method, grouped by concern in this folder, each given its dependencies ({ ctx, state })
// explicitly. Procedures run in the background (start-attempt.ts → AttemptRunner); the UI
// follows them through runs:* events and getAttempt. Everything recorded is append-only
// (db/runs). What needs no I/O (status, progress, finding openings, checklist verdicts,
// deficiency rules) is in core/runs.
import { verifyEventLog } from '../../../db/runs';
import type { AppContext } from '../../context';
import type { runsInputs } from '../../contract/runs';
import type { FeatureHandlers } from '../index';
import { abortProcedure, answerPrompt, getAttempt, retest, runProcedure } from './attempts';
import { recordChecklistItem } from './checklist';
import { createDeficiency, fixByRetest, listDeficiencies, setDeficiencyStatus } from './deficiencies';
import { nextOpening } from './next-opening';
import { getOpeningChecklist, listRunOpenings } from './openings';
import { attachPhoto, getPhoto } from './photos';
import { getRun, listRuns, startRun } from './run';
import { createRunsState, type RunsDeps, type RunsState } from './state';

export { closeRunsState, createRunsState, type RunsState } from './state';
export { connectionLink } from './links';

export function createRunsHandlers(ctx: AppContext, state: RunsState = createRunsState()): FeatureHandlers<keyof typeof runsInputs> {
  const deps: RunsDeps = { ctx, state };
  return {
    startRun: (input) => startRun(deps, input),
    listRuns: (input) => listRuns(deps, input),
    getRun: (input) => getRun(deps, input),
    listRunOpenings: (input) => listRunOpenings(deps, input),
    nextOpening: (input) => nextOpening(deps, input),
    getOpeningChecklist: (input) => getOpeningChecklist(deps, input),
    runProcedure: (input) => runProcedure(deps, input),
    answerPrompt: (input) => answerPrompt(deps, input),
    abortProcedure: (input) => abortProcedure(deps, input),
    getAttempt: (input) => getAttempt(deps, input),
    recordChecklistItem: (input) => recordChecklistItem(deps, input),
    retest: (input) => retest(deps, input),
    listDeficiencies: (input) => listDeficiencies(deps, input),
    createDeficiency: (input) => createDeficiency(deps, input),
    setDeficiencyStatus: (input) => setDeficiencyStatus(deps, input),
    fixByRetest: (input) => fixByRetest(deps, input),
    attachPhoto: (input) => attachPhoto(deps, input),
    getPhoto: (input) => getPhoto(deps, input),
    verifyEventLog: () => verifyEventLog(ctx.db),
  };
}
