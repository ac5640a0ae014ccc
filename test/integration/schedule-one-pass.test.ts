// importNewSite (the CLI's import of a CSV/TSV into a new site: rows checked and written in one pass)
// stores exactly what previewImport then applyImport store, and rejects a file with exactly their
// problems, leaving the database as it was.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Opening } from '../../core/schedule/types';
import { migrate } from '../../db/migrate';
import {
  applyImport,
  createSite,
  exportTable,
  ImportRejected,
  importNewSite,
  insertOpenings,
  listSites,
  previewImport,
} from '../../db/schedule';
import { writeCsv, writeXlsx } from '../../db/schedule/files';
import { openSqlite, type Db } from '../../db/sqlite';
import { seededOpenings } from '../fixtures/schedules/openings';
import { tempDir } from '../support/tmp';

const NOW = new Date('2026-03-04T05:06:07Z');

const generate = (n: number, prefix: string): Opening[] => seededOpenings(n, prefix, 5);

function csvOf(openings: Opening[]): Buffer {
  const { headers, rows } = exportTable(openings);
  return Buffer.from(writeCsv(headers, rows), 'utf8');
}

function fresh(dir: string, name: string, before: Opening[] = []): Db {
  const db = openSqlite(join(dir, `${name}.sqlite`));
  migrate(db);
  if (before.length > 0) insertOpenings(db, createSite(db, 'Other', NOW).id, before, NOW);
  return db;
}

/** Everything an import writes, and the schema it leaves. */
function dump(db: Db) {
  return {
    sites: db.prepare('SELECT * FROM sites ORDER BY id').all(),
    openings: db.prepare('SELECT * FROM openings ORDER BY id').all(),
    edits: db.prepare('SELECT * FROM opening_edits ORDER BY id').all(),
    schema: db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all(),
    checks: db.pragma('ignore_check_constraints'),
  };
}

async function viaPreview(db: Db, input: { fileName: string; bytes: Buffer; siteName: string }) {
  const preview = await previewImport(db, input);
  if (preview.errors.length > 0) return preview.errors;
  await applyImport(db, { ...input, confirmDiffHash: preview.diffHash!, editor: 'e', now: NOW });
  return [];
}

for (const [label, before, count] of [
  ['into an empty database (preview + apply builds the indexes after the rows)', 0, 1500],
  ['beside a bigger site', 900, 400],
] as const)
  test(`importNewSite stores what preview + apply store (${label})`, async (t) => {
    const dir = tempDir(t);
    const earlier = generate(before, 'old');
    const bytes = csvOf(generate(count, 'new'));
    const input = { fileName: 'doors.csv', bytes, siteName: '  New site ' };
    const a = fresh(dir, 'one-pass', earlier);
    const b = fresh(dir, 'preview', earlier);
    t.after(() => (a.close(), b.close()));
    const r = importNewSite(a, { ...input, now: NOW });
    assert.deepEqual(await viaPreview(b, input), []);
    assert.equal(r?.added, count);
    assert.deepEqual(dump(a), dump(b));
    assert.deepEqual(listSites(a), listSites(b));
    assert.equal(listSites(a).find((s) => s.name === 'New site')?.id, r?.siteId);
    assert.deepEqual(a.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  });

test('a file with problems is rejected with the problems a preview lists, and nothing is written', async (t) => {
  const dir = tempDir(t);
  const openings = generate(1200, 'p');
  const { headers, rows } = exportTable(openings);
  const col = (h: string) => headers.indexOf(h);
  // Problems early, in the middle and on the last row: a bad vocabulary word, a duplicate id (after
  // hundreds of rows were written), a value beyond the last header.
  rows[3]![col('fail_mode')] = 'sometimes';
  rows[700]![col('opening_id')] = rows[20]![col('opening_id')]!.toUpperCase();
  rows[1199]!.push('', 'stray');
  const cases: [string, Buffer][] = [
    ['problems in rows', Buffer.from(writeCsv(headers, rows), 'utf8')],
    [
      'a missing required column',
      Buffer.from(
        writeCsv(
          headers.slice(1),
          rows.map((r) => r.slice(1)),
        ),
        'utf8',
      ),
    ],
    ['a header and no openings', Buffer.from(writeCsv(headers, []), 'utf8')],
    ['an empty file', Buffer.alloc(0)],
    [
      'mixed line endings',
      Buffer.from('opening_id,category,lock_type,fail_mode\r\n1,egress,maglock,fail-safe\n2,egress,maglock,fail-safe\r\n'),
    ],
    ['binary', Buffer.from([0x41, 0x00, 0x42, 0x0a])],
  ];
  for (const [what, bytes] of cases) {
    const db = fresh(dir, what.replace(/\W/g, '-'), generate(30, 'kept'));
    t.after(() => db.close());
    const before = dump(db);
    const input = { fileName: 'bad.csv', bytes, siteName: 'Bad' };
    let rejected: ImportRejected | undefined;
    try {
      importNewSite(db, { ...input, now: NOW });
    } catch (err) {
      if (!(err instanceof ImportRejected)) throw err;
      rejected = err;
    }
    assert.ok(rejected, `${what}: rejected`);
    assert.deepEqual(dump(db), before, `${what}: nothing written, the indexes and CHECKs as they were`);
    const expected = (await previewImport(db, input)).errors;
    assert.ok(expected.length > 0, what);
    assert.deepEqual(rejected.errors, expected, what);
  }
});

test('importNewSite leaves an existing site (any case) and an XLSX workbook to preview + apply, writing nothing', async (t) => {
  const dir = tempDir(t);
  const db = fresh(dir, 'existing', generate(10, 'e'));
  t.after(() => db.close());
  const before = dump(db);
  assert.equal(importNewSite(db, { fileName: 'x.csv', bytes: csvOf(generate(5, 'x')), siteName: 'OTHER', now: NOW }), null);
  const { headers, rows } = exportTable(generate(5, 'x'));
  const xlsx = await writeXlsx(headers, rows);
  assert.equal(importNewSite(db, { fileName: 'x.xlsx', bytes: xlsx, siteName: 'Workbook', now: NOW }), null);
  assert.deepEqual(dump(db), before);
});

test('a failure inside SQLite midway through importNewSite reaches the caller, writes nothing, and the same import then goes through', (t) => {
  const db = fresh(tempDir(t), 'fails', generate(10, 'kept'));
  t.after(() => db.close());
  const before = dump(db);
  const input = { fileName: 'f.csv', bytes: csvOf(generate(2500, 'f')), siteName: 'F', now: NOW };
  // After 2,000 rows came over from the reader thread and were written.
  db.exec(
    "CREATE TEMP TRIGGER fail_midway BEFORE INSERT ON openings WHEN NEW.position >= 2000 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END",
  );
  assert.throws(() => importNewSite(db, input), /disk trouble/);
  db.exec('DROP TRIGGER temp.fail_midway');
  assert.deepEqual(dump(db), before);
  assert.equal(importNewSite(db, input)?.added, 2500);
});
