// "Stop test" in every state of the runner, over the real app handlers and the
// in-process simulated controller: waiting for a person to cut power by hand,
// the precheck against a PD that stopped answering, the watch window after the
// power drop, an open question, the restore wait, resuming after a crash. Each time Stop must answer
// (a liveness bound, not a benchmark), end the attempt inconclusive "stopped by
// the technician", and put lock power back where DoorCx dropped it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createApp, type App } from '../../app/index';
import type { AttemptSummary, RunsEvents } from '../../app/contract/runs';
import { DEMO_SITE_NAME } from '../../app/demo';
import { procedureFor } from '../../core/procedures';
import { createAttempt, getRun } from '../../db/runs';
import { getOpeningById, getSiteByName } from '../../db/schedule';
import { tempDir } from '../support/tmp';
import { FAST } from '../support/runs-technician';

/** Stop must answer within this; a frozen backend never answers at all. */
const STOP_ANSWER_LIMIT_MS = 1000;

function within<T>(p: T | Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    Promise.resolve(p).then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (err: Error) => {
        clearTimeout(t);
        reject(err);
      },
    );
  });
}

/** Resolves at the first runner event that matches (the state Stop is pressed in). */
function when<T extends keyof RunsEvents>(app: App, topic: T, match: (e: RunsEvents[T]) => boolean): Promise<RunsEvents[T]> {
  return new Promise((resolve) => {
    const off = app.ctx.events.onAny((tp, e) => {
      if (tp === topic && match(e as RunsEvents[T])) {
        off();
        resolve(e as RunsEvents[T]);
      }
    });
  });
}

async function setup(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;
  const run = await app.handlers.startRun({ siteId, technician: 'Ana', settings: FAST });
  return { app, siteId, run };
}

async function stopAndCheck(app: App, attemptId: number): Promise<AttemptSummary> {
  const stopped = await within(app.handlers.abortProcedure({ attemptId }), STOP_ANSWER_LIMIT_MS, 'Stop');
  assert.equal(stopped.status, 'finished');
  assert.equal(stopped.verdict, 'inconclusive');
  assert.match(stopped.reason ?? '', /^stopped by the technician/);
  // Stop is idempotent: a second press (double tap, a late click) answers with the same ended attempt.
  const again = await within(app.handlers.abortProcedure({ attemptId }), STOP_ANSWER_LIMIT_MS, 'a second Stop');
  assert.equal(again.reason, stopped.reason);
  return stopped;
}

function simOf(app: App, siteId: number) {
  const sim = app.runs.links.get(`simulated:site-${siteId}`)?.sim;
  assert.ok(sim, 'the simulated link is open');
  return sim;
}

test('Stop while the runner waits for the technician to cut lock power by hand (no lock output wired)', async (t) => {
  const { app, siteId, run } = await setup(t);
  const o = await app.handlers.getOpening({ siteId, openingId: '1-101' });
  await app.handlers.updateOpening({ siteId, openingId: '1-101', changes: { lock_output: null }, editor: 'Ana', baseVersion: o.version });
  const prompt = when(app, 'runs:prompt', (e) => e.open && e.prompt.kind === 'action');
  const a = await app.handlers.runProcedure({ runId: run.id, openingId: '1-101', procedureId: 'power-drop', link: { kind: 'simulated' } });
  assert.match((await prompt).prompt.text, /Cut lock power/);
  const closed = when(app, 'runs:prompt', (e) => !e.open && e.attemptId === a.id);
  await stopAndCheck(app, a.id);
  await within(closed, STOP_ANSWER_LIMIT_MS, 'the prompt closing');
  // Other requests are served (the backend is not spinning).
  await within(
    Promise.resolve().then(() => app.handlers.listRuns({ siteId })),
    STOP_ANSWER_LIMIT_MS,
    'listRuns after Stop',
  );
});

test('Stop after the technician cut power by hand reminds them to restore it at the power supply', async (t) => {
  const { app, siteId, run } = await setup(t);
  const o = await app.handlers.getOpening({ siteId, openingId: '1-101' });
  await app.handlers.updateOpening({ siteId, openingId: '1-101', changes: { lock_output: null }, editor: 'Ana', baseVersion: o.version });
  const prompt = when(app, 'runs:prompt', (e) => e.open && e.prompt.kind === 'action');
  const a = await app.handlers.runProcedure({ runId: run.id, openingId: '1-101', procedureId: 'power-drop', link: { kind: 'simulated' } });
  const p = await prompt;
  const watching = when(app, 'runs:step', (e) => e.attemptId === a.id && e.phase === 'started' && e.kind === 'watch');
  assert.deepEqual(await app.handlers.answerPrompt({ attemptId: a.id, promptId: p.prompt.id, answer: 'done' }), { accepted: true });
  await watching;
  const stopped = await stopAndCheck(app, a.id);
  assert.match(stopped.reason ?? '', /restore it at the power supply/);
});

test('Stop while the precheck waits on a PD that stopped answering', async (t) => {
  const { app, siteId, run } = await setup(t);
  // Open the simulated link with a first (finished) read, then silence the PD.
  const first = await app.handlers.runProcedure({
    runId: run.id,
    openingId: '1-101',
    procedureId: 'power-drop',
    link: { kind: 'simulated' },
  });
  await app.handlers.abortProcedure({ attemptId: first.id });
  // The PD goes silent just as the precheck starts (after the start's own check that it answers).
  const sim = simOf(app, siteId);
  const reading = when(app, 'runs:step', (e) => {
    const hit = e.phase === 'started' && e.kind === 'precheck';
    if (hit) sim.control({ action: 'set-faults', openingId: '1-101', faults: { pd: 'silent' } });
    return hit;
  });
  const a = await app.handlers.retest({ attemptId: first.id, link: { kind: 'simulated' } });
  await reading;
  await new Promise((r) => setTimeout(r, 150)); // the read is now in flight against a silent PD (it retries for ~2 s)
  const stopped = await stopAndCheck(app, a.id);
  assert.doesNotMatch(stopped.reason ?? '', /restored/, 'nothing was dropped, so nothing is claimed restored');
});

for (const state of ['watch', 'question', 'restore'] as const) {
  test(`Stop during the ${state === 'watch' ? 'watch window after the power drop' : state === 'question' ? 'open question' : 'wait for the PD timer'} restores lock power`, async (t) => {
    const { app, siteId, run } = await setup(t);
    const reached =
      state === 'watch'
        ? when(app, 'runs:step', (e) => e.phase === 'started' && e.kind === 'watch')
        : state === 'question'
          ? when(app, 'runs:prompt', (e) => e.open && e.prompt.kind === 'confirm')
          : // The PD timer runs out during the fail-safe "stays released until lock power returns" watch.
            when(app, 'runs:step', (e) => e.phase === 'started' && e.stepId === 'stay-released');
    const question = when(app, 'runs:prompt', (e) => e.open && e.prompt.kind === 'confirm');
    const a = await app.handlers.runProcedure({
      runId: run.id,
      openingId: '1-101',
      procedureId: 'power-drop',
      link: { kind: 'simulated' },
    });
    // To reach the restore wait the door question is answered at once (the door does open: 1-101 is good).
    if (state === 'restore') await app.handlers.answerPrompt({ attemptId: a.id, promptId: (await question).prompt.id, answer: 'yes' });
    await reached;
    const sim = simOf(app, siteId);
    assert.equal(sim.doorState('1-101').lockRelayOn, false, 'lock power is dropped (PD-timed) at this point');
    const stopped = await stopAndCheck(app, a.id);
    assert.match(stopped.reason ?? '', /DoorCx restored lock power/);
    assert.equal(sim.doorState('1-101').lockRelayOn, true, 'lock power is back before the PD timer would have ended it');
    const steps = (await app.handlers.getAttempt({ attemptId: a.id })).steps;
    assert.ok(
      steps.every((s) => s.stepId !== 'relock'),
      'no step after Stop was run or recorded',
    );
  });
}

test('Stop while a test interrupted by a crash is being resumed (the recovery notice is open)', async (t) => {
  const { app, siteId, run } = await setup(t);
  // An attempt left unfinished, as a crash leaves it: the next start of the same test resumes it.
  const db = app.ctx.db;
  const opening = getOpeningById(db, siteId, '1-101')!;
  const plan = procedureFor(opening, 'power-drop', getRun(db, run.id)!.settings);
  const left = createAttempt(db, { runId: run.id, opening, plan, link: 'simulated controller', supersedes: null }, new Date());
  const recovering = when(app, 'runs:prompt', (e) => e.open && e.prompt.kind === 'warning');
  const resumed = await app.handlers.runProcedure({
    runId: run.id,
    openingId: '1-101',
    procedureId: 'power-drop',
    link: { kind: 'simulated' },
  });
  assert.equal(resumed.id, left.id, 'the interrupted attempt is resumed, not replaced');
  await recovering;
  await stopAndCheck(app, left.id);
  assert.equal(simOf(app, siteId).doorState('1-101').lockRelayOn, true);
});
