// The reader thread of a CSV import into a new site (db/schedule/row-thread.ts): the rows it hands over are
// exactly the rows this thread makes from the same file (the database's CHECKs are not evaluated on them, so
// a value mixed up in transit would be stored as it comes), in file order, and its failures are errors, not
// a wait that never ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpeningsBuilder, type CellIssue } from '../../core/schedule/rows';
import { OPENING_FIELD_NAMES } from '../../core/schedule/schema';
import { SEVERITIES, type Opening, type OpeningField } from '../../core/schedule/types';
import { exportTable, openingRow } from '../../db/schedule';
import { readTextFile, writeCsv, writeXlsx } from '../../db/schedule/files';
import { RowThread } from '../../db/schedule/row-thread';
import type { SqlValue } from '../../db/sqlite';
import { seededOpenings } from '../fixtures/schedules/openings';

/** What the import in one thread makes of a file: each accepted opening's row, and the problems. */
function inThisThread(fileName: string, bytes: Buffer): { rows: SqlValue[][]; errors: CellIssue[] } {
  let builder: OpeningsBuilder | undefined;
  const rows: SqlValue[][] = [];
  const read = readTextFile(fileName, bytes, {
    header: (cells, headerRow) => (builder = new OpeningsBuilder(cells, headerRow, { keep: false })),
    row: (r) => {
      const o = builder!.add(r);
      if (o && !builder!.failed) rows.push(openingRow(o));
    },
  })!;
  return { rows, errors: read.ok ? builder!.finish().errors : read.errors };
}

function overTheThread(fileName: string, bytes: Buffer): { rows: SqlValue[][]; errors: CellIssue[] } {
  const reader = new RowThread(fileName, bytes);
  try {
    const rows: SqlValue[][] = [];
    const errors = reader.read((row) => rows.push([...row]));
    return { rows, errors };
  } finally {
    reader.close();
  }
}

/** The writer's slots (site, position, time) are not the thread's to fill. */
const ownValues = (rows: SqlValue[][]) => rows.map((r) => r.slice(3));

function csv(openings: Opening[]): Buffer {
  const { headers, rows } = exportTable(openings);
  return Buffer.from(writeCsv(headers, rows), 'utf8');
}

test('the rows over the thread are the rows made here, value for value and type for type, in file order', () => {
  // 2,600 rows, several batches. The notes repeat a few values, then take a new value on every row past the
  // point where the thread stops numbering a column's values and sends them as they are, then repeat values
  // it numbered before; the room numbers look like the pd addresses (text "12" beside the integer 12); empty
  // numbers are null beside 0; extras come and go.
  const openings = seededOpenings(2600, 'r', 11).map((o, i) => ({
    ...o,
    notes: i < 600 ? `note ${i % 7}` : i < 2000 ? `note ${i}` : `note ${i % 7}`,
    location: String(o.pd_address ?? 0),
    lock_current_ma: i % 3 === 0 ? null : i % 3,
  }));
  const bytes = csv(openings);
  const here = inThisThread('doors.csv', bytes);
  const there = overTheThread('doors.csv', bytes);
  assert.deepEqual(there.errors, []);
  assert.equal(there.rows.length, 2600);
  assert.deepEqual(ownValues(there.rows), ownValues(here.rows));
  // deepEqual tells 12 from "12": the test holds both, in the same rows (openingRow's layout: the writer's 3
  // slots, 4 finding columns, the counts by severity, then the fields).
  const field = (name: OpeningField) => 7 + SEVERITIES.length + OPENING_FIELD_NAMES.indexOf(name);
  assert.ok(there.rows.some((r) => r[field('location')] === '12' && r[field('pd_address')] === 12));
});

test('a file with problems: the same problems as here, and no row after the first problem', () => {
  const { headers, rows } = exportTable(seededOpenings(1800, 'p', 3));
  rows[1200]![headers.indexOf('fail_mode')] = 'sometimes';
  rows[1700]![headers.indexOf('opening_id')] = rows[5]![headers.indexOf('opening_id')]!;
  const bytes = Buffer.from(writeCsv(headers, rows), 'utf8');
  const here = inThisThread('bad.csv', bytes);
  const there = overTheThread('bad.csv', bytes);
  assert.equal(there.errors.length, 2);
  assert.deepEqual(there.errors, here.errors);
  assert.ok(there.rows.length <= 1200, `${there.rows.length} rows handed over`);
  assert.deepEqual(ownValues(there.rows), ownValues(here.rows.slice(0, there.rows.length)));
});

test('a file the reader cannot read is refused with its reason; a failure inside the thread is an error naming it', async () => {
  assert.deepEqual(
    overTheThread('doors.csv', Buffer.from([0x41, 0x00, 0x42, 0x0a])).errors,
    inThisThread('doors.csv', Buffer.from([0x41, 0x00, 0x42, 0x0a])).errors,
  );
  const { headers, rows } = exportTable(seededOpenings(3, 'x', 1));
  const workbook = await writeXlsx(headers, rows);
  assert.throws(() => overTheThread('doors.xlsx', workbook), /The schedule reader thread failed: .*XLSX workbook/);
});
