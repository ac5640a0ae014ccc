// `doorcx import | export | check` in-process through runCli, over real SQLite files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runCli } from '../../cli/main';
import { openSqlite } from '../../db/sqlite';
import { tempDir } from '../support/tmp';

const FIX = fileURLToPath(new URL('../fixtures/schedules/', import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test('import, re-import (diff, then --yes), export csv/xlsx and check --json', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'site.sqlite');
  const file = join(dir, 'clinic.csv');
  copyFileSync(join(FIX, 'excel-utf8-bom-crlf.csv'), file);

  let r = await cli('import', file, '--db', db);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Imported 4 openings into new site "clinic"/);
  // The database the import created (written through a rollback journal) is left a WAL database, as the app opens it.
  {
    const made = openSqlite(db, { readonly: true });
    assert.deepEqual(made.pragma('journal_mode'), [{ journal_mode: 'wal' }]);
    assert.equal(made.prepare<{ n: number }>('SELECT count(*) AS n FROM openings').get()!.n, 4);
    made.close();
  }
  assert.ok(!existsSync(`${db}-journal`), 'no rollback journal left behind');

  writeFileSync(file, readFileSync(file, 'utf8').replace('Office 202', 'Office 202B'));
  r = await cli('import', file, '--db', db, '--site', 'clinic');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /0 added, 1 changed, 0 removed, 3 unchanged/);
  assert.match(r.out, /~ 2-202\n\s+location: "Office 202" → "Office 202B"/);
  assert.match(r.out, /Not applied/);
  r = await cli('import', file, '--db', db, '--site', 'clinic', '--yes');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Applied to site "clinic": 0 added, 1 changed, 0 removed/);
  r = await cli('import', file, '--db', db, '--site', 'clinic');
  assert.match(r.out, /Nothing to apply/);

  for (const ext of ['csv', 'xlsx']) {
    const out = join(dir, `export.${ext}`);
    r = await cli('export', '--db', db, '--site', 'CLINIC', '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(out));
    r = await cli('import', out, '--db', db, '--site', 'clinic');
    assert.match(r.out, /0 added, 0 changed, 0 removed, 4 unchanged/, ext);
  }

  r = await cli('check', '--db', db, '--json');
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out) as {
    version: number;
    sites: { name: string; openingCount: number; findingsBySeverity: Record<string, number>; findings: Record<string, string>[] }[];
  };
  assert.equal(report.version, 1);
  assert.equal(report.sites[0]!.name, 'clinic');
  assert.equal(report.sites[0]!.openingCount, 4);
  const f = report.sites[0]!.findings.find((x) => x.openingId === '1-102')!;
  assert.deepEqual(Object.keys(f).sort(), ['message', 'openingId', 'requirement', 'ruleId', 'severity']);
  assert.equal(f.ruleId, 'taa-not-compliant');
  r = await cli('check', '--db', db, '--site', 'clinic');
  assert.match(r.out, /clinic: 4 openings, \d+ findings/);
  assert.match(r.out, /1-102 {2}\[procurement\] taa-not-compliant/);
});

test('a rejected file: exit 1, every problem on stderr, database unchanged', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'site.sqlite');
  assert.equal((await cli('import', join(FIX, 'excel-utf8-bom-crlf.csv'), '--db', db, '--site', 'S')).code, 0);
  const before = await cli('check', '--db', db, '--json');
  const r = await cli('import', join(FIX, 'bad-cells.csv'), '--db', db, '--site', 'S', '--yes');
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /bad-cells\.csv was rejected \(6 problems\); nothing was imported/);
  for (const line of [
    /row 3, column "Category": value "lobby": Category must be one of/,
    /row 3, column "PD Address": value "127"/,
    /row 4, column "Fail Mode": value "sometimes"/,
    /row 4, column "Fire Rating": value "3 days"/,
    /row 5, column "Opening #": value "A-1": Duplicate opening id: row 2 has the same id/,
    /row 6, column "\(column 7\)": value "extra"/,
  ])
    assert.match(r.err, line);
  assert.equal((await cli('check', '--db', db, '--json')).out, before.out);
});

test('import checks the site name and editor as the API does: too long exits 1 naming the field, nothing is written', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'site.sqlite');
  const file = join(FIX, 'excel-utf8-bom-crlf.csv');
  let r = await cli('import', file, '--db', db, '--site', 'S'.repeat(201));
  assert.equal(r.code, 1);
  assert.match(r.err, /^doorcx import: Invalid input to previewImport: siteName: .*200/);
  r = await cli('import', file, '--db', db, '--site', 'S', '--editor', 'E'.repeat(101));
  assert.equal(r.code, 1);
  assert.match(r.err, /^doorcx import: Invalid input to applyImport: editor: .*100/);
  // Both are checked before the database is opened.
  assert.ok(!existsSync(db), 'no database was created');
  r = await cli('import', file, '--db', db, '--site', 'S', '--editor', 'E'.repeat(100));
  assert.equal(r.code, 0, r.err);
});

test('usage errors exit 2; a missing database or site exits 1 with a message', async (t) => {
  const dir = tempDir(t);
  let r = await cli('import', join(FIX, 'excel-utf8-bom-crlf.csv'));
  assert.equal(r.code, 2);
  assert.match(r.err, /--db is required/);
  r = await cli('export', '--db', join(dir, 'x.sqlite'), '--site', 'S', '--out', join(dir, 'x.pdf'));
  assert.equal(r.code, 2);
  assert.match(r.err, /--out must end in \.csv or \.xlsx/);
  r = await cli('check', '--db', join(dir, 'none.sqlite'));
  assert.equal(r.code, 1);
  assert.match(r.err, /There is no database at/);
  assert.ok(!existsSync(join(dir, 'none.sqlite')), 'check does not create a database');
  assert.equal((await cli('import', join(FIX, 'excel-utf8-bom-crlf.csv'), '--db', join(dir, 'a.sqlite'))).code, 0);
  r = await cli('export', '--db', join(dir, 'a.sqlite'), '--site', 'Nope', '--out', join(dir, 'x.csv'));
  assert.equal(r.code, 1);
  assert.match(r.err, /There is no site "Nope"/);
});

test('bin/doorcx.mjs runs for real: exit code and stderr of a rejected file', (t) => {
  const dir = tempDir(t);
  const bin = fileURLToPath(new URL('../../bin/doorcx.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'import', join(FIX, 'missing-required-column.csv'), '--db', join(dir, 'd.sqlite')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /Required column fail_mode is missing/);
});
