// The reader thread of a CSV/TSV import into a new site (see row-thread.ts): reads and checks the file
// row by row, exactly as the import in one thread does, and posts the rows of the accepted openings in
// batches while the main thread writes them. Once a problem is found it posts no more rows but reads on,
// so the end message lists every problem.
import { workerData, type MessagePort } from 'node:worker_threads';
import { OpeningsBuilder, type CellIssue } from '../../core/schedule/rows';
import type { SqlValue } from '../sqlite';
import { readTextFile } from './files';
import { OPENING_ROW_WIDTH, OPENING_VALUES_AT, openingRow } from './repository';
import { ROWS_PER_BATCH, type RowThreadInput, type RowThreadMessage } from './row-thread';

const { fileName, bytes, port, posted } = workerData as RowThreadInput & { port: MessagePort };
const PER_ROW = OPENING_ROW_WIDTH - OPENING_VALUES_AT;

function post(message: RowThreadMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  // After the message is queued: the main thread waits on this counter, then takes the message.
  Atomics.add(posted, 0, 1);
  Atomics.notify(posted, 0);
}

// Each distinct value of a column is sent once and then named by its number in the table, until the column has
// shown DISTINCT_MAX of them: then its values go as they are (an id, a room name), as looking up ever more
// values that never repeat costs more than copying them (see RowThreadMessage).
const DISTINCT_MAX = 1024;
const numbers = Array.from({ length: PER_ROW }, () => new Map<SqlValue, number>());
let tableSize = 1; // 0 is null
let values: SqlValue[] = [];
let raw: SqlValue[] = [];
let codes = new Int32Array(ROWS_PER_BATCH * PER_ROW);
let filled = 0;

/** A value's number in the table, or -1 where it goes in `raw`. */
function encode(column: number, v: SqlValue): number {
  if (v === null) return 0;
  const seen = numbers[column]!;
  if (seen.size >= DISTINCT_MAX) {
    raw.push(v);
    return -1;
  }
  let n = seen.get(v);
  if (n === undefined) {
    n = tableSize++;
    seen.set(v, n);
    values.push(v);
  }
  return n;
}

function flush(): void {
  post({ at: OPENING_VALUES_AT, width: OPENING_ROW_WIDTH, values, raw, codes: codes.subarray(0, filled) }, [codes.buffer]);
  values = [];
  raw = [];
  codes = new Int32Array(ROWS_PER_BATCH * PER_ROW);
  filled = 0;
}

try {
  let builder: OpeningsBuilder | undefined;
  const row = new Array<SqlValue>(OPENING_ROW_WIDTH).fill(null);
  const read = readTextFile(fileName, bytes, {
    header: (cells, headerRow) => (builder = new OpeningsBuilder(cells, headerRow, { keep: false })),
    row: (r) => {
      const o = builder!.add(r);
      if (!o || builder!.failed) return;
      openingRow(o, row);
      for (let c = OPENING_VALUES_AT; c < OPENING_ROW_WIDTH; c++) codes[filled++] = encode(c - OPENING_VALUES_AT, row[c]!);
      if (filled === codes.length) flush();
    },
  });
  if (read === null) throw new Error('An XLSX workbook is not read by the row thread');
  const errors: CellIssue[] = read.ok ? (builder ?? new OpeningsBuilder([], 1, { keep: false })).finish().errors : read.errors;
  if (filled > 0 && errors.length === 0) flush();
  post({ end: true, errors });
} catch (err) {
  post({ crashed: (err as Error).stack ?? String(err) });
}
