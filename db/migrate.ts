// Numbered SQL migrations (db/migrations/NNN_name.sql), applied in order and
// recorded in schema_migrations. A shipped migration is never edited: add a new one.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Db } from './sqlite';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

export class UnknownMigrationError extends Error {
  constructor(file: string, unknown: string[]) {
    super(
      `The database ${file} was written by a newer DoorCx (it has migrations this version does not know: ${unknown.join(', ')}). ` +
        'Refusing to open it so nothing is lost; update DoorCx.',
    );
    this.name = 'UnknownMigrationError';
  }
}

/** Applies pending migrations; refuses a database that has migrations this build does not know. */
export function migrate(db: Db, migrations: Migration[] = loadMigrations()): { applied: string[] } {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const done = db.prepare<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version').all();
  const known = new Map(migrations.map((m) => [m.version, m.name]));
  const unknown = done.filter((d) => known.get(d.version) !== d.name).map((d) => d.name);
  if (unknown.length > 0) throw new UnknownMigrationError(db.file, unknown);
  const doneVersions = new Set(done.map((d) => d.version));
  const pending = migrations.filter((m) => !doneVersions.has(m.version));
  if (pending.length === 0) return { applied: [] };
  // All pending migrations in one transaction: an upgrade lands whole or not at all, and a new
  // database costs one commit (one fsync), not one per migration.
  db.transaction(() => {
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const at = new Date().toISOString();
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.version, m.name, at);
    }
  });
  return { applied: pending.map((m) => m.name) };
}
