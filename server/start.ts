// Starts the whole server: PostgreSQL (DATABASE_URL, or embedded in <data>/pg),
// migrations, the photo folder (<data>/blobs), the admin token, then HTTP(S).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { buildServer } from './app';
import { folderBlobStore } from './blobs';
import { migrateServer, startEmbeddedPostgres, type RunningPostgres } from './postgres';

export interface StartOptions {
  dataDir: string;
  databaseUrl?: string;
  host?: string;
  port?: number;
  /** PEM files: serve HTTPS when both are given. */
  tlsCert?: string;
  tlsKey?: string;
  adminToken?: string;
  logger?: boolean;
}

export interface RunningServer {
  url: string;
  adminToken: string;
  databaseUrl: string;
  close(): Promise<void>;
}

/** The admin token: given, or kept in <data>/admin-token (created once, readable by its owner only). */
export function adminTokenFor(dataDir: string, given?: string): string {
  if (given) return given;
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export async function startServer(o: StartOptions): Promise<RunningServer> {
  mkdirSync(o.dataDir, { recursive: true });
  let embedded: RunningPostgres | null = null;
  let databaseUrl = o.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(join(o.dataDir, 'pg'));
    databaseUrl = embedded.url;
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', () => undefined); // a dropped idle connection is re-made on next use
  try {
    await migrateServer(pool);
    const adminToken = adminTokenFor(o.dataDir, o.adminToken);
    const https = o.tlsCert && o.tlsKey ? { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) } : undefined;
    const server = await buildServer({ pool, blobs: folderBlobStore(join(o.dataDir, 'blobs')), adminToken, logger: o.logger, https });
    const address = await server.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 });
    let closing: Promise<void> | null = null;
    return {
      url: address,
      adminToken,
      databaseUrl,
      close: () =>
        (closing ??= (async () => {
          await server.close();
          await pool.end();
          if (embedded) await embedded.stop();
        })()),
    };
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (embedded) await embedded.stop();
    throw err;
  }
}
