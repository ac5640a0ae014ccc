// Report figures (printed, never asserted). Targets: 1,000 openings × 3 procedures with 100 photos:
// build + sign ≤ 5 s and ≤ 300 MB peak RSS; verify ≤ 1 s. Baseline: an empty 1,000-page pdfkit document.
// The site is recorded in this process; the build and the verify each run in a fresh child process so
// their time and peak RSS are their own.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import PDFDocument from 'pdfkit';
import { modeReason } from '../core/runs/progress';
import type { Opening } from '../core/schedule/types';
import { openSqlite } from '../db/sqlite';
import { buildReport } from '../report/build';
import { createTechnicianP12, openP12 } from '../report/certificate';
import { verifyReport } from '../report/verify';

const OPENINGS = 1000;
const PHOTOS = 100;
const PASS = 'bench passphrase';

/** A noisy RGB PNG (w×h), distinct per seed, like a phone photo thumbnail in size. */
function png(seed: number, w = 320, h = 240): Buffer {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  let s = seed * 7919 + 1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w * 3; x++) raw[y * (w * 3 + 1) + 1 + x] = (s = (s * 1103515245 + 12345) & 0x7fffffff) >> 23;
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Records the site (in the parent process only: the children load just what a build or a verify loads). */
async function record(dir: string): Promise<void> {
  const { procedureFor, proceduresFor, DEFAULT_SETTINGS } = await import('../core/procedures');
  const { migrate } = await import('../db/migrate');
  const { addHandwrittenSignature } = await import('../db/reports/repository');
  const { createAttempt, createRun, endAttempt, insertAttachment, recordStep, storePhoto } = await import('../db/runs');
  const { createSite, insertOpenings } = await import('../db/schedule');
  const { GOOD } = await import('../test/fixtures/schedules/openings');
  const db = openSqlite(join(dir, 'doorcx.sqlite'));
  migrate(db);
  const now = new Date('2026-01-05T09:00:00Z');
  const site = createSite(db, 'Bench hospital — Café 東館', now);
  const openings: Opening[] = Array.from({ length: OPENINGS }, (_, i) => ({
    ...GOOD,
    opening_id: `${1 + (i % 10)}-${String(i).padStart(4, '0')}`,
    floor: String(1 + (i % 10)),
    location: `Corridor ${i} “east” — Zoë’s wing`,
    pd_address: i % 126,
  }));
  insertOpenings(db, site.id, openings, now);
  const run = createRun(db, { siteId: site.id, technician: 'Bench Technician', settings: DEFAULT_SETTINGS }, now);
  let t = now.getTime();
  let photos = 0;
  db.transaction(() => {
    for (const o of openings) {
      for (const plan of proceduresFor(o, DEFAULT_SETTINGS)
        .slice(0, 3)
        .map((p) => procedureFor(o, p.id, DEFAULT_SETTINGS))) {
        const attempt = createAttempt(db, { runId: run.id, opening: o, plan, link: 'simulated', supersedes: null }, new Date(t));
        const fail = photos < PHOTOS && plan.id === 'power-drop' && openings.indexOf(o) % 10 === 0;
        plan.steps.forEach((s, i) => {
          const verdict = fail && i === 2 ? 'fail' : 'pass';
          t += 700;
          const r = recordStep(
            db,
            {
              run,
              attempt,
              by: run.technician,
              record: {
                procedureId: plan.id,
                stepId: s.id,
                stepIndex: i,
                kind: s.kind,
                title: s.title,
                verdict,
                reason: verdict === 'fail' ? 'still secured 2.05 s after power was dropped' : 'as expected',
                measuredMs: s.kind === 'watch' ? 412 + (t % 300) : null,
                resolutionMs: s.kind === 'watch' ? 50 : null,
                startedAt: t - 600,
                endedAt: t,
                deficiency: verdict === 'fail' ? { severity: 'life-safety', description: 'Does not release on power loss' } : null,
                personEvidence: s.kind === 'confirm',
                evidence: { trace: [] },
              },
            },
            new Date(t),
          );
          if (r.deficiencyId !== null) {
            const bytes = png(photos++);
            const sha = storePhoto(dir, bytes);
            insertAttachment(
              db,
              { deficiencyId: r.deficiencyId, sha256: sha, fileName: `photo-${photos}.png`, mimeType: 'image/png', size: bytes.length },
              run.id,
              new Date(t),
            );
          }
        });
        endAttempt(db, attempt, fail ? 'fail' : 'pass', fail ? 'did not release' : 'all steps passed', new Date(t));
      }
    }
  });
  const stroke: [number, number][] = Array.from({ length: 200 }, (_, i) => [i / 200, 0.5 + 0.3 * Math.sin(i / 10)]);
  addHandwrittenSignature(db, site.id, { role: 'technician', name: 'Bench Technician', title: '', strokes: [stroke] }, new Date(t));
  addHandwrittenSignature(db, site.id, { role: 'witness', name: 'Owner Rep', title: 'AHJ', strokes: [stroke] }, new Date(t));
  db.close();
  console.log(`recorded: ${OPENINGS} openings × 3 procedures, ${photos} photos`);
}

async function child(mode: string, dir: string): Promise<void> {
  const start = process.hrtime.bigint();
  const startCpu = process.cpuUsage();
  const figures: Record<string, unknown> = {};
  if (mode === 'build') {
    const db = openSqlite(join(dir, 'doorcx.sqlite'));
    const identity = openP12(readFileSync(join(dir, 'tech.p12')), PASS, new Date());
    const built = await buildReport(db, {
      siteId: 1,
      scope: { runIds: [], floors: [], openingIds: [] },
      dataDir: dir,
      outFile: join(dir, 'report.pdf'),
      identity,
      now: new Date(),
      modeReason,
    });
    figures.bytes = built.bytes;
    db.close();
  } else if (mode === 'verify') {
    const db = openSqlite(join(dir, 'doorcx.sqlite'), { readonly: true });
    const r = verifyReport(readFileSync(join(dir, 'report.pdf')), 'report.pdf', db);
    figures.ok = r.ok;
    db.close();
  } else {
    const doc = new PDFDocument({ autoFirstPage: false });
    const out = createWriteStream(join(dir, 'empty.pdf'));
    doc.pipe(out);
    for (let i = 0; i < 1000; i++) doc.addPage();
    doc.end();
    await new Promise<void>((r) => out.on('finish', () => r()));
  }
  figures.ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage();
  figures.cpuMs = (cpu.user + cpu.system) / 1000;
  const work = process.cpuUsage(startCpu);
  figures.workCpuMs = (work.user + work.system) / 1000;
  figures.peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(figures));
}

const [, , mode, dirArg] = process.argv;
if (mode && dirArg) {
  await child(mode, dirArg);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'doorcx-report-bench-'));
  try {
    await record(dir);
    writeFileSync(join(dir, 'tech.p12'), createTechnicianP12('Bench Technician', PASS, new Date()));
    const self = fileURLToPath(import.meta.url);
    const run = (m: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, m, dir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${m} failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        ms: number;
        cpuMs: number;
        workCpuMs: number;
        peakRssMb: number;
        bytes?: number;
        ok?: boolean;
      };
    };
    const build = run('build');
    const verify = run('verify');
    const empty = run('empty');
    const pages = spawnSync('pdfinfo', [join(dir, 'report.pdf')], { encoding: 'utf8' }).stdout.match(/Pages:\s+(\d+)/)?.[1] ?? '?';
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (2 cores, shared)`,
    );
    console.log(
      `build + sign: ${build.ms.toFixed(0)} ms wall (${build.workCpuMs.toFixed(0)} ms CPU; ${build.cpuMs.toFixed(0)} ms incl. module loading), peak RSS ${build.peakRssMb.toFixed(0)} MB, ${pages} pages, ${((build.bytes ?? 0) / 1e6).toFixed(1)} MB (target ≤ 5000 ms, ≤ 300 MB)`,
    );
    console.log(
      `verify (with the database): ${verify.ms.toFixed(0)} ms wall (${verify.workCpuMs.toFixed(0)} ms CPU; ${verify.cpuMs.toFixed(0)} ms incl. module loading), peak RSS ${verify.peakRssMb.toFixed(0)} MB, ok=${verify.ok} (target ≤ 1000 ms)`,
    );
    console.log(
      `baseline: empty 1,000-page pdfkit document ${empty.ms.toFixed(0)} ms wall (${empty.cpuMs.toFixed(0)} ms CPU), peak RSS ${empty.peakRssMb.toFixed(0)} MB`,
    );
  } finally {
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
    else console.log(dir);
  }
}
