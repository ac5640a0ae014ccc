// A CSV/TSV import into a new site reads and checks its file on a thread of its own (row-thread-worker.ts)
// while the main thread writes the rows to the database: on two cores the reading and the writing overlap,
// and the import takes about as long as the reading. The rows come back in file order, as openingRow makes them; the main thread waits for
// them synchronously (Atomics.wait), so the whole import stays one synchronous database transaction that
// nothing else can interleave with.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { CellIssue } from '../../core/schedule/rows';
import type { SqlValue } from '../sqlite';

export interface RowThreadInput {
  fileName: string;
  bytes: Uint8Array;
  /** How many messages the thread has posted (one Int32 over shared memory). */
  posted: Int32Array;
}

/**
 * Rows go over as numbers into a table of values: `codes` holds each row's values from `at` on (in a row of
 * `width` values, as openingRow lays it out), each the number of a value in the table (0 being null; `values`
 * are the values seen for the first time, which take the next numbers), or -1 for the next value of `raw`.
 * Most columns of a schedule repeat a few values, so each of those is copied across once rather than on
 * every row: copying every value cost the main thread more than the checks it was spared. A column of values
 * that do not repeat goes in `raw`.
 */
export type RowThreadMessage =
  | { at: number; width: number; values: SqlValue[]; raw: SqlValue[]; codes: Int32Array }
  | { end: true; errors: CellIssue[] }
  | { crashed: string };

export const ROWS_PER_BATCH = 500;

/** How long the reader may go without posting before it is taken as dead (a batch takes milliseconds). */
const SILENCE_MS = 60_000;

// Built, the thread is its own bundle beside this code's (scripts/build-node.mjs); from source it is the
// TypeScript file, run through tsx like the rest.
const WORKER_URL = new URL('./row-thread-worker.ts', import.meta.url);

/** Reads and checks a CSV/TSV file on a thread of its own, from the moment it is made. */
export class RowThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly posted = new Int32Array(new SharedArrayBuffer(4));
  private taken = 0;

  constructor(fileName: string, bytes: Uint8Array) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // The entry is loaded by a small script that reports a failure to load it (in its stead, as nothing else
    // can reach a thread that waits in Atomics.wait). From source, through tsx's tsImport: a worker of
    // Node 20 does not take the loader hooks that `--import tsx` registers.
    const url = JSON.stringify(WORKER_URL.href);
    const load = WORKER_URL.pathname.endsWith('.ts')
      ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ tsImport }) => tsImport(${url}, ${url}))`
      : `import(${url})`;
    const bootstrap = `const { workerData: d } = require('node:worker_threads');
${load}.catch((err) => {
  d.port.postMessage({ crashed: String((err && err.stack) || err) });
  Atomics.add(d.posted, 0, 1);
  Atomics.notify(d.posted, 0);
});`;
    this.worker = new Worker(bootstrap, {
      eval: true,
      workerData: { fileName, bytes, posted: this.posted, port: port2 },
      transferList: [port2],
    });
    // Ended by close(), or on its own after its last message: never what keeps the process alive.
    this.worker.unref();
  }

  /**
   * Hands every accepted opening's row (openingRow's layout) to `add`, in file order, waiting for the thread
   * as needed: one array, reused, whose slots before the opening's values are the caller's. Returns the
   * file's problems, or none.
   */
  read(add: (row: SqlValue[]) => void): CellIssue[] {
    const table: SqlValue[] = [null];
    let row: SqlValue[] = [];
    for (;;) {
      const m = this.receive();
      if ('crashed' in m) throw new Error(`The schedule reader thread failed: ${m.crashed}`);
      if ('end' in m) return m.errors;
      for (const v of m.values) table.push(v);
      const { at, width, codes, raw } = m;
      if (row.length !== width) row = new Array<SqlValue>(width).fill(null);
      let r = 0;
      for (let k = 0; k < codes.length;) {
        for (let c = at; c < width; c++) {
          const n = codes[k++]!;
          row[c] = n < 0 ? raw[r++]! : (table[n] as SqlValue);
        }
        add(row);
      }
    }
  }

  private receive(): RowThreadMessage {
    for (;;) {
      const got = receiveMessageOnPort(this.port);
      if (got) {
        this.taken++;
        return got.message as RowThreadMessage;
      }
      if (Atomics.wait(this.posted, 0, this.taken, SILENCE_MS) === 'timed-out')
        throw new Error(`The schedule reader thread posted nothing for ${SILENCE_MS / 1000} s`);
    }
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }
}
