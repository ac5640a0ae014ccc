// Automatic tests from the UI: run one, answer its prompts, stop it, read it, and
// retest (a new attempt that supersedes the old one, which is kept).
import type { ParsedInput } from '../../contract';
import { ApiError } from '../../contract/errors';
import type { AttemptDetail, AttemptSummary } from '../../contract/runs';
import { recordChecklist } from './checklist';
import { attemptOrThrow, openingOrThrow, planOrThrow, runOrThrow } from './lookup';
import { startAttempt } from './start-attempt';
import type { RunsDeps } from './state';
import { attemptDetail, attemptSummary } from './views';

export async function runProcedure(deps: RunsDeps, input: ParsedInput<'runProcedure'>): Promise<AttemptSummary> {
  const run = runOrThrow(deps.ctx.db, input.runId);
  const o = openingOrThrow(deps.ctx.db, run, input.openingId);
  const procedure = planOrThrow(o, input.procedureId, run.settings);
  return startAttempt(deps, run, o, procedure, { link: input.link, answers: input.answers, supersedes: null });
}

export function answerPrompt({ state }: RunsDeps, input: ParsedInput<'answerPrompt'>): { accepted: boolean } {
  const a = state.active.get(input.attemptId);
  if (!a) throw new ApiError('conflict', `Attempt ${input.attemptId} is not running.`);
  return { accepted: a.runner.answer(input.promptId, input.answer) };
}

export async function abortProcedure({ ctx, state }: RunsDeps, input: ParsedInput<'abortProcedure'>): Promise<AttemptSummary> {
  const a = state.active.get(input.attemptId);
  // Stop on a test that has just ended (a double tap, a late click) answers with how it ended.
  if (!a) return attemptSummary(state, attemptOrThrow(ctx.db, input.attemptId));
  a.runner.abort();
  await a.runner.done.catch(() => undefined);
  return attemptSummary(state, attemptOrThrow(ctx.db, input.attemptId));
}

export function getAttempt({ ctx, state }: RunsDeps, input: ParsedInput<'getAttempt'>): AttemptDetail {
  return attemptDetail(ctx.db, state, attemptOrThrow(ctx.db, input.attemptId));
}

export async function retest(deps: RunsDeps, input: ParsedInput<'retest'>): Promise<AttemptSummary> {
  const { ctx, state } = deps;
  const old = attemptOrThrow(ctx.db, input.attemptId);
  if (state.active.has(old.id)) throw new ApiError('conflict', `Attempt ${old.id} is still running.`);
  const run = runOrThrow(ctx.db, old.runId);
  const o = openingOrThrow(ctx.db, run, old.openingId);
  const p = planOrThrow(o, old.procedureId, run.settings);
  if (p.kind === 'checklist') {
    if (!input.answers) throw new ApiError('validation', 'A checklist retest needs the answers.');
    return attemptSummary(state, attemptOrThrow(ctx.db, recordChecklist(deps, run, o, p, input.answers, old.id).id));
  }
  return startAttempt(deps, run, o, p, { link: input.link, answers: input.answers, supersedes: old.id });
}
