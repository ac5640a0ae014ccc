// Starting an automatic test: refuse what cannot run (a checklist item, no PD address,
// the PD busy with another test, a PD that does not answer), resume an interrupted
// attempt of the same procedure at its interrupted step, else create a new attempt;
// then hand it to an AttemptRunner in the background. The UI follows it through
// runs:* events and getAttempt.
import type { PlannedProcedure } from '../../../core/procedures';
import type { PromptAnswer } from '../../../core/runs/machine';
import type { Opening } from '../../../core/schedule/types';
import { createAttempt, getAttempt, unfinishedAttempts, type RunRow } from '../../../db/runs';
import type { ApiEvents } from '../../contract';
import { ApiError } from '../../contract/errors';
import type { AttemptSummary } from '../../contract/runs';
import { AttemptRunner } from '../../runner/driver';
import { linkFor, requireOnline, type LinkInput } from './links';
import type { RunsDeps } from './state';
import { attemptSummary } from './views';

export async function startAttempt(
  deps: RunsDeps,
  run: RunRow,
  opening: Opening,
  procedure: PlannedProcedure,
  input: { link?: LinkInput; answers?: Record<string, PromptAnswer>; supersedes: number | null },
): Promise<AttemptSummary> {
  const { ctx, state } = deps;
  const db = ctx.db;
  if (procedure.kind !== 'automatic')
    throw new ApiError('validation', `"${procedure.id}" is a checklist item: record it with recordChecklistItem.`);
  const address = opening.pd_address;
  if (address === null)
    throw new ApiError(
      'validation',
      `Opening ${opening.opening_id} has no PD address: bind it in the schedule before testing over the controller.`,
    );
  const link = await linkFor(deps, run, opening, input.link);
  for (const a of state.active.values())
    if (a.address === address && a.link.controller === link.controller)
      throw new ApiError('conflict', `A test is already running on PD address ${address}: stop it or wait for its result.`);
  await requireOnline(state, link, opening, address);
  // An interrupted attempt of the same procedure resumes at its interrupted step instead of starting over.
  const interrupted =
    input.supersedes === null
      ? unfinishedAttempts(db, run.id).find(
          (a) => a.openingId === opening.opening_id && a.procedureId === procedure.id && !state.active.has(a.id),
        )
      : undefined;
  const attempt =
    interrupted ??
    createAttempt(db, { runId: run.id, opening, plan: procedure, link: link.description, supersedes: input.supersedes }, ctx.now());
  const runner = new AttemptRunner(
    {
      db,
      io: link.controller,
      technician: run.technician,
      emit: (topic, event) => {
        // The attempt is no longer running once it has ended: free its PD before anyone hears it ended.
        if (topic === 'runs:attempt' && (event as { status: string }).status !== 'running') {
          state.active.delete(attempt.id);
          // Stop polling a PD this feature attached only for the test (a bus polling every PD it ever touched
          // slows every later reading); the app's own controller connection is left as it is.
          if (link.key !== 'controller-connection') link.controller.detach(address);
        }
        ctx.events.emit(topic, event as ApiEvents[typeof topic]);
      },
    },
    run,
    attempt,
    { recover: interrupted !== undefined, preAnswers: input.answers },
  );
  state.active.set(attempt.id, { runner, link, address });
  ctx.events.emit('runs:attempt', {
    runId: run.id,
    attemptId: attempt.id,
    openingId: attempt.openingId,
    procedureId: attempt.procedureId,
    status: 'running',
    verdict: null,
    reason: null,
    warning: interrupted ? 'Resuming an interrupted test: lock power may still be dropped until the PD’s timer ends.' : null,
  });
  runner.done
    .catch((err: unknown) => {
      ctx.events.emit('runs:attempt', {
        runId: run.id,
        attemptId: attempt.id,
        openingId: attempt.openingId,
        procedureId: attempt.procedureId,
        status: 'interrupted',
        verdict: null,
        reason: `the runner stopped: ${(err as Error).message}`,
        warning: null,
      });
    })
    .finally(() => state.active.delete(attempt.id));
  return attemptSummary(state, getAttempt(db, attempt.id)!);
}
