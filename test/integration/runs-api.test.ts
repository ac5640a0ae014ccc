// The runs API end to end through app.call (zod validation included) on a real
// SQLite file with the in-process simulated controller: progress by floor, next
// opening by tag / search / route, checklist with the expected mode first,
// checklist items, a failed test's deficiency through to fixed-retested (with a
// passing retest) or AHJ acceptance, photos stored beside the database by hash,
// and the event-log check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../app/index';
import type { AttemptSummary } from '../../app/contract/runs';
import { DEMO_SITE_NAME } from '../../app/demo';
import { getSiteByName } from '../../db/schedule';
import { tempDir } from '../support/tmp';
import { FAST } from '../support/runs-technician';

async function finished(app: Awaited<ReturnType<typeof createApp>>, attemptId: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const a = (await app.call('getAttempt', { attemptId })) as AttemptSummary;
    if (a.status !== 'running') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`attempt ${attemptId} did not finish`);
}

test('runs API: progress, next opening, checklist, deficiencies, photos, event log', async (t) => {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;

  await assert.rejects(
    app.call('startRun', { siteId, technician: 'Ana', settings: { thresholds: { releaseMs: -5 } } }),
    /invalid-input|releaseMs/,
  );
  await assert.rejects(
    app.call('startRun', { siteId, technician: 'Ana', settings: { thresholds: { manualReleaseHoldMs: 5000 } } }),
    /SR-4 minimum/,
  );
  const run = await app.call('startRun', { siteId, technician: 'Ana', settings: FAST });
  assert.equal(run.progress.remaining, run.progress.total);

  // Finding the next opening: scanned tag, search, floor route.
  const byTag = await app.call('nextOpening', { runId: run.id, tag: 'DOORCX:1-102' });
  assert.equal(byTag.next?.openingId, '1-102');
  const bySearch = await app.call('nextOpening', { runId: run.id, search: 'server' });
  assert.equal(bySearch.next?.openingId, '2-201');
  const route = await app.call('nextOpening', { runId: run.id, floor: '1', afterOpeningId: '1-100' });
  assert.equal(route.next?.openingId, '1-101');

  // The checklist shows the expected mode and why first, and every procedure with its citation.
  const cl = await app.call('getOpeningChecklist', { runId: run.id, openingId: '1-102' });
  assert.equal(cl.expectedMode, 'fail-safe');
  assert.match(cl.modeReason, /fail-safe.*fire alarm/);
  const pd = cl.procedures.find((p) => p.id === 'power-drop')!;
  assert.ok(pd.required && pd.runnable && pd.citation.includes('1010.2.11'));
  assert.ok(
    cl.procedures.some((p) => p.id === 'check-nfpa80'),
    'a 90-minute rated door gets the NFPA 80 items',
  );

  // A miswired door fails with a deficiency; a person-checked item is recorded.
  const a1 = await app.call('runProcedure', {
    runId: run.id,
    openingId: '1-102',
    procedureId: 'power-drop',
    link: { kind: 'simulated' },
    answers: { 'door-opened': 'no' },
  });
  await finished(app, a1.id);
  const done1 = (await app.call('getAttempt', { attemptId: a1.id })) as AttemptSummary;
  assert.equal(done1.verdict, 'fail');
  await assert.rejects(
    app.call('recordChecklistItem', { runId: run.id, openingId: '1-102', procedureId: 'check-mode-label', answers: {} }),
    /unanswered: mode-label/,
  );
  await app.call('recordChecklistItem', {
    runId: run.id,
    openingId: '1-102',
    procedureId: 'check-mode-label',
    answers: { 'mode-label': 'no' },
    note: 'label says FAIL SECURE',
  });

  const defs = await app.call('listDeficiencies', { siteId, openingId: '1-102' });
  assert.equal(defs.length, 2, 'one per risk: the power-drop failure and the label');
  const d = defs[0]!;
  assert.equal(d.status, 'open');
  assert.equal(d.severity, 'life-safety');

  // Photos: stored beside the database, referenced by sha256, same bytes twice = one file.
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const photo = (await app.call('attachPhoto', {
    deficiencyId: d.id,
    fileName: 'label.png',
    mimeType: 'image/png',
    contentBase64: png.toString('base64'),
  })) as { sha256: string };
  assert.ok(existsSync(join(dir, 'attachments', photo.sha256)));
  const back = (await app.call('getPhoto', { sha256: photo.sha256 })) as { contentBase64: string };
  assert.equal(back.contentBase64, png.toString('base64'));
  await assert.rejects(
    app.call('attachPhoto', { deficiencyId: d.id, fileName: 'x.png', mimeType: 'image/png', contentBase64: '***' }),
    /base64/,
  );

  // Fixed-retested needs a passing retest; the failed attempt does not qualify; AHJ acceptance needs a note.
  await assert.rejects(
    app.call('setDeficiencyStatus', { deficiencyId: d.id, status: 'fixed-retested', by: 'Ana', retestAttemptId: a1.id }),
    /did not pass/,
  );
  await assert.rejects(app.call('setDeficiencyStatus', { deficiencyId: d.id, status: 'accepted-by-ahj', by: 'Ana' }), /needs a note/);
  // The electrician rewires the lock fail-safe; the retest supersedes the failed attempt.
  const sim = simOf(app, siteId);
  sim.control({ action: 'set-faults', openingId: '1-102', faults: {} });
  const retest = await app.call('retest', {
    attemptId: a1.id,
    link: { kind: 'simulated' },
    answers: { 'door-opened': 'yes' },
  });
  assert.equal(retest.supersedes, a1.id);
  await finished(app, retest.id);
  assert.equal(((await app.call('getAttempt', { attemptId: retest.id })) as AttemptSummary).verdict, 'pass');
  const fixed = await app.call('setDeficiencyStatus', {
    deficiencyId: d.id,
    status: 'fixed-retested',
    note: 'rewired fail-safe',
    by: 'Ana',
    retestAttemptId: retest.id,
  });
  assert.deepEqual(
    fixed.history.map((h) => h.status),
    ['open', 'fixed-retested'],
  );
  const old = (await app.call('getAttempt', { attemptId: a1.id })) as AttemptSummary;
  assert.equal(old.supersededBy, retest.id, 'the failed attempt is kept, superseded');

  const detail = await app.call('getRun', { runId: run.id });
  assert.equal(detail.run.progress.tested, 1);
  assert.equal(detail.byFloor.find((f) => f.floor === '1')!.tested, 1);
  const check = (await app.call('verifyEventLog', {})) as { ok: boolean; count: number };
  assert.ok(check.ok && check.count > 10);
});

/** The simulated site behind the run's simulated link (opened by the first simulated procedure). */
function simOf(app: Awaited<ReturnType<typeof createApp>>, siteId: number) {
  const sim = app.runs.links.get(`simulated:site-${siteId}`)?.sim;
  assert.ok(sim, 'the simulated link is open');
  return sim;
}
