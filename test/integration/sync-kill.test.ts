// Kill -9 during pushes: the client process repeatedly, then the server process
// repeatedly, then a clean sync; every record is then on the server exactly once.
// SYNC_KILLS sets how many kills of each (default 3 here; `npm run soak:sync` runs 20).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { after, before, test } from 'node:test';
import { runSync } from '../../sync';
import { freePort } from '../../server/postgres';
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

const KILLS = Number(process.env.SYNC_KILLS ?? 3);
const ROOT = new URL('../../', import.meta.url);

let pgc: TestPostgres;
before(async () => {
  pgc = await startTestPostgres();
});
after(async () => {
  await pgc?.stop();
});

/** Spawns a node+tsx child; resolves once a line matches `ready`. */
function spawnChild(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, onLine?: (line: string) => void): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        onLine?.(line);
        if (!done && ready.test(line)) {
          done = true;
          resolve(child);
        }
      }
    });
    child.once('exit', (code) => {
      if (!done) reject(new Error(`child exited (${code}) before ${String(ready)}: ${err}`));
    });
  });
}

async function pgQuery<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`client killed -9 mid-push ${KILLS} times: afterwards every record is on the server once`, async (t) => {
  const dir = tempDir(t, 'doorcx-kill-');
  const databaseUrl = await pgc.newDatabase();
  const server = await startTestServer(pgc, `${dir}/server`, databaseUrl);
  t.after(() => server.close());
  const a = await makeDevice(dir, server, 'A');
  recordResults(a, { attempts: 100 + KILLS * 10, steps: 6, technician: 'Ana', defectEvery: 10, photoBytes: 1000 });
  const dbFile = a.db.file;
  await a.app.close();

  let killsMidPush = 0;
  for (let k = 0; k < KILLS; k++) {
    // Wait for a few acknowledged batches, then kill at a random moment inside the next ones.
    let pushes = 0;
    let synced = false;
    const target = 1 + Math.floor(Math.random() * 3);
    const child = await spawnChild(['test/support/sync-child.ts', dbFile, a.dataDir], {}, /^(push [1-9]|synced)/, (l) => {
      if (l.startsWith('push')) pushes++;
      if (l === 'synced') synced = true;
    });
    while (pushes < target && !synced && child.exitCode === null) await sleep(5);
    await sleep(Math.random() * 40);
    if (!synced) killsMidPush++;
    child.kill('SIGKILL');
    await exited(child);
  }
  assert.ok(killsMidPush >= Math.min(KILLS, 1), 'at least one kill landed while records were still being pushed');

  const again = await makeDevice(dir, null, 'A');
  t.after(() => again.app.close());
  const r = await runSync(again.db, { dataDir: again.dataDir });
  const cmp = await compareWithServer(again.db, databaseUrl);
  assert.deepEqual(cmp.lost, [], '0 lost');
  assert.equal(cmp.extra, 0, '0 duplicated');
  assert.deepEqual(cmp.countsServer, cmp.countsLocal);
  assert.ok(r.pushed > 0, 'the last sync finished what the killed ones left');
});

test(`server killed -9 mid-push ${KILLS} times: afterwards every record is on the server once`, async (t) => {
  const dir = tempDir(t, 'doorcx-kill-');
  const databaseUrl = await pgc.newDatabase();
  const port = await freePort();
  const env = { DATABASE_URL: databaseUrl, DOORCX_ADMIN_TOKEN: 'kill-test-admin' };
  const serveArgs = ['server/main.ts', 'serve', '--data', `${dir}/server`, '--port', String(port)];
  let server = await spawnChild(serveArgs, env, /^LISTENING /);
  t.after(async () => {
    server.kill('SIGKILL');
    await exited(server);
  });
  const url = `http://127.0.0.1:${port}`;
  const a = await makeDevice(dir, { url, adminToken: env.DOORCX_ADMIN_TOKEN }, 'A');
  t.after(() => a.app.close());
  recordResults(a, { attempts: 100 + KILLS * 10, steps: 6, technician: 'Ana', defectEvery: 10, photoBytes: 1000 });

  let refused = 0;
  for (let k = 0; k < KILLS; k++) {
    let pushes = 0;
    const target = 2 + Math.floor(Math.random() * 3);
    const killer = (async () => {
      while (pushes < target) await sleep(2);
      await sleep(Math.random() * 30);
      server.kill('SIGKILL');
    })();
    const result = await runSync(a.db, {
      dataDir: a.dataDir,
      batchRecords: 25,
      timeoutMs: 5000,
      onProgress: (p) => p.phase === 'push' && pushes++,
    }).catch((e: Error) => e);
    if (result instanceof Error) refused++;
    pushes = Infinity;
    await killer;
    await exited(server);
    server = await spawnChild(serveArgs, env, /^LISTENING /);
  }
  assert.ok(refused >= 1, 'syncs were cut by the kills');

  const r = await runSync(a.db, { dataDir: a.dataDir });
  const cmp = await compareWithServer(a.db, databaseUrl);
  assert.deepEqual(cmp.lost, [], '0 lost');
  assert.equal(cmp.extra, 0, '0 duplicated');
  assert.deepEqual(cmp.countsServer, cmp.countsLocal);
  assert.ok(r.pushed > 0);
  // Sanity: the server that survived all this still answers the admin API.
  assert.ok((await admin<unknown[]>({ url, adminToken: env.DOORCX_ADMIN_TOKEN }, 'GET', '/admin/devices')).length === 1);
  // Every photo the server counts as stored is whole: its file hashes to its name.
  const photos = await pgQuery<{ sha256: string }>(databaseUrl, 'SELECT sha256 FROM blobs');
  const local = a.db.prepare<{ sha256: string }>('SELECT DISTINCT sha256 FROM attachments').all();
  assert.equal(photos.length, local.length, 'every photo is on the server');
  for (const { sha256 } of photos)
    assert.equal(
      createHash('sha256')
        .update(readFileSync(join(dir, 'server', 'blobs', sha256.slice(0, 2), sha256)))
        .digest('hex'),
      sha256,
    );
});
