// Migrations over a real SQLite file: an upgrade lands whole or not at all, and a database
// written by a newer DoorCx is refused, not opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSqlite } from '../../db/sqlite';
import { loadMigrations, migrate, UnknownMigrationError } from '../../db/migrate';
import { tempDir } from '../support/tmp';

const tables = (db: ReturnType<typeof openSqlite>): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

test('a failing migration leaves the database as it was: no earlier pending migration is half-applied', (t) => {
  const file = join(tempDir(t), 'doorcx.sqlite');
  const db = openSqlite(file);
  t.after(() => db.close());
  const all = loadMigrations();
  migrate(db, all.slice(0, 1));
  const before = tables(db);
  const broken = { version: 999, name: '999_broken', sql: 'CREATE TABLE later_ok (x INTEGER); SELECT no_such_function();' };
  assert.throws(() => migrate(db, [...all, broken]), /no such function/);
  assert.deepEqual(tables(db), before, 'none of the pending migrations landed');
  const versions = (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version);
  assert.deepEqual(versions, [all[0]!.version]);
  // Without the broken one the same upgrade then applies whole.
  assert.deepEqual(
    migrate(db, all).applied,
    all.slice(1).map((m) => m.name),
  );
  assert.deepEqual(migrate(db, all).applied, [], 'nothing left to apply');
});

test('a database with a migration this build does not know is refused, naming it', (t) => {
  const file = join(tempDir(t), 'doorcx.sqlite');
  const db = openSqlite(file);
  t.after(() => db.close());
  const all = loadMigrations();
  migrate(db, [...all, { version: 998, name: '998_from_the_future', sql: 'CREATE TABLE future (x INTEGER);' }]);
  assert.throws(
    () => migrate(db, all),
    (e: Error) => e instanceof UnknownMigrationError && /998_from_the_future/.test(e.message) && /update DoorCx/.test(e.message),
  );
});
