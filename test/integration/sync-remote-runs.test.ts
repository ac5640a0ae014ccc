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
import { join } from 'node:path';
import type { RemoteResult } from '../../core/sync/state';
import { loadMigrations, migrate } from '../../db/migrate';
import { openSqlite } from '../../db/sqlite';
import { getOrigin, nextBatch, readCursors, snapshot } from '../../sync/outbox';
import { listRemoteAttempts, listRemoteLatest, REMOTE_ATTEMPTS, storePulled } from '../../sync/remote';
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

// What the runs views read before migration 012: every field by json_extract of the body.
const BY_JSON_EXTRACT = `
  WITH attempts AS (
    SELECT CASE kind WHEN 'attempt' THEN uuid ELSE json_extract(body, '$.attempt_uuid') END AS uuid,
      max(CASE kind WHEN 'attempt' THEN json_extract(body, '$.opening_id') END) AS openingId,
      max(CASE kind WHEN 'attempt' THEN json_extract(body, '$.procedure_id') END) AS procedureId,
      max(CASE kind WHEN 'attempt' THEN json_extract(body, '$.started_at') END) AS startedAt,
      max(CASE kind WHEN 'attempt' THEN json_extract(body, '$.run_uuid') END) AS runUuid,
      max(CASE kind WHEN 'attempt' THEN device_name END) AS deviceName,
      max(CASE kind WHEN 'attempt' THEN server_seq END) AS server_seq,
      max(CASE kind WHEN 'attempt-end' THEN json_extract(body, '$.verdict') END) AS verdict,
      max(CASE kind WHEN 'attempt-end' THEN json_extract(body, '$.reason') END) AS reason
    FROM sync_remote_records WHERE kind IN ('attempt', 'attempt-end') GROUP BY 1 HAVING server_seq IS NOT NULL)
  SELECT a.uuid, a.openingId, a.procedureId, a.startedAt, a.verdict, a.reason, coalesce(json_extract(r.body, '$.technician'), '') AS technician,
    a.deviceName FROM attempts a LEFT JOIN sync_remote_records r ON r.uuid = a.runUuid AND r.kind = 'run' ORDER BY a.server_seq`;

test('records pulled before migration 012 get its columns on upgrade; the runs views then read what json_extract read', async (t) => {
  const dir = tempDir(t, 'doorcx-remote-012-');
  const a = await makeDevice(dir, null, 'A');
  t.after(() => a.app.close());
  recordResults(a, { attempts: 12, steps: 2, technician: 'Ana', defectEvery: 3 });
  // A laptop still on the migrations before 012, with A's records pulled the way it stored them then.
  const old = openSqlite(join(dir, 'old.sqlite'));
  t.after(() => old.close());
  migrate(
    old,
    loadMigrations().filter((m) => m.version < 12),
  );
  const site = Number(old.prepare("INSERT INTO sites (name, created_at, updated_at) VALUES ('Demo', 'now', 'now')").run().lastInsertRowid);
  old.prepare("INSERT INTO sync_sites (site_id, server_site) VALUES (?, 'srv')").run(site);
  a.db.prepare("INSERT INTO sync_sites (site_id, server_site) VALUES (?, 'srv')").run(a.siteId);
  const batch = nextBatch(a.db, getOrigin(a.db), readCursors(a.db, 'x'), snapshot(a.db), 1e9, 1e12);
  const insert = old.prepare(
    'INSERT OR IGNORE INTO sync_remote_records (uuid, server_seq, kind, server_site, device_name, body) VALUES (?, ?, ?, ?, ?, ?)',
  );
  batch.records.forEach((r, i) => insert.run(r.uuid, i + 1, r.kind, r.site, 'Tablet A', JSON.stringify(r.body)));
  const before = old.prepare<RemoteResult>(BY_JSON_EXTRACT).all();
  assert.equal(before.length, 12);

  assert.deepEqual(migrate(old).applied, ['012_sync_remote_columns']);
  assert.deepEqual(listRemoteAttempts(old, site), before, 'the same answer from the extracted columns');
  assert.equal(listRemoteLatest(old, site).length, new Set(before.map((r) => `${r.openingId} ${r.procedureId}`)).size);
  // The views read the covering index, never the rows that hold the bodies.
  const plan = old
    .prepare<{ detail: string }>(`EXPLAIN QUERY PLAN ${REMOTE_ATTEMPTS} SELECT * FROM remote`)
    .all({ siteId: site })
    .map((r) => r.detail)
    .join('\n');
  assert.match(plan, /SEARCH sync_remote_records USING COVERING INDEX sync_remote_attempts/, plan);
});

test('pulled records store the fields the runs views read exactly as json_extract gives them, whatever their JSON type', async (t) => {
  const dir = tempDir(t, 'doorcx-remote-012-');
  const db = openSqlite(join(dir, 'x.sqlite'));
  t.after(() => db.close());
  migrate(db);
  const odd = [
    { uuid: 'r1', seq: 1, kind: 'run', site: 's', deviceName: 'T', body: { technician: 'Zoë "Z"' } },
    {
      uuid: 'a1',
      seq: 2,
      kind: 'attempt',
      site: 's',
      deviceName: 'T',
      body: { opening_id: 101, procedure_id: true, started_at: null, run_uuid: 'r1', extra: [1] },
    },
    { uuid: 'a2', seq: 3, kind: 'attempt', site: 's', deviceName: 'T', body: { opening_id: { x: [1, 'é'] }, procedure_id: 1.5 } },
    { uuid: 'e1', seq: 4, kind: 'attempt-end', site: 's', deviceName: 'T', body: { attempt_uuid: 'a1', verdict: false, reason: ['x'] } },
    { uuid: 'x1', seq: 5, kind: 'step-result', site: 's', deviceName: 'T', body: { opening_id: 'not read' } },
  ];
  storePulled(db, odd);
  storePulled(db, [{ ...odd[0]!, body: { technician: 'someone else' } }]); // already here: kept as it was
  const rows = db
    .prepare<Record<string, unknown>>(
      `SELECT uuid, attempt_uuid, opening_id, procedure_id, started_at, run_uuid, verdict, reason, technician,
         CASE kind WHEN 'attempt' THEN uuid WHEN 'attempt-end' THEN json_extract(body, '$.attempt_uuid') END AS x_attempt_uuid,
         CASE kind WHEN 'attempt' THEN json_extract(body, '$.opening_id') END AS x_opening_id,
         CASE kind WHEN 'attempt' THEN json_extract(body, '$.procedure_id') END AS x_procedure_id,
         CASE kind WHEN 'attempt' THEN json_extract(body, '$.started_at') END AS x_started_at,
         CASE kind WHEN 'attempt' THEN json_extract(body, '$.run_uuid') END AS x_run_uuid,
         CASE kind WHEN 'attempt-end' THEN json_extract(body, '$.verdict') END AS x_verdict,
         CASE kind WHEN 'attempt-end' THEN json_extract(body, '$.reason') END AS x_reason,
         CASE kind WHEN 'run' THEN json_extract(body, '$.technician') END AS x_technician
       FROM sync_remote_records ORDER BY server_seq`,
    )
    .all();
  assert.equal(rows.length, 5);
  for (const r of rows)
    for (const col of ['attempt_uuid', 'opening_id', 'procedure_id', 'started_at', 'run_uuid', 'verdict', 'reason', 'technician'])
      assert.deepEqual(r[col], r[`x_${col}`], `${String(r.uuid)}.${col}`);
  assert.equal(rows[0]!.technician, 'Zoë "Z"');
});
