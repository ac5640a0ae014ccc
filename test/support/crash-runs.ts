// Shared by the crash test and its benchmark: SIGKILL the `doorcx test` process at
// many points of a power-drop run while the simulated site (in THIS process, on
// the other end of a real PTY pair) keeps running; after every kill check that no
// committed step was lost, the database is intact, the hash chain verifies, the
// next process resumes the interrupted attempt, and the PD restored lock power.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../app/index';
import { DEMO_SITE_NAME } from '../../app/demo';
import { SerialTransport } from '../../controller/serial/transport';
import { runSiteSim, type LiveSim } from '../../controller/sim/runner';
import { readSimSiteConfig } from '../../controller/sim/site-config';
import { verifyEventLog } from '../../db/runs';
import { getSiteByName, listOpenings } from '../../db/schedule';
import { openSqlite } from '../../db/sqlite';
import { ptyPair, type PtyPair } from './pty';

const BIN = fileURLToPath(new URL('../../bin/doorcx.mjs', import.meta.url));
export const CRASH_OPENING = '1-101';
const THRESHOLDS = 'releaseMs=1500,holdWindowMs=1000,relockMs=1500,pdTimerMarginMs=300,pollIntervalMs=40,promptTimeoutMs=5000';

export interface CrashRig {
  dbFile: string;
  pty: PtyPair;
  live: LiveSim;
  close(): Promise<void>;
}

export async function crashRig(dir: string): Promise<CrashRig> {
  const dbFile = join(dir, 'doorcx.sqlite');
  const app = await createApp({ dbFile, dataDir: dir, demo: true });
  const site = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!;
  const openings = listOpenings(app.ctx.db, site.id);
  await app.close();
  const pty = await ptyPair(dir);
  const t = new SerialTransport(pty.b, 115200);
  await t.open();
  const live = runSiteSim(t, { openings, config: readSimSiteConfig(), baud: 115200 });
  return {
    dbFile,
    pty,
    live,
    close: async () => {
      await live.stop();
      await pty.close();
    },
  };
}

interface StepSnap {
  id: number;
  attempt_id: number;
  step_index: number;
  verdict: string;
  reason: string;
  evidence: string;
}

function snapshot(dbFile: string): { steps: StepSnap[]; unfinished: number[] } {
  const db = openSqlite(dbFile);
  try {
    return {
      steps: db.prepare<StepSnap>('SELECT id, attempt_id, step_index, verdict, reason, evidence FROM step_results ORDER BY id').all(),
      unfinished: db
        .prepare<{ id: number }>(
          'SELECT a.id FROM attempts a LEFT JOIN attempt_ends e ON e.attempt_id = a.id WHERE e.attempt_id IS NULL ORDER BY a.id',
        )
        .all()
        .map((r) => r.id),
    };
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startChild(rig: CrashRig) {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'test',
      '--db',
      rig.dbFile,
      '--site',
      DEMO_SITE_NAME,
      '--opening',
      CRASH_OPENING,
      '--port',
      rig.pty.a,
      '--baud',
      '115200',
      '--confirm',
      'door-opened=yes',
      '--technician',
      'Crash',
      '--set',
      THRESHOLDS,
      '--ahj-note',
      'crash test',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

export interface KillReport {
  point: number;
  stepsBefore: number;
  killedAtSteps: number;
  delayMs: number;
  interruptedAttempt: number | null;
  powerRestoredMs: number;
}

export interface CrashCheck {
  (cond: boolean, message: string): void;
}

/**
 * Kills the runner at `points` places. Point i waits until the newest attempt has (i mod 7) committed steps, then a
 * further delay from a fixed cycle (so kills land between and inside steps), then SIGKILLs. Every `finishEvery`-th
 * process is left to finish, so the run moves on to new attempts.
 */
export async function crashLoop(rig: CrashRig, points: number, check: CrashCheck, log?: (r: KillReport) => void): Promise<KillReport[]> {
  const delays = [0, 120, 350, 700, 1100];
  const reports: KillReport[] = [];
  let expectResume: number | null = null;
  for (let i = 0; i < points; i++) {
    const before = snapshot(rig.dbFile);
    const c = startChild(rig);
    const target = i % 7;
    const delay = delays[i % delays.length]!;
    // Wait for the child to reach the kill point (or to finish on its own).
    let reached = false;
    for (let w = 0; w < 600 && !reached; w++) {
      await sleep(20);
      if (c.child.exitCode !== null) break;
      const s = snapshot(rig.dbFile);
      const newest = Math.max(0, ...s.steps.map((x) => x.attempt_id));
      const n = s.steps.filter((x) => x.attempt_id === newest && !before.steps.some((b) => b.id === x.id)).length;
      if (n >= target && (target > 0 || s.unfinished.length > 0)) reached = true;
    }
    await sleep(delay);
    const committed = snapshot(rig.dbFile);
    c.child.kill('SIGKILL');
    await c.exited;
    // 1. nothing committed was lost (every row seen before the kill is still there, byte for byte)
    const after = snapshot(rig.dbFile);
    const afterById = new Map(after.steps.map((s) => [s.id, s]));
    for (const s of committed.steps) {
      const a = afterById.get(s.id);
      check(
        a !== undefined && a.verdict === s.verdict && a.reason === s.reason && a.evidence === s.evidence,
        `kill ${i}: step result ${s.id} survives intact`,
      );
    }
    // 2. integrity and 3. hash chain
    const db = openSqlite(rig.dbFile);
    try {
      const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
      check(
        integrity.length === 1 && integrity[0]!.integrity_check === 'ok',
        `kill ${i}: PRAGMA integrity_check = ok (${JSON.stringify(integrity)})`,
      );
      const chain = verifyEventLog(db);
      check(chain.ok, `kill ${i}: the hash chain verifies (${chain.reason ?? ''})`);
    } finally {
      db.close();
    }
    // 4. the previous interrupted attempt was resumed by this process (not abandoned for a new one)
    if (expectResume !== null) {
      const resumedSteps = after.steps.filter((s) => s.attempt_id === expectResume && !before.steps.some((b) => b.id === s.id)).length;
      const stillOpen = after.unfinished.includes(expectResume);
      const newAttempts = after.steps.some((s) => s.attempt_id > expectResume! && !before.steps.some((b) => b.id === s.id));
      check(resumedSteps > 0 || (stillOpen && !newAttempts), `kill ${i}: attempt ${expectResume} resumed at its interrupted step`);
    }
    check(after.unfinished.length <= 1, `kill ${i}: at most one interrupted attempt (${after.unfinished.join(', ')})`);
    expectResume = after.unfinished[0] ?? null;
    // 5. the PD restores lock power by its own timer, with no process running
    const t0 = performance.now();
    while (!rig.live.sim.doorState(CRASH_OPENING).lockRelayOn && performance.now() - t0 < 6000) await sleep(20);
    check(rig.live.sim.doorState(CRASH_OPENING).lockRelayOn, `kill ${i}: the simulator's lock power is back on`);
    const r: KillReport = {
      point: i,
      stepsBefore: before.steps.length,
      killedAtSteps: committed.steps.length,
      delayMs: delay,
      interruptedAttempt: expectResume,
      powerRestoredMs: performance.now() - t0,
    };
    reports.push(r);
    log?.(r);
  }
  // Finally let one process finish: it resumes whatever was interrupted, and the run ends cleanly.
  for (let k = 0; k < 3; k++) {
    const c = startChild(rig);
    await c.exited;
    const s = snapshot(rig.dbFile);
    if (s.unfinished.length === 0) break;
  }
  const end = snapshot(rig.dbFile);
  check(end.unfinished.length === 0, `every interrupted attempt was resumed to its end (${end.unfinished.join(', ')})`);
  check(rig.live.sim.doorState(CRASH_OPENING).lockRelayOn, 'lock power on at the end');
  return reports;
}
