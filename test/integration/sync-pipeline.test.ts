// Pushes in flight together (the laptop sends the next batch before the previous one is
// acknowledged), against a real server on PostgreSQL: a later batch that overtakes an
// earlier one is sent again once that one is acknowledged; a laptop killed with several
// batches in flight resends what was not acknowledged; either way every record ends up on
// the server exactly once. Also: bad input inside a large push and a photo whose bytes do
// not match its name are refused naming what is at fault.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { MAX_PHOTO_BATCH_BYTES, PHOTO_BATCH_MAX_PHOTOS, PHOTO_BATCH_TARGET_BYTES, photoHeader } from '../../core/sync/photo-batch';
import { MAX_PHOTO_BYTES } from '../../core/sync/wire';
import { runSync, SyncHttpError } from '../../sync';
import { api } from '../../sync/http';
import { getOrigin, nextBatch, readCursors, snapshot } from '../../sync/outbox';
import { fetchOffers, publishUnlinkedSites } from '../../sync/schedule';
import { getEnrolment } from '../../sync/state';
import { compareWithServer, makeDevice, recordResults, startTestPostgres, startTestServer, type TestPostgres } from '../support/sync';
import { tempDir } from '../support/tmp';

let pgc: TestPostgres;
before(async () => {
  pgc = await startTestPostgres();
});
after(async () => {
  await pgc?.stop();
});

async function count(url: string, sql: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(sql)).rows[0]!.n);
  } finally {
    await c.end();
  }
}

/**
 * A loopback proxy in front of the server that holds the first push back until the
 * second push has been answered, so the second reaches the server first. Records the
 * status of every push answer in order.
 */
async function overtakingProxy(target: string): Promise<{ url: string; statuses: number[]; close(): Promise<void> }> {
  const statuses: number[] = [];
  let pushes = 0;
  let releaseFirst!: () => void;
  const secondAnswered = new Promise<void>((r) => (releaseFirst = r));
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, onStatus?: (s: number) => void) => {
    const up = request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (upRes) => {
      onStatus?.(upRes.statusCode!);
      res.writeHead(upRes.statusCode!, upRes.headers);
      upRes.pipe(res);
      upRes.on('end', () => onStatus && pushes >= 2 && statuses.length >= 1 && releaseFirst());
    });
    up.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url !== '/v1/push') return forward(req, body, res);
      const n = ++pushes;
      const onStatus = (s: number) => statuses.push(s);
      if (n === 1) void secondAnswered.then(() => forward(req, body, res, onStatus));
      else forward(req, body, res, onStatus);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    statuses,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A fresh database on the file's cluster and a server on it, closed when the test ends. */
async function freshServer(t: { after: (fn: () => unknown) => void }) {
  const dir = tempDir(t, 'doorcx-pipe-');
  const databaseUrl = await pgc.newDatabase();
  const server = await startTestServer(pgc, `${dir}/server`, databaseUrl);
  t.after(() => server.close());
  return { dir, databaseUrl, server };
}

test('a later batch that reaches the server before the one it depends on is sent again after it; every record is there once', async (t) => {
  const { dir, databaseUrl, server } = await freshServer(t);
  const proxy = await overtakingProxy(server.url);
  t.after(() => proxy.close());
  const a = await makeDevice(dir, { url: proxy.url, adminToken: server.adminToken }, 'A');
  t.after(() => a.app.close());
  recordResults(a, { attempts: 30, steps: 3, technician: 'Ana', defectEvery: 4, photoBytes: 700 });

  const r = await runSync(a.db, { dataDir: a.dataDir, batchRecords: 40, pushesInFlight: 2 });
  // The second batch (attempts of the run in the first) arrived first and was refused for
  // its missing parents; the first was then stored, and the second sent again.
  assert.equal(proxy.statuses[0], 422, 'the overtaking batch was refused');
  // Two pushes in flight may also race on the server later (the second checked before the first
  // commits): those are refused and sent again too. Nothing else is refused, and nothing is lost
  // or doubled (below).
  assert.ok(
    proxy.statuses.every((s) => s === 200 || s === 422),
    `only overtaking batches are refused: ${proxy.statuses.join(' ')}`,
  );
  assert.equal(proxy.statuses.at(-1), 200, 'the last push was taken');
  assert.equal(r.duplicates, 0);
  const cmp = await compareWithServer(a.db, databaseUrl);
  assert.deepEqual(cmp.lost, [], '0 lost');
  assert.equal(cmp.extra, 0, '0 duplicated');
  assert.deepEqual(cmp.countsServer, cmp.countsLocal);
  assert.equal(
    r.pushed,
    Object.values(cmp.countsLocal).reduce((x, y) => x + y, 0),
    'each record inserted once, none acknowledged twice',
  );
});

test('a laptop killed -9 with several pushes in flight resends what was not acknowledged; every record is there once', async (t) => {
  const { dir, databaseUrl, server } = await freshServer(t);
  const a = await makeDevice(dir, server, 'A');
  recordResults(a, { attempts: 120, steps: 6, technician: 'Ana', defectEvery: 10, photoBytes: 1000 });
  const dbFile = a.db.file;
  await a.app.close();

  let killedMidPush = 0;
  for (let k = 0; k < 3; k++) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/sync-child.ts', dbFile, a.dataDir], {
      cwd: new URL('../../', import.meta.url),
      env: { ...process.env, SYNC_PUSHES_IN_FLIGHT: '4' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    // Killed right after an acknowledgement: the batches sent behind it are still in flight.
    await new Promise<void>((resolve) => {
      const target = 2 + k * 3;
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const acks = out.split('\n').filter((l) => l.startsWith('push ')).length;
        if (acks >= target || out.includes('synced')) resolve();
      });
      child.once('exit', () => resolve());
    });
    if (!out.includes('synced')) killedMidPush++;
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
  }
  assert.ok(killedMidPush >= 1, 'a kill landed while batches were in flight');

  const again = await makeDevice(dir, null, 'A');
  t.after(() => again.app.close());
  const r = await runSync(again.db, { dataDir: again.dataDir, pushesInFlight: 3, batchRecords: 30 });
  assert.ok(r.pushed + r.duplicates > 0, 'the last sync had work left');
  const cmp = await compareWithServer(again.db, databaseUrl);
  assert.deepEqual(cmp.lost, [], '0 lost');
  assert.equal(cmp.extra, 0, '0 duplicated');
  assert.deepEqual(cmp.countsServer, cmp.countsLocal);
});

test('a push with one malformed record among thousands is refused naming that record and field; nothing is stored', async (t) => {
  const { dir, databaseUrl, server } = await freshServer(t);
  const a = await makeDevice(dir, server, 'A');
  t.after(() => a.app.close());
  recordResults(a, { attempts: 400, steps: 6, technician: 'Ana' });
  const e = getEnrolment(a.db)!;
  const c = { url: e.serverUrl, token: e.token };
  await fetchOffers(a.db, c);
  assert.equal(await publishUnlinkedSites(a.db, c), 1, 'the site is on the server; none of its records yet');
  const origin = getOrigin(a.db);
  const batch = nextBatch(a.db, origin, readCursors(a.db, e.deviceId), snapshot(a.db), 5000, 32 * 1024 * 1024);
  assert.ok(batch.records.length > 3000);
  const before = await count(databaseUrl, 'SELECT count(*) AS n FROM records');
  const at = 2718;
  const cases: [string, (r: Record<string, unknown>) => void, RegExp][] = [
    ['uuid', (r) => (r.uuid = 'not-a-uuid'), new RegExp(`records\\.${at}\\.uuid: must be a lower-case UUID`)],
    ['refs', (r) => (r.refs = [42]), new RegExp(`records\\.${at}\\.refs\\.0`)],
    ['kind', (r) => (r.kind = 'photo'), new RegExp(`records\\.${at}\\.kind`)],
  ];
  for (const [what, spoil, reason] of cases) {
    const records = batch.records.map((r, i) => (i === at ? { ...r } : r));
    spoil(records[at] as unknown as Record<string, unknown>);
    const err = await api.push(c, { origin, records }).catch((x: unknown) => x);
    assert.ok(err instanceof SyncHttpError, what);
    assert.equal(err.status, 400, what);
    assert.match(err.message, reason, what);
  }
  const events = batch.records.map((r) => (r.kind === 'event' && r.body.seq === 5 ? { ...r, body: { ...r.body, hash: 'X' } } : r));
  const at5 = events.findIndex((r) => r.kind === 'event' && r.body.seq === 5);
  const err = await api.push(c, { origin, records: events }).catch((x: unknown) => x);
  assert.ok(err instanceof SyncHttpError);
  assert.equal(err.status, 400);
  assert.match(err.message, new RegExp(`records\\.${at5}\\.body\\.hash: must be 64 lower-case hex digits`));
  assert.equal(await count(databaseUrl, 'SELECT count(*) AS n FROM records'), before, 'nothing stored');
  // The same push unspoilt goes through.
  const ok = await api.push(c, { origin, records: batch.records });
  assert.equal(ok.inserted, batch.records.length);
});

test('a photo whose bytes do not hash to its name is refused naming the photo, and stores nothing; the right bytes are then taken', async (t) => {
  const { dir, databaseUrl, server } = await freshServer(t);
  const a = await makeDevice(dir, server, 'A');
  t.after(() => a.app.close());
  const e = getEnrolment(a.db)!;
  const c = { url: e.serverUrl, token: e.token };
  const bytes = Buffer.alloc(200 * 1024, 7);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const flipped = Buffer.from(bytes);
  flipped[123_456] = flipped[123_456]! ^ 1; // one bit, deep inside
  const err = await api.putPhoto(c, sha, flipped).catch((x: unknown) => x);
  assert.ok(err instanceof SyncHttpError);
  assert.equal(err.status, 400);
  assert.equal(err.code, 'hash-mismatch');
  assert.match(err.message, new RegExp(`Photo ${sha}`), 'names the photo');
  assert.match(err.message, /nothing was stored/);
  assert.equal(await count(databaseUrl, 'SELECT count(*) AS n FROM blobs'), 0);
  assert.deepEqual(await api.missingPhotos(c, [sha]), { missing: [sha] });
  assert.deepEqual(await api.putPhoto(c, sha, bytes), { sha256: sha, stored: true });
  const back = Buffer.from(
    await (await fetch(new URL(`/v1/blobs/${sha}`, c.url), { headers: { authorization: `Bearer ${c.token}` } })).arrayBuffer(),
  );
  assert.ok(back.equals(bytes), 'the stored photo is the bytes sent');
});

/** A photo and its name (SHA-256). */
const photoOf = (bytes: Buffer) => ({ bytes, sha: createHash('sha256').update(bytes).digest('hex') });
/** Photos as one batch upload (core/sync/photo-batch.ts). */
const batch = (photos: { sha: string; bytes: Buffer }[]) =>
  Buffer.concat(photos.flatMap((p) => [Buffer.from(photoHeader(p.sha, p.bytes.length)), p.bytes]));

test('photos go up in batches: one already there is read past, a wrong one is refused by name while the right ones are kept, a broken header names its byte', async (t) => {
  const { dir, databaseUrl, server } = await freshServer(t);
  const a = await makeDevice(dir, server, 'A');
  t.after(() => a.app.close());
  const e = getEnrolment(a.db)!;
  const c = { url: e.serverUrl, token: e.token };
  const photo = (n: number, size: number) => photoOf(Buffer.alloc(size, n));
  const stored = async (sha: string) =>
    Buffer.from(await (await fetch(new URL(`/v1/blobs/${sha}`, c.url), { headers: { authorization: `Bearer ${c.token}` } })).arrayBuffer());

  // Sizes that split headers and photos across network chunks, an empty photo among them.
  const first = [photo(1, 300 * 1024), photo(2, 0), photo(3, 65_537), photo(4, 1)];
  assert.deepEqual(await api.putPhotos(c, batch(first)), { stored: 4, present: 0 });
  for (const p of first) assert.ok((await stored(p.sha)).equals(p.bytes), 'each photo is stored as its bytes');
  assert.deepEqual(
    await api.missingPhotos(
      c,
      first.map((p) => p.sha),
    ),
    { missing: [] },
  );

  // Photo 2 of the next batch is there already; photo 4 does not hash to its name.
  const fifth = photo(5, 200 * 1024);
  const wrong = photo(6, 200 * 1024);
  const flipped = Buffer.from(wrong.bytes);
  flipped[150_000] = flipped[150_000]! ^ 1;
  const last = photo(7, 10);
  const err = await api
    .putPhotos(c, batch([fifth, first[0]!, photo(8, 5000), { sha: wrong.sha, bytes: flipped }, last]))
    .catch((x: unknown) => x);
  assert.ok(err instanceof SyncHttpError);
  assert.equal(err.status, 400);
  assert.equal(err.code, 'hash-mismatch');
  assert.match(err.message, new RegExp(`Photo 4 of the batch \\(${wrong.sha}\\)`), 'names the photo');
  const missing = await api.missingPhotos(c, [fifth.sha, photo(8, 5000).sha, wrong.sha, last.sha]);
  assert.deepEqual(missing, { missing: [wrong.sha] }, 'every photo that matches its name is kept, the wrong one is not');
  const { readdirSync } = await import('node:fs');
  const files = readdirSync(`${dir}/server/blobs`, { recursive: true }).map(String);
  assert.ok(!files.some((f) => f.endsWith('.part')), 'no partial file is left behind');
  assert.ok(!files.some((f) => f.endsWith(wrong.sha)), "nothing is stored under the wrong photo's name");

  // A header that is not "<sha256> <size>": refused naming where it is.
  const broken = Buffer.concat([batch([last]), Buffer.from('not a header\n')]);
  const bad = await api.putPhotos(c, broken).catch((x: unknown) => x);
  assert.ok(bad instanceof SyncHttpError);
  assert.equal(bad.status, 400);
  assert.match(bad.message, new RegExp(`photo 2: the header before byte ${broken.length} is not`));
  assert.deepEqual(await api.missingPhotos(c, [last.sha]), { missing: [] }, 'the photo before the broken header is kept');
  assert.equal(await count(databaseUrl, 'SELECT count(*) AS n FROM blobs'), 7, 'photos 1–5, 7 and 8 are recorded, the wrong one is not');
});

test('a photo batch over its limits is cut off with 413: at most 200 photos, and 8 MB plus one largest photo; the photos within the limits are kept', async (t) => {
  const { dir, databaseUrl, server } = await freshServer(t);
  const a = await makeDevice(dir, server, 'A');
  t.after(() => a.app.close());
  const e = getEnrolment(a.db)!;
  const c = { url: e.serverUrl, token: e.token };

  /** Sends a batch over a limit: refused with 413 naming the limit, and of its photos only `missing` not stored. */
  const overLimit = async (photos: { sha: string; bytes: Buffer }[], limit: string, missing: string[], why?: string) => {
    const refused = await api.putPhotos(c, batch(photos)).catch((x: unknown) => x);
    assert.ok(refused instanceof SyncHttpError);
    assert.equal(refused.status, 413);
    assert.match(refused.message, new RegExp(limit));
    assert.deepEqual(
      await api.missingPhotos(
        c,
        photos.map((p) => p.sha),
      ),
      { missing },
      why,
    );
  };

  const many = Array.from({ length: PHOTO_BATCH_MAX_PHOTOS + 1 }, (_, i) => photoOf(Buffer.from(`photo ${i}`)));
  await overLimit(many, `at most ${PHOTO_BATCH_MAX_PHOTOS} photos`, [many[PHOTO_BATCH_MAX_PHOTOS]!.sha]);

  const big = [
    photoOf(Buffer.alloc(MAX_PHOTO_BYTES, 1)),
    photoOf(Buffer.alloc(PHOTO_BATCH_TARGET_BYTES, 2)),
    photoOf(Buffer.alloc(1024 * 1024, 3)),
  ];
  await overLimit(
    big,
    `at most ${MAX_PHOTO_BATCH_BYTES} bytes`,
    [big[2]!.sha],
    'the photos that end within the limit are kept, whatever chunks the bytes arrived in',
  );
  assert.equal(await count(databaseUrl, 'SELECT count(*) AS n FROM blobs'), PHOTO_BATCH_MAX_PHOTOS + 2);
});
