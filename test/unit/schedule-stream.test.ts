// The import reads a CSV row by row (papaparse's step callback) straight into the openings
// builder. What it reads must be what papaparse reads from the whole text at once, and the
// problems it reports must name the same rows, columns and fields.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import Papa from 'papaparse';
import { OpeningsBuilder, tableToOpenings, type TableRow } from '../../core/schedule/rows';
import { decodeText, readDelimited, readScheduleFile, restoreCsvCell, sniffDelimiter, writeCsv, writeXlsx } from '../../db/schedule/files';

const FIX = new URL('../fixtures/schedules/', import.meta.url);

/** What papaparse reads from the whole text in one call (no step callback): the reference. */
function wholeParse(text: string): { headers: string[]; rows: TableRow[]; errorRows: number[] } {
  const body = text.replace(/^\uFEFF/, '');
  const parsed = Papa.parse<string[]>(body, { delimiter: sniffDelimiter(body), header: false, skipEmptyLines: false });
  const [headers = [], ...rest] = parsed.data.map((cells) => cells.map(restoreCsvCell));
  return { headers, rows: rest.map((cells, i) => ({ rowNumber: i + 2, cells })), errorRows: parsed.errors.map((e) => (e.row ?? 0) + 1) };
}

function streamed(text: string) {
  const seen: { headers?: string[]; headerRow?: number; rows: TableRow[] } = { rows: [] };
  const r = readDelimited(text, {
    header: (cells, headerRow) => Object.assign(seen, { headers: cells, headerRow }),
    row: (row) => seen.rows.push(row),
  });
  return { ...r, seen };
}

const HEADER = 'opening_id,category,lock_type,fail_mode,Heading';
const row = (i: number) => `1-${i},egress,maglock,fail-safe,"H ""${i}"", a"`;
const big = (n: number, edit: (i: number, line: string) => string = (_i, l) => l) =>
  [HEADER, ...Array.from({ length: n }, (_, i) => edit(i + 2, row(i + 2)))].join('\r\n') + '\r\n';

const SAMPLES: [string, string][] = [
  ...readdirSync(FIX)
    .filter((f) => /\.(csv|txt)$/.test(f))
    .map((f): [string, string] => [f, decodeText(readFileSync(new URL(f, FIX)))]),
  ['3,000 rows, trailing blank lines', big(3000) + ',,,,\r\n\r\n'],
  ['a malformed quote at row 2,501', big(3000, (i, l) => (i === 2501 ? '1-x,"egress"x,maglock,FS,' : l))],
  ['an unclosed quote at row 2,999', big(3000, (i, l) => (i === 2999 ? '1-y,"egress,maglock,FS,' : l))],
  ['only a BOM', '\uFEFF'],
  ['a header without a newline', HEADER],
  ['semicolons and a formula-like cell', "opening_id;category;lock_type;fail_mode;Notes\n1-1;egress;maglock;FS;'=SUM(A1)\n"],
];

test('rows read one by one are the rows papaparse reads from the whole text, with parse errors on the same rows', () => {
  for (const [name, text] of SAMPLES) {
    const whole = wholeParse(text);
    const r = streamed(text);
    if (r.errors.length > 0 && /mixes line endings/.test(r.errors[0]!.reason)) continue;
    assert.deepEqual(r.seen.headers, whole.headers, name);
    assert.equal(r.seen.headerRow, 1, name);
    assert.deepEqual(r.seen.rows, whole.rows, name);
    assert.deepEqual(
      r.errors.map((e) => e.row),
      whole.errorRows,
      name,
    );
    assert.deepEqual(r.table.rows, [], `${name}: with a sink, no rows are kept`);
    // Without a sink the same rows come back in the table.
    assert.deepEqual(readDelimited(text).table.rows, whole.rows, name);
  }
});

test('a parse error deep in a big CSV names its row', async () => {
  const read = await readScheduleFile('big.csv', Buffer.from(big(3000, (i, l) => (i === 2501 ? '1-x,"egress"x,maglock,FS,' : l))), {
    header: () => {},
    row: () => {},
  });
  assert.equal(read.ok, false);
  const errors = read.ok ? [] : read.errors;
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.row, 2501);
  assert.match(errors[0]!.reason, /^The file cannot be read as CSV: Trailing quote on quoted field is malformed/);
});

test('streamed into the builder, a bad cell deep in a big CSV is reported by row, column and field, like the whole-table path', async () => {
  const text = big(3000, (i, l) =>
    i === 2777 ? l.replace('fail-safe', 'sometimes') : i === 2900 ? l.replace('egress', 'lobby') : i === 2950 ? row(12) : l,
  );
  const bytes = Buffer.from(text, 'utf8');
  let builder: OpeningsBuilder | undefined;
  const read = await readScheduleFile('big.csv', bytes, {
    header: (cells, headerRow) => (builder = new OpeningsBuilder(cells, headerRow)),
    row: (r) => builder!.add(r),
  });
  assert.ok(read.ok);
  const result = builder!.finish();
  const whole = await readScheduleFile('big.csv', bytes);
  assert.ok(whole.ok);
  assert.deepEqual(result, tableToOpenings(whole.table));
  assert.deepEqual(
    result.errors.map((e) => [e.row, e.column, e.field, e.value]),
    [
      [2777, 'fail_mode', 'fail_mode', 'sometimes'],
      [2900, 'category', 'category', 'lobby'],
      [2950, 'opening_id', 'opening_id', '1-12'],
    ],
  );
  assert.match(result.errors[2]!.reason, /Duplicate opening id: row 12 has the same id/);
  assert.equal(result.filledRows, 3000);
  assert.equal(result.openings.length, 2997);
});

test('an XLSX handed to a sink gives the same header and rows as the table read whole', async () => {
  const headers = ['Opening #', 'Category', 'Lock Type', 'Fail Mode', 'Heading'];
  const rows = Array.from({ length: 300 }, (_, i) => [`1-${i}`, 'Egress', 'Mag Lock', 'FS', i % 7 === 0 ? '' : `H${i}`]);
  const bytes = await writeXlsx(headers, rows);
  const whole = await readScheduleFile('s.xlsx', bytes);
  assert.ok(whole.ok);
  const seen: TableRow[] = [];
  let head: string[] = [];
  const read = await readScheduleFile('s.xlsx', bytes, { header: (cells) => (head = cells), row: (r) => seen.push(r) });
  assert.ok(read.ok);
  assert.equal(read.format, 'xlsx');
  assert.deepEqual(head, whole.table.headers);
  assert.deepEqual(seen, whole.table.rows);
  assert.equal(seen.length, 300);
  assert.equal(tableToOpenings(whole.table).openings.length, 300);
});

test('a rejected file counts every row with a value (a lone "-" too) as before streaming', () => {
  const text = writeCsv(
    ['opening_id', 'category', 'lock_type', 'fail_mode'],
    [
      ['-', '', '', ''],
      ['1-1', 'hall', 'maglock', 'FS'],
      ['', '', '', ''],
    ],
  );
  let builder: OpeningsBuilder | undefined;
  readDelimited(text, { header: (cells, headerRow) => (builder = new OpeningsBuilder(cells, headerRow)), row: (r) => builder!.add(r) });
  const result = builder!.finish();
  assert.equal(result.filledRows, 2);
  assert.deepEqual(
    result.errors.map((e) => [e.row, e.field]),
    [[3, 'category']],
  );
});
