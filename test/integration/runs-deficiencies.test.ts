// Deficiencies over repeated attempts, through the real handlers and the demo
// site's simulated controller: a repeat failure is a new occurrence of the open
// deficiency (not a duplicate); a passing retest closes them "fixed — retested"
// in one step; a failure after that is a new deficiency again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createApp, type App } from '../../app/index';
import { DEMO_SITE_NAME } from '../../app/demo';
import { getSiteByName } from '../../db/schedule';
import { tempDir } from '../support/tmp';
import { FAST } from '../support/runs-technician';

async function finished(app: App, attemptId: number) {
  for (let i = 0; i < 1000; i++) {
    const a = await app.handlers.getAttempt({ attemptId });
    if (a.status !== 'running') return a;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`attempt ${attemptId} did not finish`);
}

test('repeat failures are occurrences of one deficiency; a passing retest closes it in one step', async (t) => {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;
  const run = await app.handlers.startRun({ siteId, technician: 'Ana', settings: FAST });
  const powerDrop = { runId: run.id, openingId: '1-102', procedureId: 'power-drop', link: { kind: 'simulated' } as const };
  const defsAt = async () => (await app.handlers.listDeficiencies({ siteId, openingId: '1-102' })).filter((d) => d.source === 'step');

  // 1-102 is installed fail-secure: it fails, and fails again on the retest.
  const first = await app.handlers.runProcedure({ ...powerDrop, answers: { 'door-opened': 'no' } });
  assert.equal((await finished(app, first.id)).verdict, 'fail');
  const [created] = await defsAt();
  assert.ok(created);
  const second = await app.handlers.retest({ attemptId: first.id, link: { kind: 'simulated' }, answers: { 'door-opened': 'no' } });
  const secondDone = await finished(app, second.id);
  assert.equal(secondDone.verdict, 'fail');
  const defs = await defsAt();
  assert.equal(defs.length, 1, 'the repeat failure adds no identical deficiency');
  assert.equal(defs[0]!.id, created.id);
  assert.deepEqual(
    defs[0]!.occurrences.map((o) => o.attemptId),
    [second.id],
    'the repeat failure is an occurrence of the open deficiency',
  );
  assert.ok(
    secondDone.steps.some((s) => s.verdict === 'fail' && s.deficiencyId === created.id),
    'the failing step points at the deficiency it repeats',
  );

  // A failed attempt cannot close anything.
  await assert.rejects(app.call('fixByRetest', { attemptId: second.id, by: 'Ana' }), /Only a passing test can close deficiencies/);

  // Rewired fail-safe: the retest passes and closes the deficiency in one step, citing the retest.
  app.runs.links.get(`simulated:site-${siteId}`)!.sim!.control({ action: 'set-faults', openingId: '1-102', faults: {} });
  const third = await app.handlers.retest({ attemptId: second.id, link: { kind: 'simulated' }, answers: { 'door-opened': 'yes' } });
  assert.equal((await finished(app, third.id)).verdict, 'pass');
  const closed = await app.handlers.fixByRetest({ attemptId: third.id, by: 'Ana', note: '' });
  assert.deepEqual(
    closed.map((d) => [d.id, d.status, d.history.at(-1)?.retestAttemptId]),
    [[created.id, 'fixed-retested', third.id]],
  );
  assert.match(closed[0]!.statusNote, /retest passed/);
  assert.deepEqual(await app.handlers.fixByRetest({ attemptId: third.id, by: 'Ana', note: '' }), [], 'nothing left to close');

  // Miswired again later: a new deficiency, the closed one stays closed.
  app.runs.links
    .get(`simulated:site-${siteId}`)!
    .sim!.control({ action: 'set-faults', openingId: '1-102', faults: { modeOpposite: true } });
  const fourth = await app.handlers.retest({ attemptId: third.id, link: { kind: 'simulated' }, answers: { 'door-opened': 'no' } });
  assert.equal((await finished(app, fourth.id)).verdict, 'fail');
  const after = await defsAt();
  assert.equal(after.length, 2);
  assert.deepEqual(
    after.map((d) => d.status),
    ['fixed-retested', 'open'],
  );
  assert.ok((await app.handlers.verifyEventLog({})).ok, 'occurrences are in the hash chain');
});
