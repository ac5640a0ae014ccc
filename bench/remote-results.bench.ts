// Other devices' results in the runs views (printed, never asserted): syncRemoteLatest over
// 10,000 pulled attempts of one site (with their ends and runs), for the whole site (the runs
// page) and one opening (the checklist), through app.call on a real SQLite file; median of 5.
// REMOTE_BENCH_COMPARE=1 adds the same answer with each end looked up per attempt (json_extract
// on every end row for every attempt, the shape the Sync page's list had before): minutes at 10,000.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../app/index';
import { pullAsRemote } from '../test/support/remote';
import { recordResults } from '../test/support/sync';

const ATTEMPTS = Number(process.env.REMOTE_BENCH_ATTEMPTS ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'doorcx-remote-bench-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(fn: () => Promise<T> | T, n = 5): Promise<{ ms: number; value: T }> {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    value = await fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), value };
}

try {
  const here = await createApp({ dbFile: join(dir, 'here.sqlite'), dataDir: join(dir, 'here'), sync: false });
  const there = await createApp({ dbFile: join(dir, 'there.sqlite'), dataDir: join(dir, 'there'), sync: false });
  const siteId = (await here.call('listSites', {}))[0]!.id;
  const other = { db: there.ctx.db, dataDir: there.ctx.dataDir, siteId: (await there.call('listSites', {}))[0]!.id };
  recordResults(other, { attempts: ATTEMPTS, steps: 1, technician: 'Ana', defectEvery: 7 });
  const records = pullAsRemote(other, { db: here.ctx.db, siteId }, 'Tablet A');
  console.log(`pulled ${records} records (${ATTEMPTS} attempts with their ends, one run, step results, events)`);

  const site = await timed(() => here.call('syncRemoteLatest', { siteId }));
  console.log(`syncRemoteLatest, whole site: ${site.ms.toFixed(1)} ms median (${site.value.length} opening × procedure results)`);
  const one = await timed(() => here.call('syncRemoteLatest', { siteId, openingId: site.value[0]!.openingId }));
  console.log(`syncRemoteLatest, one opening: ${one.ms.toFixed(1)} ms median`);
  const all = await timed(() => here.call('syncRemoteResults', { siteId }));
  console.log(`syncRemoteResults (every attempt, Sync page): ${all.ms.toFixed(1)} ms median (${all.value.length} rows)`);

  if (process.env.REMOTE_BENCH_COMPARE === '1') {
    const perAttempt = await timed(
      () =>
        here.ctx.db
          .prepare(
            `SELECT a.uuid, json_extract(e.body, '$.verdict') AS verdict FROM sync_sites ss
           JOIN sync_remote_records a ON a.server_site = ss.server_site AND a.kind = 'attempt'
           LEFT JOIN sync_remote_records e ON e.kind = 'attempt-end' AND json_extract(e.body, '$.attempt_uuid') = a.uuid
           WHERE ss.site_id = ?`,
          )
          .all(siteId).length,
      1,
    );
    console.log(`for comparison, ends looked up per attempt: ${perAttempt.ms.toFixed(0)} ms (${perAttempt.value} rows, one run)`);
  }
  await here.close();
  await there.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
