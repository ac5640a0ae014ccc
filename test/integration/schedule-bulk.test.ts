// The import's bulk insert (one prepared INSERT per opening, finding counts from firingRules) stores exactly
// what inserting the openings one by one with insertOpening (evaluateOpening) stores; its
// bulk-load settings (CHECKs not evaluated per row, indexes built after the rows) change
// nothing a user or a crash could see.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateOpening, firingRules, ruleApplies, RULES } from '../../core/rules';
import { SEVERITIES, type Opening } from '../../core/schedule/types';
import { OPENING_FIELDS, parseField } from '../../core/schedule/schema';
import {
  applyImport,
  createSite,
  deleteOpening,
  exportTable,
  insertOpening,
  insertOpenings,
  previewImport,
  rowToOpening,
} from '../../db/schedule';
import { writeCsv } from '../../db/schedule/files';
import { migrate } from '../../db/migrate';
import { openSqlite, type Db } from '../../db/sqlite';
import { GOOD, seededOpenings } from '../fixtures/schedules/openings';
import { tempDir } from '../support/tmp';

const generate = (n: number, prefix: string): Opening[] => seededOpenings(n, prefix, 11);

function dump(db: Db) {
  return { openings: db.prepare('SELECT * FROM openings ORDER BY id').all() };
}

test('firingRules gives the rules of evaluateOpening: each rule that applies, worst first, in table order within a rank', () => {
  const rank = (r: (typeof RULES)[number]) => SEVERITIES.indexOf(r.severity) * 100 + r.priority;
  let many = 0;
  for (const o of generate(2000, 'r')) {
    const fired = firingRules(o);
    assert.deepEqual(
      fired.map((r) => [r.id, r.severity]),
      evaluateOpening(o).map((f) => [f.rule_id, f.severity]),
    );
    // The same as filtering the table and sorting it stably by rank.
    const expected = RULES.filter((r) => ruleApplies(r, o)).sort((a, b) => rank(a) - rank(b));
    assert.deepEqual(fired, expected);
    if (fired.length > 2) many++;
  }
  assert.ok(many > 100, 'openings with several findings were tried');
});

/** The table's shape as SQLite holds it: every table, index and trigger with its SQL. */
function schema(db: Db): unknown[] {
  return db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();
}

for (const [label, before, count] of [
  // More openings inserted than the table holds: the indexes are dropped and built again after the rows.
  ['into a nearly empty table', 7, 1237],
  // Fewer: the indexes grow row by row.
  ['into a table holding more openings than are inserted', 1500, 613],
] as const)
  test(`insertOpenings stores the same rows, findings and indexes as insertOpening one by one (${label})`, (t) => {
    const dir = tempDir(t);
    const now = new Date('2026-02-03T04:05:06Z');
    // An odd count (not a multiple of any batch size), after a site whose last opening was
    // deleted, so ids continue from max(id) + 1 as SQLite assigns them.
    const earlier = generate(before, 'old');
    const openings = generate(count, 'new');
    const run = (bulk: boolean) => {
      const db = openSqlite(join(dir, `${bulk ? 'bulk' : 'one'}.sqlite`));
      t.after(() => db.close());
      migrate(db);
      db.transaction(() => {
        const first = createSite(db, 'First', now);
        const refs = earlier.map((o, i) => insertOpening(db, first.id, o, i, now));
        deleteOpening(db, refs[before - 1]!);
        const site = createSite(db, 'Second', now);
        if (bulk) insertOpenings(db, site.id, openings, now);
        else openings.forEach((o, i) => insertOpening(db, site.id, o, i, now));
      });
      assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      assert.deepEqual(db.pragma('ignore_check_constraints'), [{ ignore_check_constraints: 0 }], 'CHECKs are evaluated again');
      return { ...dump(db), schema: schema(db) };
    };
    const one = run(false);
    const bulk = run(true);
    assert.equal(bulk.openings.length, before - 1 + count);
    assert.deepEqual(bulk, one);
    // Each opening's stored counts are its findings' (every severity occurs somewhere).
    const stored = new Map(SEVERITIES.map((s) => [s, 0]));
    for (const row of bulk.openings) {
      const findings = evaluateOpening(rowToOpening(row));
      assert.equal(row.finding_count, findings.length);
      for (const s of SEVERITIES) {
        const n = row[`${s.replace('-', '_')}_findings`] as number;
        assert.equal(n, findings.filter((f) => f.severity === s).length, `${String(row.opening_id)}: ${s}`);
        stored.set(s, stored.get(s)! + n);
      }
    }
    for (const [s, n] of stored) assert.ok(n > 0, `some ${s} findings were stored`);
  });

test("every value the opening schema accepts passes the openings table's CHECK constraints (so the bulk insert may skip them)", (t) => {
  const db = openSqlite(join(tempDir(t), 'c.sqlite'));
  t.after(() => db.close());
  migrate(db);
  const site = createSite(db, 'S', new Date(0));
  let n = 0;
  const accepted = (field: (typeof OPENING_FIELDS)[number]['field'], raw: string) => {
    const r = parseField(field, raw);
    assert.ok(r.ok, `${field} accepts "${raw}"`);
    // insertOpening evaluates the CHECKs row by row: a value they refuse throws here.
    insertOpening(db, site.id, { ...GOOD, opening_id: `c-${n++}`, [field]: r.value }, n, new Date(0));
  };
  const checked = new Set<string>();
  for (const m of OPENING_FIELDS) {
    if (m.kind === 'enum') for (const v of m.options!) accepted(m.field, v);
    if (m.kind === 'boolean') for (const v of ['yes', 'no']) accepted(m.field, v);
    if (m.kind === 'integer' || m.kind === 'decimal') {
      accepted(m.field, String(m.min));
      accepted(m.field, String(m.max));
      // ...and nothing beyond the range is accepted.
      assert.equal(parseField(m.field, String(m.min! - 1)).ok, false, `${m.field} refuses ${m.min! - 1}`);
      assert.equal(parseField(m.field, String(m.max! + 1)).ok, false, `${m.field} refuses ${m.max! + 1}`);
    }
    if (m.kind !== 'text' && m.kind !== 'longtext') checked.add(m.field);
  }
  // Every column the table CHECKs is one of the fields tried above (besides the ones the import computes).
  const sql = db.prepare<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'openings'").get()!.sql;
  const columns = [...sql.matchAll(/CHECK \(\s*(\w+)/g)].map((x) => x[1]!);
  assert.ok(columns.length >= 15, sql);
  for (const c of columns) assert.ok(checked.has(c), `the CHECK on ${c} is covered by the schema's values`);
  assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
});

/** A 3,000-opening CSV as DoorCx exports it. */
function csvOf(openings: Opening[]): Buffer {
  const { headers, rows } = exportTable(openings);
  return Buffer.from(writeCsv(headers, rows), 'utf8');
}

test('an import that fails midway (SQLite refuses a row) leaves the database as it was: no site, same schema, CHECKs on', async (t) => {
  const db = openSqlite(join(tempDir(t), 'f.sqlite'));
  t.after(() => db.close());
  migrate(db);
  const before = { ...dump(db), schema: schema(db) };
  const bytes = csvOf(generate(3000, 'f'));
  const input = { fileName: 'f.csv', bytes, siteName: 'F' };
  const preview = await previewImport(db, input);
  assert.deepEqual(preview.errors, []);
  // A real failure inside SQLite, after the indexes were dropped and 2,000 openings written.
  db.exec(
    "CREATE TEMP TRIGGER fail_midway BEFORE INSERT ON openings WHEN NEW.position >= 2000 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END",
  );
  await assert.rejects(applyImport(db, { ...input, confirmDiffHash: preview.diffHash!, editor: 'e', now: new Date(0) }), /disk trouble/);
  db.exec('DROP TRIGGER temp.fail_midway');
  assert.deepEqual({ ...dump(db), schema: schema(db) }, before);
  assert.deepEqual(db.prepare('SELECT * FROM sites').all(), []);
  assert.deepEqual(db.pragma('ignore_check_constraints'), [{ ignore_check_constraints: 0 }]);
  // The same import then goes through whole.
  const again = await previewImport(db, input);
  await applyImport(db, { ...input, confirmDiffHash: again.diffHash!, editor: 'e', now: new Date(0) });
  assert.equal(dump(db).openings.length, 3000);
  assert.deepEqual(schema(db), before.schema);
  // After the import the CHECKs hold again for every other write (here an opening added one by one).
  const site = db.prepare<{ id: number }>("SELECT id FROM sites WHERE name = 'F'").get()!;
  assert.throws(
    () => insertOpening(db, site.id, { ...GOOD, opening_id: 'x-1', category: 'lobby' as Opening['category'] }, 3000, new Date(0)),
    /CHECK constraint failed/,
  );
});

// Applying a previewed import (indexes dropped, then built after the rows), and the CLI's one pass into a new
// site (rows from the reader thread, indexes grown row by row).
const IMPORTS = {
  'preview + apply': `const p = await previewImport(db, input);
await applyImport(db, { ...input, confirmDiffHash: p.diffHash, editor: 'e', now: new Date(0) });`,
  'one pass on two threads': `importNewSite(db, { ...input, now: new Date(0) });`,
};
for (const [how, imports] of Object.entries(IMPORTS))
  test(`a process killed in the middle of a bulk import leaves the database as it was, indexes included (${how})`, (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'k.sqlite');
    const setup = openSqlite(file);
    migrate(setup);
    const site = createSite(setup, 'Kept', new Date(0));
    setup.transaction(() => generate(5, 'kept').forEach((o, i) => insertOpening(setup, site.id, o, i, new Date(0))));
    const before = { ...dump(setup), schema: schema(setup) };
    setup.close();
    const csv = join(dir, 'big.csv');
    writeFileSync(csv, csvOf(generate(3000, 'k')));
    // The child imports through the real code and kills itself (SIGKILL: no clean-up runs) from inside
    // SQLite once 2,000 openings are written: before the commit.
    const child = join(dir, 'child.mts');
    const root = fileURLToPath(new URL('../../', import.meta.url));
    writeFileSync(
      child,
      `import { readFileSync } from 'node:fs';
import Database from ${JSON.stringify(join(root, 'node_modules/better-sqlite3/lib/index.js'))};
import { applyImport, importNewSite, previewImport } from ${JSON.stringify(join(root, 'db/schedule/index.ts'))};
const raw = new Database(${JSON.stringify(file)});
raw.pragma('journal_mode = WAL');
raw.pragma('synchronous = FULL');
raw.pragma('foreign_keys = ON');
raw.function('die', () => process.kill(process.pid, 'SIGKILL'));
raw.exec("CREATE TEMP TRIGGER die BEFORE INSERT ON openings WHEN NEW.position >= 2000 BEGIN SELECT die(); END");
const db = { file: ${JSON.stringify(file)}, prepare: (s) => raw.prepare(s), exec: (s) => void raw.exec(s), transaction: (fn) => raw.transaction(fn)(), pragma: (s) => raw.pragma(s), close: () => void raw.close() };
const input = { fileName: 'big.csv', bytes: readFileSync(${JSON.stringify(csv)}), siteName: 'Big' };
${imports}
console.log('not killed');
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', child], { cwd: root, encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', `the child was killed midway (stdout ${r.stdout}, stderr ${r.stderr})`);
    const db = openSqlite(file);
    t.after(() => db.close());
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    assert.deepEqual({ ...dump(db), schema: schema(db) }, before);
  });
