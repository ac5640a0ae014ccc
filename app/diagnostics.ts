// What support needs to help a technician: the logs, the versions, the settings and whether
// the database is intact, in one zip. Also how calls and push events reach the log.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { openSqlite, type Db } from '../db/sqlite';
import type { AppContext } from './context';
import { toApiError } from './dispatch';
import { logDir, redactSecrets, type Logger } from './log';

type Call = (method: string, input: unknown) => Promise<unknown>;

/** Every API call at debug level (method, time, outcome; never its input); failures of the backend itself at error. */
export function logCalls(log: Logger, call: Call): Call {
  return async (method, input) => {
    const t0 = performance.now();
    try {
      const result = await call(method, input);
      if (log.isLevelEnabled('debug')) log.debug({ method, ms: Math.round(performance.now() - t0) }, 'call');
      return result;
    } catch (err) {
      const e = toApiError(err);
      const ms = Math.round(performance.now() - t0);
      if (e.code === 'internal') log.error({ method, ms, err }, 'call failed');
      else if (log.isLevelEnabled('debug')) log.debug({ method, ms, code: e.code, message: e.message }, 'call refused');
      throw err;
    }
  };
}

/** Push events (controller link frames and status, live inputs, run progress) at debug level; idle polls left out. */
export function logEvents(ctx: AppContext): () => void {
  return ctx.events.onAny((topic, event) => {
    if (!ctx.log.isLevelEnabled('debug')) return;
    if (topic === 'controllerLog' && (event as { idle?: boolean }).idle) return;
    ctx.log.debug({ topic, event }, 'event');
  });
}

export interface DiagnosticsReport {
  /** The zip's entries by name. */
  files: Record<string, Uint8Array>;
  /** "ok", or what SQLite's integrity check (or opening the file) reported. */
  integrity: string;
}

function appVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function databaseReport(db: Db, file: string): { text: string; integrity: string; settings: Record<string, unknown> } {
  const rows = db.prepare<{ integrity_check: string }>('PRAGMA integrity_check').all();
  const integrity = rows.map((r) => r.integrity_check).join('\n');
  const one = (sql: string) => {
    try {
      return JSON.stringify(db.prepare(sql).all());
    } catch (err) {
      return `(${(err as Error).message})`;
    }
  };
  const settings: Record<string, unknown> = {};
  try {
    for (const r of db.prepare<{ key: string; value: string }>('SELECT key, value FROM settings ORDER BY key').all()) {
      settings[r.key] = JSON.parse(r.value) as unknown;
    }
  } catch (err) {
    settings['(error)'] = (err as Error).message;
  }
  const text = [
    `file: ${file}`,
    `size: ${existsSync(file) ? statSync(file).size : 0} bytes`,
    `integrity_check: ${integrity}`,
    `sqlite_version: ${one('SELECT sqlite_version() AS v')}`,
    `journal_mode: ${one('PRAGMA journal_mode')}`,
    `migrations: ${one('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')}`,
    `sites: ${one('SELECT COUNT(*) AS n FROM sites')}`,
    `openings: ${one('SELECT COUNT(*) AS n FROM openings')}`,
  ].join('\n');
  return { text: text + '\n', integrity, settings };
}

/**
 * Collects the archive's files: logs/*, versions.json, settings.json (secret-named values
 * redacted), database.txt (integrity check, schema, counts). With no open database the file
 * is opened read-only; a file that cannot be opened is reported, not thrown.
 */
export function collectDiagnostics(input: { dataDir: string; dbFile: string; db?: Db; now?: Date }): DiagnosticsReport {
  const files: Record<string, Uint8Array> = {};
  const dir = logDir(input.dataDir);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.log')) files[`logs/${name}`] = readFileSync(join(dir, name));
    }
  }
  const versions = {
    doorcx: appVersion(),
    node: process.versions.node,
    electron: process.versions.electron ?? null,
    v8: process.versions.v8,
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    writtenAt: (input.now ?? new Date()).toISOString(),
    environment: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DOORCX_'))),
  };
  let integrity: string;
  let settings: Record<string, unknown> = {};
  let text: string;
  let opened: Db | undefined;
  try {
    if (!input.db && !existsSync(input.dbFile)) throw new Error(`there is no database at ${input.dbFile}`);
    const db = input.db ?? (opened = openSqlite(input.dbFile, { readonly: true }));
    ({ integrity, settings, text } = databaseReport(db, input.dbFile));
  } catch (err) {
    integrity = `could not check: ${(err as Error).message}`;
    text = `file: ${input.dbFile}\nintegrity_check: ${integrity}\n`;
  } finally {
    opened?.close();
  }
  files['versions.json'] = strToU8(JSON.stringify(redactSecrets(versions), null, 2) + '\n');
  files['settings.json'] = strToU8(JSON.stringify(redactSecrets(settings), null, 2) + '\n');
  files['database.txt'] = strToU8(text);
  return { files, integrity };
}

export function zipDiagnostics(report: DiagnosticsReport): Uint8Array {
  return zipSync(report.files, { level: 6 });
}

/** doorcx-diagnostics-2026-12-01T15-30-00Z.zip */
export function diagnosticsFileName(now: Date): string {
  return `doorcx-diagnostics-${now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')}.zip`;
}
