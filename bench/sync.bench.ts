// Sync figures (printed, never asserted), over loopback against a fresh server (its own
// process, as deployed) on an embedded PostgreSQL: push of 10,000 attempts (~60,000 step results, 2,000 photos of
// 200 KB) from one laptop; an idle sync; pulling a 50,000-opening schedule; and, for
// comparison, the same record rows written into the same PostgreSQL by COPY (in every
// run) and by batched INSERT (once). The machine may be shared, so each push run also
// prints the CPU time of the laptop side, the server process and PostgreSQL, and the
// figures are medians of SYNC_BENCH_RUNS runs (default 3), each a fresh database and
// server with a copy of the same laptop, started once what earlier runs wrote is on disk.
// ATTEMPTS=n scales the push case. SYNC_BENCH_CACHE=DIR keeps the generated laptop there
// and reuses it (generation takes longer than the push). SYNC_BENCH_PROF=DIR writes
// --cpu-prof profiles of the server process there.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DEMO_CSV } from '../app/demo';
import { listOpenings } from '../db/schedule';
import { listOffers, acceptOffer, runSync } from '../sync';
import { freePort } from '../server/postgres';
import { enrollDevice } from '../sync';
import { admin, makeDevice, recordResults, startTestPostgres } from '../test/support/sync';

const ATTEMPTS = Number(process.env.ATTEMPTS ?? 10_000);
const RUNS = Number(process.env.SYNC_BENCH_RUNS ?? 3);
const PROF = process.env.SYNC_BENCH_PROF;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The server in its own process, as it runs for real (`npm run server`), on the bench's database. */
async function spawnServer(dataDir: string, databaseUrl: string): Promise<{ url: string; adminToken: string; child: ChildProcess }> {
  const port = await freePort();
  const adminToken = 'bench-admin-token';
  const prof = PROF ? ['--cpu-prof', '--cpu-prof-dir', PROF] : [];
  // Exactly as `npm run server` starts it (its Node flags included).
  const [node, ...flags] = (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { server: string } }
  ).scripts.server.split(' ');
  if (node !== 'node') throw new Error('package.json\'s "server" script no longer starts with node');
  const child = spawn(process.execPath, [...prof, ...flags, 'serve', '--data', dataDir, '--port', String(port)], {
    cwd: new URL('../', import.meta.url),
    env: { ...process.env, DATABASE_URL: databaseUrl, DOORCX_ADMIN_TOKEN: adminToken },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    if (out.includes('LISTENING ')) break;
  }
  if (!out.includes('LISTENING ')) throw new Error(`the server did not start: ${out}`);
  child.stdout.resume();
  return { url: `http://127.0.0.1:${port}`, adminToken, child };
}

function bigSchedule(n: number): string {
  const lines = readFileSync(DEMO_CSV, 'utf8').replace(/\r\n/g, '\n').trimEnd().split('\n');
  const [header, ...rows] = lines;
  const out = [header!];
  for (let i = 0; i < n; i++) {
    const row = rows[i % rows.length]!;
    out.push(`B${Math.floor(i / rows.length)}-${row.slice(0, row.indexOf(','))}${row.slice(row.indexOf(','))}`);
  }
  return `${out.join('\n')}\n`;
}

/** CPU seconds (user + system, with exited children) of a process, from /proc; 0 where there is no /proc. */
const TICK = 100; // USER_HZ on Linux
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14-17 (utime, stime, cutime, cstime) are 11-14 after the name
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
  } catch {
    return 0;
  }
}
/** CPU seconds of the PostgreSQL processes under this one (the embedded cluster and its backends). */
function postgresCpu(): number {
  if (!existsSync('/proc')) return 0;
  const procs = new Map<number, { ppid: number; name: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      procs.set(Number(entry), { ppid, name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // gone meanwhile
    }
  }
  const under = (pid: number): boolean => {
    for (let p = procs.get(pid)?.ppid; p !== undefined && p > 1; p = procs.get(p)?.ppid) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, x] of procs) if (x.name === 'postgres' && under(pid)) total += cpuOf(pid);
  return total;
}
const clientCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const esc = (v: string | null) =>
  v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

interface PushRun {
  wall: number;
  client: number;
  server: number;
  postgres: number;
  photoWait: number;
  copy: number;
  copyPostgres: number;
}

const dir = mkdtempSync(join(tmpdir(), 'doorcx-sync-bench-'));
const pgc = await startTestPostgres();
try {
  console.log(`load average ${loadavg()[0]!.toFixed(1)}`);
  // The laptop, generated once (or taken from SYNC_BENCH_CACHE) and copied for each run.
  const template = process.env.SYNC_BENCH_CACHE ? join(process.env.SYNC_BENCH_CACHE, `laptop-${ATTEMPTS}`) : join(dir, 'template');
  if (!existsSync(join(template, 'A.sqlite'))) {
    mkdirSync(template, { recursive: true });
    const t = await makeDevice(template, null, 'A');
    const t0 = process.hrtime.bigint();
    // One outer transaction: generating the data is not what is measured.
    t.db.transaction(() => recordResults(t, { attempts: ATTEMPTS, steps: 6, technician: 'Ana', defectEvery: 5, photoBytes: 200 * 1024 }));
    console.log(`generated ${ATTEMPTS} attempts on the laptop in ${(ms(t0) / 1000).toFixed(1)} s`);
    await t.app.close();
  }

  const runs: PushRun[] = [];
  let last: { server: Awaited<ReturnType<typeof spawnServer>>; databaseUrl: string; a: Awaited<ReturnType<typeof makeDevice>> } | null =
    null;
  for (let run = 0; run < RUNS; run++) {
    if (last) {
      await last.a.app.close();
      last.server.child.kill('SIGTERM');
      await once(last.server.child, 'exit');
      // Each run starts as quiet as the first: the previous run's database, photos and
      // laptop are removed and everything written is flushed to disk first (otherwise
      // PostgreSQL's checkpoint and autovacuum, and the kernel writing back the last
      // run's 400 MB of photos, ran during the next run).
      const c = new pg.Client({ connectionString: pgc.url });
      await c.connect();
      await c.query(`DROP DATABASE ${new URL(last.databaseUrl).pathname.slice(1)} WITH (FORCE)`);
      await c.end();
      rmSync(join(dir, `server-${run - 1}`), { recursive: true, force: true });
      rmSync(join(dir, `laptop-${run - 1}`), { recursive: true, force: true });
    }
    const laptopDir = join(dir, `laptop-${run}`);
    cpSync(template, laptopDir, { recursive: true });
    const quiet = new pg.Client({ connectionString: pgc.url });
    await quiet.connect();
    await quiet.query('CHECKPOINT');
    await quiet.end();
    execFileSync('sync');
    const databaseUrl = await pgc.newDatabase();
    const server = await spawnServer(join(dir, `server-${run}`), databaseUrl);
    const a = await makeDevice(laptopDir, null, 'A');
    const { code, deviceId } = await admin<{ code: string; deviceId: string }>(server, 'POST', '/admin/devices', { name: 'A' });
    await enrollDevice(a.db, { serverUrl: server.url, code, now: new Date() });
    a.deviceId = deviceId;
    last = { server, databaseUrl, a };

    let waitedForPhotos = 0;
    let photoWaitStart = 0n;
    const cpu0 = { client: clientCpu(), server: cpuOf(server.child.pid!), postgres: postgresCpu() };
    const load = loadavg()[0]!;
    let t0 = process.hrtime.bigint();
    const r = await runSync(a.db, {
      dataDir: a.dataDir,
      onProgress: (p) => {
        // 'photos' is reported only while the push waits for photo uploads to finish.
        if (p.phase === 'photos' && photoWaitStart === 0n) photoWaitStart = process.hrtime.bigint();
        if (p.phase === 'push' && photoWaitStart !== 0n && waitedForPhotos === 0) waitedForPhotos = ms(photoWaitStart);
      },
    });
    const wall = ms(t0);
    const cpu = {
      client: clientCpu() - cpu0.client,
      server: cpuOf(server.child.pid!) - cpu0.server,
      postgres: postgresCpu() - cpu0.postgres,
    };
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    const counts = (await c.query<{ kind: string; n: string }>('SELECT kind, count(*) AS n FROM records GROUP BY kind ORDER BY kind')).rows;
    if (run === 0)
      console.log(
        `\npush: ${r.pushed} records (${counts.map((x) => `${x.n} ${x.kind}`).join(', ')}) and ${r.photosUploaded} photos × 200 KB`,
      );

    // The same rows written by PostgreSQL's own bulk path into a copy of the table.
    const rows = (
      await c.query<{
        uuid: string;
        kind: string;
        site_id: string | null;
        origin: string;
        device_id: string;
        refs: string;
        body: string;
        content_hash: string;
      }>(
        "SELECT uuid, kind, site_id, origin, device_id, array_to_string(refs, ',') AS refs, body::text AS body, content_hash FROM records ORDER BY seq",
      )
    ).rows;
    await c.query('CREATE TABLE records_copy (LIKE records INCLUDING ALL); CREATE TABLE records_insert (LIKE records INCLUDING ALL)');
    const pg0 = postgresCpu();
    t0 = process.hrtime.bigint();
    await pipeline(
      Readable.from(
        (function* () {
          for (const x of rows)
            yield `${[x.uuid, x.kind, x.site_id, x.origin, x.device_id, `{${x.refs}}`, x.body, x.content_hash].map(esc).join('\t')}\n`;
        })(),
      ),
      c.query(copyFrom('COPY records_copy (uuid, kind, site_id, origin, device_id, refs, body, content_hash) FROM STDIN')),
    );
    const copy = ms(t0);
    const copyPostgres = postgresCpu() - pg0;
    runs.push({ wall, ...cpu, photoWait: waitedForPhotos, copy, copyPostgres });
    console.log(
      `run ${run + 1}: push ${(wall / 1000).toFixed(2)} s (waited ${(waitedForPhotos / 1000).toFixed(2)} s for photos); CPU laptop ${cpu.client.toFixed(1)} s, ` +
        `server ${cpu.server.toFixed(1)} s, PostgreSQL ${cpu.postgres.toFixed(1)} s; same rows by bare COPY ${(copy / 1000).toFixed(2)} s ` +
        `(PostgreSQL CPU ${copyPostgres.toFixed(1)} s); load average ${load.toFixed(1)}`,
    );

    if (run === RUNS - 1) {
      t0 = process.hrtime.bigint();
      await c.query('BEGIN');
      for (let i = 0; i < rows.length; i += 5000) {
        const chunk = rows.slice(i, i + 5000);
        await c.query(
          `INSERT INTO records_insert (uuid, kind, site_id, origin, device_id, refs, body, content_hash)
           SELECT u, k, s, o, d, string_to_array(rf, ',')::uuid[], b::jsonb, h FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[]) AS t(u, k, s, o, d, rf, b, h)`,
          [
            chunk.map((x) => x.uuid),
            chunk.map((x) => x.kind),
            chunk.map((x) => x.site_id),
            chunk.map((x) => x.origin),
            chunk.map((x) => x.device_id),
            chunk.map((x) => x.refs),
            chunk.map((x) => x.body),
            chunk.map((x) => x.content_hash),
          ],
        );
      }
      await c.query('COMMIT');
      console.log(`same ${rows.length} rows by batched INSERT (5,000 per statement): ${(ms(t0) / 1000).toFixed(2)} s`);
    }
    await c.end();
  }
  const m = (f: (x: PushRun) => number) => median(runs.map(f));
  console.log(
    `\npush to a fresh server (its own process), median of ${runs.length}: ${(m((x) => x.wall) / 1000).toFixed(2)} s (target ≤ 10 s), ` +
      `bare COPY of the same rows ${(m((x) => x.copy) / 1000).toFixed(2)} s; CPU laptop ${m((x) => x.client).toFixed(1)} s, ` +
      `server ${m((x) => x.server).toFixed(1)} s, PostgreSQL ${m((x) => x.postgres).toFixed(1)} s (bare COPY: ${m((x) => x.copyPostgres).toFixed(1)} s)`,
  );
  const { a, server } = last!;

  const idle: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = process.hrtime.bigint();
    await runSync(a.db, { dataDir: a.dataDir });
    idle.push(ms(t0));
  }
  console.log(`idle sync (nothing new): median ${median(idle).toFixed(1)} ms, max ${Math.max(...idle).toFixed(1)} ms (target ≤ 50 ms)`);

  // Schedules down: the office publishes 50,000 openings; a second laptop pulls them.
  const csv = bigSchedule(50_000);
  const { id: siteId } = await admin<{ id: string }>(server, 'POST', '/admin/sites', { name: 'Big tower' });
  await admin(server, 'POST', `/admin/sites/${siteId}/schedule`, csv);
  const b = await makeDevice(dir, server, 'B');
  await admin(server, 'POST', '/admin/grants', { deviceId: b.deviceId, siteId });
  let t0 = process.hrtime.bigint();
  await runSync(b.db, { dataDir: b.dataDir });
  const pullMs = ms(t0);
  t0 = process.hrtime.bigint();
  const offer = (await listOffers(b.db)).find((o) => o.siteName === 'Big tower')!;
  const previewMs = ms(t0);
  t0 = process.hrtime.bigint();
  const applied = await acceptOffer(b.db, offer.serverSite, offer.diffHash!, 'bench', new Date());
  const applyMs = ms(t0);
  console.log(
    `pull a 50,000-opening schedule (${(csv.length / 1e6).toFixed(1)} MB): download + store ${(pullMs / 1000).toFixed(2)} s (target ≤ 5 s); ` +
      `diff shown ${(previewMs / 1000).toFixed(2)} s; applied on accept ${(applyMs / 1000).toFixed(2)} s (${listOpenings(b.db, applied.siteId).length} openings)`,
  );
  await a.app.close();
  await b.app.close();
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
} finally {
  await pgc.stop();
  rmSync(dir, { recursive: true, force: true });
}
