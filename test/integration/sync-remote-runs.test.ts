// Results other devices sent, as the runs views ask for them (syncRemoteLatest), over real
// SQLite files: another laptop's results are built by the real outbox and stored as a pull
// stores them. The latest attempt per opening and procedure wins (a retest replaces the
// earlier verdict, an attempt not ended there shows as not ended), each marked with its
// device and technician, and none of it becomes this laptop's evidence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp } from '../../app/index';
import { ApiError } from '../../app/contract';
import { DEFAULT_SETTINGS, proceduresFor } from '../../core/procedures';
import { createAttempt, createRun } from '../../db/runs';
import { listOpenings } from '../../db/schedule';
import { pullAsRemote } from '../support/remote';
import { makeDevice, recordResults } from '../support/sync';
import { tempDir } from '../support/tmp';

test('syncRemoteLatest: the latest result per opening and procedure from other devices, marked, never counted here', async (t) => {
  const dir = tempDir(t, 'doorcx-remote-runs-');
  const a = await makeDevice(dir, null, 'A');
  const c = await makeDevice(dir, null, 'C');
  const b = await makeDevice(dir, null, 'B');
  t.after(async () => {
    await a.app.close();
    await c.app.close();
    await b.app.close();
  });
  const openings = listOpenings(a.db, a.siteId);
  const [o0, o1, o2, o3] = openings.map((o) => o.opening_id);
  const procedure = proceduresFor(openings[0]!, DEFAULT_SETTINGS)[0]!.id;

  // A: o0 fail, o1 pass, o2 fail; a day later Ana retests o0 and it passes.
  const day1 = new Date('2026-11-02T08:00:00Z');
  recordResults(a, { attempts: 3, steps: 2, technician: 'Ana', defectEvery: 2, now: day1 });
  recordResults(a, { attempts: 1, steps: 1, technician: 'Ana', now: new Date('2026-11-03T08:00:00Z') });
  // C: Carl started o3 and has not ended it (still running there, or interrupted).
  const runC = createRun(c.db, { siteId: c.siteId, technician: 'Carl', settings: DEFAULT_SETTINGS }, day1);
  const o3Row = listOpenings(c.db, c.siteId)[3]!;
  createAttempt(
    c.db,
    { runId: runC.id, opening: o3Row, plan: proceduresFor(o3Row, DEFAULT_SETTINGS)[0]!, link: null, supersedes: null },
    day1,
  );

  // B, this laptop: its own run fails o1.
  recordResults(b, { attempts: 2, steps: 1, technician: 'Bo', defectEvery: 2, now: day1 });
  const run = (await b.app.call('listRuns', { siteId: b.siteId }))[0]!;
  const own = async () => ({
    runs: await b.app.call('listRuns', { siteId: b.siteId }),
    detail: await b.app.call('getRun', { runId: run.id }),
    rows: await b.app.call('listRunOpenings', { runId: run.id }),
    checklist: await b.app.call('getOpeningChecklist', { runId: run.id, openingId: o1! }),
    summary: await b.app.call('getSiteSummary', { siteId: b.siteId }),
    pending: (await b.app.call('syncStatus', {})).pending,
  });
  const before = await own();
  assert.deepEqual(await b.app.call('syncRemoteLatest', { siteId: b.siteId }), [], 'nothing pulled yet');

  assert.ok(pullAsRemote(a, b, 'Tablet A') > 0);
  assert.ok(pullAsRemote(c, b, 'Tablet C') > 0);

  const latest = await b.app.call('syncRemoteLatest', { siteId: b.siteId });
  assert.deepEqual(
    latest.map((r) => [r.openingId, r.procedureId, r.verdict, r.deviceName, r.technician]),
    [
      [o0, procedure, 'pass', 'Tablet A', 'Ana'],
      [o1, procedure, 'pass', 'Tablet A', 'Ana'],
      [o2, procedure, 'fail', 'Tablet A', 'Ana'],
      [o3, proceduresFor(o3Row, DEFAULT_SETTINGS)[0]!.id, null, 'Tablet C', 'Carl'],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
  );
  assert.equal(latest.find((r) => r.openingId === o0)!.startedAt, '2026-11-03T08:00:00.000Z', 'the retest, not the first try');
  assert.equal(latest.find((r) => r.openingId === o2)!.reason, 'the lock held on power loss');
  // Every attempt is still listed for the Sync page: the retest replaced nothing there.
  assert.equal((await b.app.call('syncRemoteResults', { siteId: b.siteId })).length, 5);

  // One opening only.
  assert.deepEqual(
    (await b.app.call('syncRemoteLatest', { siteId: b.siteId, openingId: o2! })).map((r) => [r.openingId, r.verdict]),
    [[o2, 'fail']],
  );
  assert.deepEqual(await b.app.call('syncRemoteLatest', { siteId: b.siteId, openingId: 'NOPE-1' }), []);

  // This laptop's runs, verdicts, progress, summary and outbox are exactly what they were.
  assert.deepEqual(await own(), before);

  await assert.rejects(b.app.call('syncRemoteLatest', { siteId: 999 }), (e: unknown) => e instanceof ApiError && e.code === 'not-found');
  await assert.rejects(
    b.app.call('syncRemoteLatest', { siteId: b.siteId, openingId: '' }),
    (e: unknown) => e instanceof ApiError && e.code === 'invalid-input' && /openingId/.test(e.message),
  );

  // What was pulled is on disk: the same answer after the laptop restarts.
  const file = `${dir}/B.sqlite`;
  await b.app.close();
  const again = await createApp({ dbFile: file, dataDir: `${dir}/B-data`, sync: false });
  t.after(() => again.close());
  assert.deepEqual(await again.call('syncRemoteLatest', { siteId: b.siteId }), latest);
});
