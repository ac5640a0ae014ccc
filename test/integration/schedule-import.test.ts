// Import, export, re-import and edits over real SQLite files, through the app's API.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { createApp, type App } from '../../app/index';
import { ApiError, type FieldIssue } from '../../app/contract';
import type { ImportPreview } from '../../app/contract/schedule';
import { deleteSite, listOpenings } from '../../db/schedule';
import { tempDir } from '../support/tmp';

const FIX = new URL('../fixtures/schedules/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIX));
const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64');
const NOW = new Date('2026-03-01T10:00:00Z');

async function open(t: { after: (fn: () => void) => void }, name = 'doorcx.sqlite'): Promise<{ app: App; dir: string }> {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, name), dataDir: dir, demo: false, now: () => NOW });
  t.after(() => void app.close());
  return { app, dir };
}

async function preview(app: App, fileName: string, bytes: Uint8Array | string, siteName: string): Promise<ImportPreview> {
  return await app.call('previewImport', { fileName, contentBase64: b64(bytes), siteName });
}

async function importFile(app: App, fileName: string, bytes: Uint8Array | string, siteName: string) {
  const p = await preview(app, fileName, bytes, siteName);
  assert.deepEqual(p.errors, [], `${fileName} should import`);
  const r = await app.call('applyImport', { fileName, contentBase64: b64(bytes), siteName, confirmDiffHash: p.diffHash! });
  return { preview: p, result: r };
}

/** Content hash of every table (rows in rowid order). */
function contentHash(app: App): string {
  const h = createHash('sha256');
  const tables = app.ctx.db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
  for (const { name } of tables) {
    h.update(name);
    for (const row of app.ctx.db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).iterate()) h.update(JSON.stringify(row));
  }
  return h.digest('hex');
}

async function rejects(p: Promise<unknown>, code: string): Promise<ApiError> {
  let caught: unknown;
  await p.catch((e: unknown) => (caught = e));
  assert.ok(caught instanceof ApiError, `expected an ApiError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

test('the Excel CSV (BOM, CRLF, quoted commas/quotes/newlines, non-ASCII, trailing blank rows) imports', async (t) => {
  const { app } = await open(t);
  const { preview: p, result } = await importFile(app, 'excel-utf8-bom-crlf.csv', fixture('excel-utf8-bom-crlf.csv'), 'Clinic');
  assert.equal(p.format, 'csv');
  assert.equal(p.rowCount, 4);
  assert.equal(p.siteId, null);
  assert.deepEqual(p.diff?.added, ['1-101', '1-102', '2-201', '2-202']);
  assert.deepEqual(p.mapping[0], { sourceHeader: 'Door No.', column: 'opening_id', how: 'alias "Door No."' });
  assert.deepEqual(
    p.mapping.filter((m) => m.column === null).map((m) => m.sourceHeader),
    ['Heading', 'Installer'],
  );
  assert.equal(result.added, 4);
  const [a, b, c, d] = listOpenings(app.ctx.db, result.siteId);
  assert.equal(a!.location, 'Corridor, east wing');
  assert.equal(a!.notes, 'Sign says "PUSH TO EXIT"');
  assert.equal(a!.fire_rating_min, 90);
  assert.equal(a!.lock_voltage, 24);
  assert.deepEqual(a!.extras, { Heading: 'H02', Installer: 'Müller & Söhne' });
  assert.equal(b!.notes, 'Line one\nline two, with comma');
  assert.equal(b!.fire_rating_min, 90);
  assert.equal(b!.locking_arrangement, 'door-hardware-release');
  assert.equal(b!.taa, 'no');
  assert.equal(c!.location, 'Server room – B');
  assert.equal(c!.fire_rating_min, 20);
  assert.equal(c!.lock_current_ma, 300);
  assert.equal(c!.fail_mode, 'fail-secure');
  assert.equal(c!.taa, 'unknown');
  assert.equal(d!.locking_arrangement, 'normal');
  assert.equal(d!.egress, 'mechanical');
  assert.equal(d!.pd_address, null);
  assert.equal(d!.ndaa_889, 'unknown');
});

test('Revit tab-separated, Excel "Unicode Text" (UTF-16) and Windows-1252 CSV give the same openings', async (t) => {
  const { app } = await open(t);
  const base = listOpenings(app.ctx.db, (await importFile(app, 'a.csv', fixture('excel-utf8-bom-crlf.csv'), 'A')).result.siteId);
  for (const name of ['revit-export.txt', 'excel-unicode-text.txt', 'excel-windows-1252.csv']) {
    const { preview: p, result } = await importFile(app, name, fixture(name), name);
    assert.equal(p.format, name.endsWith('.csv') ? 'csv' : 'tsv', name);
    const got = listOpenings(app.ctx.db, result.siteId);
    const want = name === 'excel-windows-1252.csv' ? base.map((o) => ({ ...o, location: o.location.replace('–', '-') })) : base;
    assert.deepEqual(got, want, name);
  }
});

test('semicolon-separated CSV with decimal commas (Excel where the decimal mark is a comma)', async (t) => {
  const { app } = await open(t);
  const text = 'Mark;Category;Lock Type;FS/FSE;Voltage;Notes\r\nA-1;egress;maglock;FS;24,5;"a; b, c"\r\n';
  const { preview: p, result } = await importFile(app, 'eu.csv', text, 'EU');
  assert.equal(p.format, 'csv');
  const [a] = listOpenings(app.ctx.db, result.siteId);
  assert.equal(a!.lock_voltage, 24.5);
  assert.equal(a!.notes, 'a; b, c');
});

async function xlsxFixture(): Promise<Buffer> {
  // As office staff keep schedules: a bold header row, numbers as numbers, rich text, a formula, blank rows below.
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Door Schedule');
  ws.addRow([
    'Opening #',
    'Category',
    'Lock Type',
    'FS/FSE',
    'PD Address',
    'Lock Current (mA)',
    'Fire Rating',
    'Location',
    'FA Release',
    'Inspected',
  ]).font = {
    bold: true,
  };
  ws.addRow([
    '1-101',
    'Egress',
    'Mag Lock',
    'FS',
    2,
    { formula: '250*2', result: 500 },
    '90 min',
    'Corridor, east',
    true,
    new Date(Date.UTC(2026, 0, 15)),
  ]);
  ws.addRow([
    101,
    'Interior',
    'Strike',
    'FSE',
    7,
    250,
    0,
    { richText: [{ text: 'Office ' }, { font: { bold: true }, text: 'Zoë' }] },
    false,
    null,
  ]);
  ws.addRow([]);
  ws.getCell('A8').value = '';
  return Buffer.from(await wb.xlsx.writeBuffer());
}

test('XLSX: first worksheet, one header row; numbers, formulas, rich text, booleans and dates become text', async (t) => {
  const { app } = await open(t);
  const { preview: p, result } = await importFile(app, 'schedule.xlsx', await xlsxFixture(), 'X');
  assert.equal(p.format, 'xlsx');
  const [a, b] = listOpenings(app.ctx.db, result.siteId);
  assert.equal(a!.lock_current_ma, 500);
  assert.equal(a!.pd_address, 2);
  assert.equal(a!.fire_alarm_release, true);
  assert.deepEqual(a!.extras, { Inspected: '2026-01-15' });
  assert.equal(b!.opening_id, '101');
  assert.equal(b!.location, 'Office Zoë');
  assert.equal(b!.fire_alarm_release, false);
  assert.equal(b!.lock_type, 'electric-strike');
});

test('an XLSX id that Excel turned into a date is refused, not imported as a date', async (t) => {
  const { app } = await open(t);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('S');
  ws.addRow(['Mark', 'Category', 'Lock Type', 'Fail Mode']);
  ws.addRow([new Date(Date.UTC(2001, 0, 10)), 'egress', 'maglock', 'FS']);
  const p = await preview(app, 's.xlsx', Buffer.from(await wb.xlsx.writeBuffer()), 'S');
  assert.deepEqual(
    p.errors.map((e) => [e.row, e.column, e.value]),
    [[2, 'Mark', '2001-01-10']],
  );
  assert.match(p.errors[0]!.reason, /stored this id as a date/);
});

test('a bad cell in an XLSX names its worksheet row and header', async (t) => {
  const { app } = await open(t);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('S');
  ws.addRow(['Schedule for Riverside']); // a title row: the header is the first non-empty row…
  ws.addRow([]);
  ws.getCell('A3').value = 'Mark';
  ws.getCell('B3').value = 'Category';
  ws.getCell('C3').value = 'Lock Type';
  ws.getCell('D3').value = 'Fail Mode';
  ws.addRow(['A-1', 'egress', 'maglock', 'FS']);
  ws.addRow(['A-2', 'egress', 'maglock', 'perhaps']);
  const p = await preview(app, 's.xlsx', Buffer.from(await wb.xlsx.writeBuffer()), 'S');
  // …which here is the title row, so the real headers are data and the required columns are missing.
  assert.ok(p.errors.some((e) => /Required column/.test(e.reason) && e.row === 1));
  const wb2 = new ExcelJS.Workbook();
  const ws2 = wb2.addWorksheet('S');
  ws2.addRow(['Mark', 'Category', 'Lock Type', 'Fail Mode']);
  ws2.addRow(['A-1', 'egress', 'maglock', 'FS']);
  ws2.addRow(['A-2', 'egress', 'maglock', 'perhaps']);
  const p2 = await preview(app, 's.xlsx', Buffer.from(await wb2.xlsx.writeBuffer()), 'S');
  assert.deepEqual(
    p2.errors.map((e) => [e.row, e.column, e.value]),
    [[3, 'Fail Mode', 'perhaps']],
  );
});

for (const format of ['csv', 'xlsx'] as const) {
  test(`export ${format} then import gives back identical openings (extras included)`, async (t) => {
    const { app } = await open(t);
    const src = (await importFile(app, 'a.csv', fixture('excel-utf8-bom-crlf.csv'), 'Original')).result.siteId;
    // an edit with characters that stress both formats
    const d = await app.call('getOpening', { siteId: src, openingId: '2-202' });
    await app.call('updateOpening', {
      siteId: src,
      openingId: '2-202',
      changes: { notes: 'Tab\tand "quotes", commas\nand a second line', lock_voltage: 12.5, location: '=SUM(A1) not a formula' },
      editor: 'tech',
      baseVersion: d.version,
    });
    const file = (await app.call('exportSchedule', { siteId: src, format })) as { fileName: string; contentBase64: string };
    assert.match(file.fileName, new RegExp(`^Original\\.${format}$`));
    const bytes = Buffer.from(file.contentBase64, 'base64');
    const { result } = await importFile(app, file.fileName, bytes, 'Copy');
    assert.deepEqual(listOpenings(app.ctx.db, result.siteId), listOpenings(app.ctx.db, src));
    // and re-importing the export into the original site changes nothing
    const again = await preview(app, file.fileName, bytes, 'Original');
    assert.deepEqual(again.diff, { added: [], removed: [], changed: [], unchanged: 4 });
  });
}

test('re-import shows the diff field by field; apply needs the matching hash and records each change', async (t) => {
  const { app } = await open(t);
  const { result } = await importFile(app, 'a.csv', fixture('excel-utf8-bom-crlf.csv'), 'Clinic');
  const siteId = result.siteId;
  const text = fixture('excel-utf8-bom-crlf.csv')
    .toString('utf8')
    .replace('Owner standard,unknown', 'Owner standard,yes') // 2-201 ndaa
    .replace(',FSE,Mechanical,', ',FS,Mechanical,') // 2-201 now fail-safe → security finding
    .replace(/2-202,[^\r]*\r\n/, '3-301,Main,3,Roof,,Perimeter,,Strike,FSE,,,,,,,,,,,,,Free egress,yes,yes,,,\r\n'); // 2-202 replaced by 3-301
  const p = await preview(app, 'b.csv', text, 'Clinic');
  assert.deepEqual(p.errors, []);
  assert.equal(p.siteId, siteId);
  assert.deepEqual(p.diff!.added, ['3-301']);
  assert.deepEqual(p.diff!.removed, ['2-202']);
  assert.deepEqual(p.diff!.changed, [
    {
      openingId: '2-201',
      changes: [
        { field: 'fail_mode', oldValue: 'fail-secure', newValue: 'fail-safe' },
        { field: 'ndaa_889', oldValue: 'unknown', newValue: 'yes' },
      ],
    },
  ]);
  assert.equal(p.diff!.unchanged, 2);

  const before = contentHash(app);
  const wrong = await rejects(
    app.call('applyImport', { fileName: 'b.csv', contentBase64: b64(text), siteName: 'Clinic', confirmDiffHash: 'f'.repeat(64) }),
    'conflict',
  );
  assert.match(wrong.message, /preview the import again/);
  assert.equal(contentHash(app), before, 'a refused apply changes nothing');

  const r = await app.call('applyImport', {
    fileName: 'b.csv',
    contentBase64: b64(text),
    siteName: 'Clinic',
    confirmDiffHash: p.diffHash!,
    editor: 'office',
  });
  assert.deepEqual(r, { siteId, added: 1, changed: 1, removed: 1 });
  assert.deepEqual(
    listOpenings(app.ctx.db, siteId).map((o) => o.opening_id),
    ['1-101', '1-102', '2-201', '3-301'],
  );
  const d = await app.call('getOpening', { siteId, openingId: '2-201' });
  assert.equal(d.version, 2);
  assert.deepEqual(
    d.history.map((h) => [h.field, h.oldValue, h.newValue, h.source, h.editor, h.at]),
    [
      ['ndaa_889', 'unknown', 'yes', 'import', 'office', NOW.toISOString()],
      ['fail_mode', 'fail-secure', 'fail-safe', 'import', 'office', NOW.toISOString()],
    ],
  );
  assert.ok(
    d.findings.some((f) => f.rule_id === 'high-security-fail-safe'),
    'findings recomputed on import',
  );
});

test('a diff confirmed before someone else edited the site is refused', async (t) => {
  const { app } = await open(t);
  const { result } = await importFile(app, 'a.csv', fixture('excel-utf8-bom-crlf.csv'), 'Clinic');
  const text = fixture('excel-utf8-bom-crlf.csv').toString('utf8').replace('Office 202', 'Office 202B');
  const p = await preview(app, 'b.csv', text, 'Clinic');
  const d = await app.call('getOpening', { siteId: result.siteId, openingId: '1-101' });
  await app.call('updateOpening', {
    siteId: result.siteId,
    openingId: '1-101',
    changes: { notes: 'field note' },
    editor: 'tech',
    baseVersion: d.version,
  });
  const before = contentHash(app);
  await rejects(
    app.call('applyImport', { fileName: 'b.csv', contentBase64: b64(text), siteName: 'Clinic', confirmDiffHash: p.diffHash! }),
    'conflict',
  );
  assert.equal(contentHash(app), before);
});

const BAD_FILES: [string, () => Promise<Uint8Array> | Uint8Array, RegExp][] = [
  ['bad-cells.csv', () => fixture('bad-cells.csv'), /Category must be one of/],
  ['missing-required-column.csv', () => fixture('missing-required-column.csv'), /Required column fail_mode is missing/],
  ['duplicate-columns.csv', () => fixture('duplicate-columns.csv'), /both mean opening_id/],
  ['unterminated-quote.csv', () => fixture('unterminated-quote.csv'), /cannot be read as CSV/],
  ['header-only.csv', () => fixture('header-only.csv'), /no openings/],
  ['empty.csv', () => new Uint8Array(0), /The file is empty/],
  ['binary.csv', () => Buffer.from([0, 1, 2, 3, 0, 255, 0, 10]), /binary/],
  ['fake.xlsx', () => Buffer.from('Mark,Category\n1,egress\n'), /not an XLSX workbook/],
  ['broken.xlsx', () => Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), /not a readable XLSX workbook/],
  ['schedule.pdf', () => Buffer.from('%PDF-1.7'), /Unsupported file type/],
];

test('every kind of bad file is rejected, reports every problem and leaves the database unchanged', async (t) => {
  const { app } = await open(t);
  await importFile(app, 'a.csv', fixture('excel-utf8-bom-crlf.csv'), 'Clinic');
  const before = contentHash(app);
  for (const [name, make, reason] of BAD_FILES) {
    const bytes = await make();
    for (const siteName of ['Clinic', 'New site']) {
      const p = await preview(app, name, bytes, siteName);
      assert.ok(p.errors.length > 0, name);
      assert.equal(p.diffHash, null, name);
      assert.ok(
        p.errors.some((e) => reason.test(e.reason)),
        `${name}: ${JSON.stringify(p.errors)}`,
      );
      const err = await rejects(
        app.call('applyImport', { fileName: name, contentBase64: b64(bytes), siteName, confirmDiffHash: 'x' }),
        'import-rejected',
      );
      assert.deepEqual(err.details, p.errors, `${name}: apply reports the same full list`);
      assert.equal(contentHash(app), before, `${name} changed the database`);
    }
  }
});

test('bad-cells.csv: every bad cell with row, header as in the file, value and reason', async (t) => {
  const { app } = await open(t);
  const p = await preview(app, 'bad-cells.csv', fixture('bad-cells.csv'), 'X');
  assert.deepEqual(
    p.errors.map((e: FieldIssue) => [e.row, e.column, e.value]),
    [
      [3, 'Category', 'lobby'],
      [3, 'PD Address', '127'],
      [4, 'Fail Mode', 'sometimes'],
      [4, 'Fire Rating', '3 days'],
      [5, 'Opening #', 'A-1'],
      [6, '(column 7)', 'extra'],
    ],
  );
});

test('migrations are recorded; a database with an unknown migration is refused and left alone', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'db.sqlite');
  const app = await createApp({ dbFile: file, dataDir: dir, demo: false });
  const names = app.ctx.db.prepare<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version').all();
  assert.equal(names[0]?.name, '001_schedule');
  app.ctx.db
    .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, ?)')
    .run('999_from_the_future', NOW.toISOString());
  const before = contentHash(app);
  await app.close();
  await assert.rejects(createApp({ dbFile: file, dataDir: dir, demo: false }), /999_from_the_future.*Refusing to open/s);
  const again = await createApp({ dbFile: file, dataDir: dir, demo: false }).catch(() => null);
  assert.equal(again, null);
  // open it read-only past the refusal to confirm nothing was touched
  const { openSqlite } = await import('../../db/sqlite');
  const raw = openSqlite(file, { readonly: true });
  const fake = { ctx: { db: raw } } as unknown as App;
  assert.equal(contentHash(fake), before);
  raw.close();
});

test('updateOpening: a bad value names the field and changes nothing; a good one is saved with history and findings', async (t) => {
  const { app } = await open(t);
  const siteId = (await importFile(app, 'a.csv', fixture('excel-utf8-bom-crlf.csv'), 'Clinic')).result.siteId;
  const d = await app.call('getOpening', { siteId, openingId: '1-101' });
  assert.deepEqual(d.findings, []);
  const before = contentHash(app);

  const bad = await rejects(
    app.call('updateOpening', {
      siteId,
      openingId: '1-101',
      changes: { pd_address: 127, fail_mode: 'FS' },
      editor: 'tech',
      baseVersion: d.version,
    }),
    'validation',
  );
  assert.match(bad.message, /pd_address: PD address must be a whole number from 0 to 126/);
  assert.deepEqual(bad.details, [{ field: 'pd_address', value: '127', reason: 'PD address must be a whole number from 0 to 126' }]);
  const unknown = await rejects(
    app.call('updateOpening', { siteId, openingId: '1-101', changes: { colour: 'red' }, editor: 'tech', baseVersion: d.version }),
    'validation',
  );
  assert.equal((unknown.details as FieldIssue[])[0]!.field, 'colour');
  await rejects(
    app.call('updateOpening', { siteId, openingId: '1-101', changes: { opening_id: '9-999' }, editor: 'tech', baseVersion: d.version }),
    'validation',
  );
  const extra = await rejects(
    app.call('updateOpening', { siteId, openingId: '1-101', changes: { extras: { Mark: 'x' } }, editor: 'tech', baseVersion: d.version }),
    'validation',
  );
  assert.match(extra.message, /extras\.Mark: "Mark" would be read back as the opening_id column/);
  await rejects(app.call('updateOpening', { siteId, openingId: 'nope', changes: {}, editor: 'tech', baseVersion: 1 }), 'not-found');
  assert.equal(contentHash(app), before, 'refused edits change nothing');

  const saved = await app.call('updateOpening', {
    siteId,
    openingId: '1-101',
    changes: { fail_mode: 'Fail Secure', pd_address: '9' },
    editor: 'tech',
    baseVersion: d.version,
  });
  assert.equal(saved.version, d.version + 1);
  assert.equal(saved.opening.fail_mode, 'fail-secure');
  assert.equal(saved.opening.pd_address, 9);
  assert.deepEqual(
    saved.history.map((h) => [h.field, h.oldValue, h.newValue, h.source, h.editor]),
    [
      ['pd_address', '2', '9', 'form', 'tech'],
      ['fail_mode', 'fail-safe', 'fail-secure', 'form', 'tech'],
    ].sort((a, b) => (a[0]! < b[0]! ? 1 : -1)),
  );
  assert.ok(saved.findings.some((f) => f.rule_id === 'maglock-fail-secure' && f.severity === 'life-safety'));
  const page = await app.call('queryOpenings', { siteId, severity: 'life-safety' });
  assert.deepEqual(
    page.rows.map((r) => r.opening_id),
    ['1-101'],
  );

  const stale = await rejects(
    app.call('updateOpening', { siteId, openingId: '1-101', changes: { notes: 'x' }, editor: 'other', baseVersion: d.version }),
    'conflict',
  );
  assert.match(stale.message, /changed since the form was loaded/);
});

test('queryOpenings: search, filters, sort, paging; bad filter values are named', async (t) => {
  const { app } = await open(t);
  const siteId = (await importFile(app, 'a.csv', fixture('excel-utf8-bom-crlf.csv'), 'Clinic')).result.siteId;
  const q = async (x: Record<string, unknown>) => await app.call('queryOpenings', { siteId, ...x });
  assert.equal((await q({})).total, 4);
  assert.deepEqual(
    (await q({ search: 'east' })).rows.map((r) => r.opening_id),
    ['1-101'],
  );
  assert.deepEqual(
    (await q({ search: 'PUSH TO' })).rows.map((r) => r.opening_id),
    ['1-101'],
  );
  assert.deepEqual(
    (await q({ search: '2-20' })).rows.map((r) => r.opening_id),
    ['2-201', '2-202'],
  );
  assert.equal((await q({ search: '%' })).total, 0, 'LIKE wildcards are literal');
  assert.deepEqual(
    (await q({ category: 'egress', failMode: 'fail-safe' })).rows.map((r) => r.opening_id),
    ['1-101', '1-102'],
  );
  assert.deepEqual(
    (await q({ lockType: 'electric-strike' })).rows.map((r) => r.opening_id),
    ['2-202'],
  );
  assert.deepEqual(
    (await q({ lockingArrangement: 'door-hardware-release' })).rows.map((r) => r.opening_id),
    ['1-102'],
  );
  const proc = await q({ severity: 'procurement' });
  assert.deepEqual(
    proc.rows.map((r) => [r.opening_id, r.worstSeverity, r.findingCount]),
    [
      ['1-102', 'procurement', 1],
      ['2-201', 'procurement', 2],
      ['2-202', 'procurement', 1],
    ],
  );
  assert.deepEqual(
    (await q({ severity: 'none' })).rows.map((r) => r.opening_id),
    ['1-101'],
  );
  const sorted = await q({ sort: { field: 'opening_id', desc: true }, limit: 2, offset: 1 });
  assert.equal(sorted.total, 4);
  assert.deepEqual(
    sorted.rows.map((r) => r.opening_id),
    ['2-201', '1-102'],
  );
  const e = await rejects(q({ category: 'lobby' }), 'validation');
  assert.match(e.message, /category must be one of/);
  await rejects(q({ sort: { field: 'extras; DROP TABLE openings', desc: false } }), 'validation');
  await rejects(app.call('queryOpenings', { siteId: 999 }), 'not-found');
});

test('site list and summary count by mode, category and severity', async (t) => {
  const { app } = await open(t);
  const siteId = (await importFile(app, 'a.csv', fixture('excel-utf8-bom-crlf.csv'), 'Clinic')).result.siteId;
  const sites = await app.call('listSites', {});
  assert.equal(sites.length, 1);
  assert.equal(sites[0]!.openingCount, 4);
  const s = (await app.call('getSiteSummary', { siteId })) as {
    byMode: Record<string, number>;
    byCategory: Record<string, number>;
    findingsBySeverity: Record<string, number>;
    openingsWithFindings: number;
  };
  assert.deepEqual(s.byMode, { 'fail-safe': 2, 'fail-secure': 2 });
  assert.deepEqual(s.byCategory, { egress: 2, perimeter: 0, 'high-security': 1, interior: 1 });
  assert.deepEqual(s.findingsBySeverity, sites[0]!.findingsBySeverity);
  assert.equal(s.openingsWithFindings, 3);
});

test('the demo site loads once on first run and does not come back after it is deleted', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'doorcx.sqlite');
  let app = await createApp({ dbFile: file, dataDir: dir });
  const sites = await app.call('listSites', {});
  assert.deepEqual(
    sites.map((s) => [s.name, s.openingCount]),
    [['Demo - Riverside Clinic', 39]],
  );
  const siteId = sites[0]!.id;
  const fixed: [string, number, string, string][] = [
    ['1-100', 1, 'fail-secure', 'normal'],
    ['1-101', 2, 'fail-safe', 'sensor-release'],
    ['1-102', 3, 'fail-safe', 'door-hardware-release'],
    ['1-103', 4, 'fail-safe', 'door-hardware-release'],
    ['1-104', 5, 'fail-safe', 'sensor-release'],
    ['2-201', 6, 'fail-secure', 'normal'],
    ['2-202', 7, 'fail-secure', 'normal'],
  ];
  for (const [id, addr, mode, arr] of fixed) {
    const d = await app.call('getOpening', { siteId, openingId: id });
    assert.deepEqual([d.opening.pd_address, d.opening.fail_mode, d.opening.locking_arrangement], [addr, mode, arr], id);
    assert.deepEqual(
      [d.opening.lock_output, d.opening.alarm_output, d.opening.lock_status_input, d.opening.dps_input, d.opening.rex_input],
      [0, 1, 0, 1, 2],
    );
    assert.ok(!d.findings.some((f) => f.severity === 'life-safety'), `${id} has no life-safety finding`);
  }
  const all = listOpenings(app.ctx.db, siteId);
  assert.deepEqual(
    all.map((o) => o.pd_address),
    all.map((_, i) => i + 1),
    'addresses 1..N in schedule order',
  );
  const summary = sites[0]!.findingsBySeverity;
  assert.ok(summary['life-safety'] >= 1 && summary.compliance >= 1 && summary.procurement >= 1, JSON.stringify(summary));
  await app.close();

  app = await createApp({ dbFile: file, dataDir: dir });
  assert.equal((await app.call('listSites', {})).length, 1, 'not loaded twice');
  deleteSite(app.ctx.db, siteId);
  await app.close();
  app = await createApp({ dbFile: file, dataDir: dir });
  assert.deepEqual(await app.call('listSites', {}), [], 'a deleted demo stays deleted');
  await app.close();
});
