// Figures for the tamper check and the hostile-input guards (printed, never asserted):
// verifyEventLog over a large recorded log, the XLSX bound check on a real 10k-opening
// workbook and on zip bombs, the line-ending scan, and opening a database (quick_check).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflateRaw, crc32 } from 'node:zlib';
import { DEFAULT_SETTINGS, procedureFor } from '../core/procedures';
import type { StepRecord } from '../core/runs/machine';
import type { Opening } from '../core/schedule/types';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open';
import { appendEvent, createAttempt, createRun, endAttempt, recordStep, verifyEventLog } from '../db/runs';
import { createSite, insertOpening } from '../db/schedule';
import { decodeText, mixedLineEndings, readXlsx, writeCsv, writeXlsx } from '../db/schedule/files';
import { exportTable } from '../db/schedule/import';
import { checkXlsxBounds } from '../db/schedule/xlsx-guard';
import { openSqlite } from '../db/sqlite';
import { GOOD } from '../test/fixtures/schedules/openings';
import { zip } from '../test/support/zip';

const dir = mkdtempSync(join(tmpdir(), 'doorcx-integrity-bench-'));
const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const openings = (n: number): Opening[] =>
  Array.from({ length: n }, (_, i) => ({ ...GOOD, opening_id: `${1 + (i % 9)}-${i}`, notes: `line one\nline "two", ${i}` }));

function recordedLog(): void {
  const db = openSqlite(join(dir, 'log.sqlite'));
  db.pragma('synchronous = OFF'); // setup speed only: what is measured is the check
  migrate(db);
  const now = new Date('2026-12-01T10:00:00Z');
  const site = createSite(db, 'Bench', now);
  const run = createRun(db, { siteId: site.id, technician: 'Ana', settings: DEFAULT_SETTINGS }, now);
  const t0 = performance.now();
  for (let i = 0; i < 500; i++) {
    const opening = { ...GOOD, opening_id: `1-${i}` };
    const attempt = createAttempt(
      db,
      { runId: run.id, opening, plan: procedureFor(opening, 'power-drop', DEFAULT_SETTINGS), link: 'bench', supersedes: null },
      now,
    );
    for (let s = 0; s < 6; s++) {
      db.transaction(() => {
        for (let r = 0; r < 20; r++)
          appendEvent(db, { type: 'readings', runId: run.id, attemptId: attempt.id, payload: { at: r * 50, values: [1, 0, 1] } }, now);
      });
      const record: StepRecord = {
        procedureId: 'power-drop',
        stepId: `s${s}`,
        stepIndex: s,
        kind: 'watch',
        title: 'Lock releases',
        verdict: i % 10 === 0 ? 'fail' : 'pass',
        reason: 'released 120 ms after the drop',
        measuredMs: 120.5,
        resolutionMs: 50,
        startedAt: 1000 * s,
        endedAt: 1000 * s + 900,
        deficiency: i % 10 === 0 ? { severity: 'life-safety', description: `held on power loss (${i})` } : null,
        personEvidence: false,
        evidence: { trace: Array.from({ length: 20 }, (_, k) => ({ at: k * 50, values: [1, 0, 1] })) },
      };
      recordStep(db, { run, attempt, record, by: 'Ana' }, now);
    }
    endAttempt(db, attempt, i % 10 === 0 ? 'fail' : 'pass', 'done', now);
  }
  const built = ms(t0);
  const t1 = performance.now();
  const check = verifyEventLog(db);
  console.log(
    `verifyEventLog: 500 attempts × 6 steps (+ 60,000 reading events): ${check.count} events, ${check.rows.length} mismatches, ok=${check.ok} in ${ms(t1)} (recording took ${built})`,
  );
  db.close();
}

async function bomb(mbytes: number, name: string): Promise<Buffer> {
  const z = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => z.on('end', r));
  const chunk = Buffer.alloc(1024 * 1024, 'A');
  let crc = 0;
  for (let i = 0; i < mbytes; i++) {
    crc = crc32(chunk, crc);
    if (!z.write(chunk)) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  return zip([{ name, deflated: { data: Buffer.concat(out), size: mbytes * 1024 * 1024, crc } }]);
}

async function xlsx(): Promise<void> {
  const t = exportTable(openings(10_000));
  const bytes = await writeXlsx(t.headers, t.rows);
  let t0 = performance.now();
  await checkXlsxBounds(bytes);
  const guard = ms(t0);
  t0 = performance.now();
  await readXlsx(bytes);
  console.log(`XLSX 10k openings (${mb(bytes.length)}): bound check ${guard}, whole read (check included) ${ms(t0)}`);
  for (const [size, part] of [
    [60, 'xl/sharedStrings.xml'],
    [1024, 'xl/worksheets/sheet1.xml'],
  ] as const) {
    const b = await bomb(size, part);
    const rss0 = process.memoryUsage().rss;
    t0 = performance.now();
    const reason = await checkXlsxBounds(b);
    console.log(
      `zip bomb ${(b.length / 1024).toFixed(0)} kB → ${size} MB (${part}): refused in ${ms(t0)}, RSS +${mb(Math.max(0, process.memoryUsage().rss - rss0))}: ${reason?.slice(0, 60)}…`,
    );
  }
}

function lineEndings(): void {
  const t = exportTable(openings(50_000));
  // CRLF rows, LF inside quoted notes: the full scan runs. Decoded from bytes, as an import reads it.
  const csv = decodeText(Buffer.from(writeCsv(t.headers, t.rows)));
  const t0 = performance.now();
  const r = mixedLineEndings(csv, ',');
  console.log(
    `line-ending scan, 50k-opening CSV (${mb(csv.length)}, CRLF rows with LF in quoted cells): ${ms(t0)}, ${r ? 'mixed' : 'consistent'}`,
  );
}

function openTime(): void {
  const file = join(dir, 'open.sqlite');
  const db = openDatabase(file);
  const site = createSite(db, 'Big', new Date());
  db.transaction(() => openings(50_000).forEach((o, i) => insertOpening(db, site.id, o, i, new Date())));
  db.close();
  const t0 = performance.now();
  openDatabase(file).close();
  console.log(`openDatabase with 50k openings (quick_check + migrations): ${ms(t0)}`);
}

try {
  recordedLog();
  await xlsx();
  lineEndings();
  openTime();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
