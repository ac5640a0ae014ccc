// Commissioning-run figures (printed, never asserted):
//  1. step commit latency (median, p99) with WAL + synchronous=FULL on a real file;
//  2. release-time resolution with the real runner + OSDP controller + simulator, over the
//     in-memory line with modelled wire time at 9600 and 115200 baud, and over a real PTY;
//  3. a 500-opening run against the simulator end to end (4 buses of 125 PDs; time, memory);
//  4. the crash test at 100 kill points (RUNS_BENCH_KILLS overrides; 0 skips).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../app/index';
import { DEMO_SITE_NAME } from '../app/demo';
import type { AttemptDetail } from '../app/contract/runs';
import type { RunnerLink } from '../app/runner/links';
import { OsdpController } from '../controller/driver';
import { memoryPair, SerialTransport, type Transport } from '../controller/serial/transport';
import { readSimSiteConfig } from '../controller/sim/site-config';
import { SiteSim, type SimSiteConfig } from '../controller/sim/site-sim';
import { DEFAULT_SETTINGS, procedureFor } from '../core/procedures';
import type { StepRecord } from '../core/runs/machine';
import type { Opening } from '../core/schedule/types';
import { createAttempt, createRun, recordStep } from '../db/runs';
import { createSite, getSiteByName, insertOpening, listOpenings } from '../db/schedule';
import { ptyPair } from '../test/support/pty';
import { crashLoop, crashRig } from '../test/support/crash-runs';
import { makeOpening } from '../test/support/runs-harness';

const dir = mkdtempSync(join(tmpdir(), 'doorcx-runs-bench-'));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const f = (x: number) => x.toFixed(2);
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function commitLatency(): Promise<void> {
  const app = await createApp({ dbFile: join(dir, 'commit.sqlite'), dataDir: dir, demo: false });
  const db = app.ctx.db;
  const site = createSite(db, 'Bench', new Date());
  const run = createRun(db, { siteId: site.id, technician: 'bench', settings: DEFAULT_SETTINGS }, new Date());
  const o = makeOpening();
  const attempt = createAttempt(
    db,
    { runId: run.id, opening: o, plan: procedureFor(o, 'power-drop', DEFAULT_SETTINGS), link: 'bench', supersedes: null },
    new Date(),
  );
  const trace = Array.from({ length: 40 }, (_, i) => ({ sentAt: i * 50, at: i * 50 + 3, values: [1, 0, 0, 0] }));
  const times: number[] = [];
  for (let i = 0; i < 500; i++) {
    const rec: StepRecord = {
      procedureId: 'power-drop',
      stepId: 'release',
      stepIndex: 2,
      kind: 'watch',
      title: 'Lock-status reads released within 2 s',
      verdict: 'pass',
      reason: 'released after 0.3 s',
      measuredMs: 300,
      resolutionMs: 53,
      startedAt: i,
      endedAt: i + 1,
      deficiency: null,
      personEvidence: false,
      evidence: { trace },
    };
    const t0 = performance.now();
    recordStep(db, { run, attempt, record: rec, by: 'bench' }, new Date());
    times.push(performance.now() - t0);
  }
  console.log(
    `step commit (WAL, synchronous=FULL, 40-reading trace + event-log row): median ${f(pct(times, 50))} ms, p99 ${f(pct(times, 99))} ms, max ${f(Math.max(...times))} ms over ${times.length}`,
  );
  await app.close();
}

function simLink(
  key: string,
  acu: Transport,
  bus: Transport,
  openings: Opening[],
  config: SimSiteConfig,
  baud: number,
): Promise<RunnerLink> {
  const sim = new SiteSim({ openings, config, now: () => performance.now(), baud });
  sim.attach(bus);
  const controller = new OsdpController(acu);
  return controller.open().then(() => ({
    key,
    description: key,
    controller,
    sim,
    close: async () => {
      await controller.close();
      sim.detach();
      await bus.close();
    },
  }));
}

async function waitAttempt(app: App, id: number): Promise<AttemptDetail> {
  for (;;) {
    const a = await app.handlers.getAttempt({ attemptId: id });
    if (a.status !== 'running') return a;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function resolution(): Promise<void> {
  const app = await createApp({ dbFile: join(dir, 'resolution.sqlite'), dataDir: dir, demo: true });
  const site = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!;
  const openings = listOpenings(app.ctx.db, site.id);
  const settings = { thresholds: { releaseMs: 2000, holdWindowMs: 500, relockMs: 2000, pdTimerMarginMs: 300, pollIntervalMs: 1 } };
  const cases: { name: string; make: () => Promise<RunnerLink> }[] = [];
  for (const baud of [9600, 115200]) {
    cases.push({
      name: `in-memory line, modelled wire time, ${baud} baud`,
      make: async () => {
        const pair = memoryPair({ baud, modelWireTime: true });
        await pair.bus.open();
        return simLink(`mem-${baud}`, pair.acu, pair.bus, openings, readSimSiteConfig(), baud);
      },
    });
  }
  cases.push({
    name: 'real PTY pair (socat; a PTY ignores the baud rate)',
    make: async () => {
      const pty = await ptyPair(mkdtempSync(join(dir, 'pty-')));
      const bus = new SerialTransport(pty.b, 115200);
      await bus.open();
      const link = await simLink('pty', new SerialTransport(pty.a, 115200), bus, openings, readSimSiteConfig(), 115200);
      return {
        ...link,
        close: async () => {
          await link.close();
          await pty.close();
        },
      };
    },
  });
  for (const c of cases) {
    const link = await c.make();
    app.runs.defaultLink = async () => link;
    const run = await app.handlers.startRun({ siteId: site.id, technician: c.name, settings });
    const measured: number[] = [];
    const res: number[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await app.handlers.runProcedure({
        runId: run.id,
        openingId: '1-101',
        procedureId: 'power-drop',
        answers: { 'door-opened': 'yes' },
      });
      const d = await waitAttempt(app, a.id);
      const r = d.steps.find((s) => s.stepId === 'release');
      if (r?.measuredMs != null && r.resolutionMs != null) {
        measured.push(r.measuredMs);
        res.push(r.resolutionMs);
      }
      await new Promise((r2) => setTimeout(r2, 300));
    }
    console.log(
      `release time 1-101 (maglock, modelled release delay 250 ms), ${c.name}: measured median ${f(pct(measured, 50))} ms, resolution median ±${f(pct(res, 50))} ms (max ±${f(Math.max(...res))}) over ${res.length} runs`,
    );
    app.runs.defaultLink = undefined;
    await link.close();
  }
  await app.close();
}

async function fiveHundred(): Promise<void> {
  const app = await createApp({ dbFile: join(dir, 'five-hundred.sqlite'), dataDir: dir, demo: false });
  const db = app.ctx.db;
  const site = createSite(db, 'Bench 500', new Date());
  const openings: Opening[] = [];
  for (let i = 0; i < 500; i++) {
    const secure = i % 3 === 0;
    const o = makeOpening({
      opening_id: `${1 + Math.floor(i / 50)}-${String(i).padStart(3, '0')}`,
      floor: String(1 + Math.floor(i / 50)),
      pd_address: 1 + (i % 125),
      fail_mode: secure ? 'fail-secure' : 'fail-safe',
      lock_type: secure ? 'electrified-mortise' : 'maglock',
      category: secure ? 'perimeter' : 'egress',
      egress: secure ? 'mechanical' : 'electronic',
      locking_arrangement: secure ? 'normal' : 'sensor-release',
      // power-drop alone decides the opening's status in this benchmark
      fire_alarm_release: false,
    });
    openings.push(o);
    insertOpening(db, site.id, o, i, new Date());
  }
  const settings = {
    thresholds: { releaseMs: 1000, holdWindowMs: 300, relockMs: 1000, pdTimerMarginMs: 200, pollIntervalMs: 20, attemptWatchMs: 200 },
  };
  const run = await app.handlers.startRun({ siteId: site.id, technician: 'bench', settings });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const mem0 = process.memoryUsage();
  const t0 = performance.now();
  let peakRss = mem0.rss;
  const verdicts: Record<string, number> = {};
  // Four buses (four technicians), one door at a time on each: a bus carries one test at a time.
  const links = await Promise.all(
    [0, 1, 2, 3].map(async (bus) => {
      const pair = memoryPair({ baud: 115200 });
      await pair.bus.open();
      return simLink(`bus-${bus}`, pair.acu, pair.bus, openings.slice(bus * 125, bus * 125 + 125), { openings: {} }, 115200);
    }),
  );
  const busOf = new Map(openings.map((o, i) => [o.opening_id, Math.floor(i / 125)]));
  app.runs.defaultLink = async (_run, o) => links[busOf.get(o.opening_id)!]!;
  const worker = async (bus: number) => {
    for (const o of openings.filter((x) => busOf.get(x.opening_id) === bus)) {
      const answers: Record<string, 'yes'> =
        o.fail_mode === 'fail-safe' ? { 'door-opened': 'yes' } : { 'secure-side-held': 'yes', 'mechanical-egress': 'yes' };
      const a = await app.handlers.runProcedure({ runId: run.id, openingId: o.opening_id, procedureId: 'power-drop', answers });
      const d = await waitAttempt(app, a.id);
      verdicts[d.verdict ?? d.status] = (verdicts[d.verdict ?? d.status] ?? 0) + 1;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  };
  // The release attempt during a fail-secure hold window: when the prompt asks, a person presses REX at the door.
  const offPrompts = app.ctx.events.onAny((topic, e) => {
    const ev = e as { open?: boolean; prompt?: { kind: string }; attemptId?: number };
    if (topic !== 'runs:prompt' || !ev.open || ev.prompt?.kind !== 'attempt') return;
    const a = app.handlers.getAttempt({ attemptId: ev.attemptId! });
    void Promise.resolve(a).then((d) =>
      links[busOf.get(d.openingId)!]!.sim?.control({ action: 'rex', openingId: d.openingId, holdMs: 200 }),
    );
  });
  await Promise.all([0, 1, 2, 3].map(worker));
  offPrompts();
  app.runs.defaultLink = undefined;
  for (const l of links) await l.close();
  const ms = performance.now() - t0;
  const detail = await app.handlers.getRun({ runId: run.id });
  const mem1 = process.memoryUsage();
  const dbSize = statSync(join(dir, 'five-hundred.sqlite')).size + statSync(join(dir, 'five-hundred.sqlite-wal')).size;
  console.log(
    `500-opening power-drop run (4 buses × 125 simulated PDs, one door at a time per bus): ${(ms / 1000).toFixed(1)} s, ${(ms / 500).toFixed(0)} ms/opening; verdicts ${JSON.stringify(verdicts)}; progress passed ${detail.run.progress.passed}/${detail.run.progress.total}`,
  );
  console.log(
    `  memory: RSS ${mb(mem0.rss)} → ${mb(mem1.rss)} (peak ${mb(peakRss)}), heap used ${mb(mem0.heapUsed)} → ${mb(mem1.heapUsed)}; database + WAL ${mb(dbSize)}`,
  );
  const t1 = performance.now();
  await app.handlers.getRun({ runId: run.id });
  console.log(`  getRun (progress by floor over 500 openings): ${f(performance.now() - t1)} ms`);
  const t2 = performance.now();
  const chain = await app.handlers.verifyEventLog({});
  console.log(`  verifyEventLog: ${chain.count} events in ${f(performance.now() - t2)} ms, ok=${chain.ok}`);
  await app.close();
}

async function crash(): Promise<void> {
  const points = Number(process.env.RUNS_BENCH_KILLS ?? 100);
  if (!(points > 0)) return;
  const rig = await crashRig(mkdtempSync(join(dir, 'crash-')));
  const failures: string[] = [];
  const t0 = performance.now();
  const reports = await crashLoop(rig, points, (ok, msg) => {
    if (!ok) failures.push(msg);
  });
  await rig.close();
  const mid = reports.filter((r) => r.interruptedAttempt !== null).length;
  console.log(
    `crash test: ${reports.length} SIGKILLs in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${mid} landed mid-attempt; ` +
      `PD restored lock power within median ${f(
        pct(
          reports.map((r) => r.powerRestoredMs),
          50,
        ),
      )} ms (max ${f(Math.max(...reports.map((r) => r.powerRestoredMs)))}) of the kill; ` +
      `${failures.length === 0 ? 'every check held (nothing lost, integrity ok, chain ok, resumed, power back)' : `${failures.length} FAILED CHECKS: ${failures.slice(0, 5).join('; ')}`}`,
  );
}

// RUNS_BENCH_ONLY=commit,resolution,500,crash picks sections (default: all).
const only = (process.env.RUNS_BENCH_ONLY ?? 'commit,resolution,500,crash').split(',');
try {
  if (only.includes('commit')) await commitLatency();
  if (only.includes('resolution')) await resolution();
  if (only.includes('500')) await fiveHundred();
  if (only.includes('crash')) await crash();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
