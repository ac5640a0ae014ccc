// Every automatic procedure on each fixed demo opening, driven by the real runner
// over a REAL socat PTY pair against the simulated site, with a technician who
// acts at the simulated door and answers truthfully. Each verdict is the one the
// door model implies: the good openings pass, the miswired (1-102) and stuck-relay
// (1-103) ones fail with a deficiency in plain words, the unwired sensor (1-104)
// is inconclusive — never pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createApp } from '../../app/index';
import type { Verdict } from '../../app/contract/runs';
import { SerialTransport } from '../../controller/serial/transport';
import { runSiteSim } from '../../controller/sim/runner';
import { readSimSiteConfig } from '../../controller/sim/site-config';
import { getOpeningById, getSiteByName, listOpenings } from '../../db/schedule';
import { DEMO_SITE_NAME } from '../../app/demo';
import { ptyPair } from '../support/pty';
import { tempDir } from '../support/tmp';
import { attachTechnician, FAST } from '../support/runs-technician';

const EXPECTED: Record<string, Record<string, Verdict>> = {
  // good fail-secure perimeter door with panic hardware
  '1-100': { 'power-drop': 'pass', rex: 'pass', relock: 'pass' },
  // good fail-safe maglock, sensor release, tied to the fire alarm
  '1-101': { 'power-drop': 'pass', 'alarm-release': 'pass', rex: 'pass', 'manual-release': 'pass', relock: 'pass' },
  // ordered fail-safe, installed fail-secure: holds on power loss and on alarm; REX (with power) still releases it
  '1-102': { 'power-drop': 'fail', 'alarm-release': 'fail', rex: 'pass', relock: 'pass' },
  // stuck relay: power never drops; the fire-alarm interface still cuts power, so alarm release works
  '1-103': { 'power-drop': 'fail', 'alarm-release': 'pass', rex: 'pass', relock: 'pass' },
  // unwired lock-status sensor (open circuit): nothing automatic can pass
  '1-104': {
    'power-drop': 'inconclusive',
    'alarm-release': 'inconclusive',
    rex: 'inconclusive',
    'manual-release': 'inconclusive',
    relock: 'inconclusive',
  },
  '2-201': { 'power-drop': 'pass', rex: 'pass', relock: 'pass' },
  '2-202': { 'power-drop': 'pass', rex: 'pass', relock: 'pass' },
};

test('each procedure on each demo opening over a PTY gives the verdict the door model implies', async (t) => {
  const dir = tempDir(t);
  const pty = await ptyPair(dir);
  t.after(() => pty.close());
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const site = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!;
  const simTransport = new SerialTransport(pty.b, 115200);
  await simTransport.open();
  const live = runSiteSim(simTransport, { openings: listOpenings(app.ctx.db, site.id), config: readSimSiteConfig(), baud: 115200 });
  t.after(() => live.stop());

  const run = await app.handlers.startRun({ siteId: site.id, technician: 'Integration', settings: FAST });
  const checklist = await app.handlers.getOpeningChecklist({ runId: run.id, openingId: '1-101' });
  assert.match(checklist.modeReason, /^Expected fail-safe/);
  for (const [openingId, procs] of Object.entries(EXPECTED)) {
    const opening = getOpeningById(app.ctx.db, site.id, openingId)!;
    const applicable = (await app.handlers.getOpeningChecklist({ runId: run.id, openingId })).procedures
      .filter((p) => p.kind === 'automatic')
      .map((p) => p.id);
    assert.deepEqual(applicable.sort(), Object.keys(procs).sort(), `${openingId}: applicable automatic procedures`);
    for (const [procedureId, expected] of Object.entries(procs)) {
      // The technician starts each test with the door at rest (closed, no REX still held, lock settled).
      for (let i = 0; i < 200; i++) {
        const s = live.sim.doorState(openingId);
        if (!s.doorOpen && !s.rexActive && s.pendingMechanism === null && s.lockRelayOn && !s.alarmRelayOn) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const off = attachTechnician(
        app.ctx.events,
        live.sim,
        opening,
        (attemptId, promptId, answer) => app.handlers.answerPrompt({ attemptId, promptId, answer }),
        {
          rexHoldMs: 1500,
          manualHoldMs: 2500,
        },
      );
      const done = new Promise<void>((resolve) => {
        const stop = app.ctx.events.onAny((topic, e) => {
          if (
            topic === 'runs:attempt' &&
            (e as { status: string; openingId: string }).status !== 'running' &&
            (e as { openingId: string }).openingId === openingId
          ) {
            stop();
            resolve();
          }
        });
      });
      const started = await app.handlers.runProcedure({
        runId: run.id,
        openingId,
        procedureId,
        link: { kind: 'serial', port: pty.a, baud: 115200 },
      });
      await done;
      off();
      const a = await app.handlers.getAttempt({ attemptId: started.id });
      assert.equal(a.verdict, expected, `${openingId} ${procedureId}: ${a.reason}`);
      if (expected === 'fail') {
        assert.ok(
          a.steps.some((s) => s.deficiencyId !== null),
          `${openingId} ${procedureId} raised a deficiency`,
        );
      }
      if (procedureId === 'power-drop' && expected === 'pass' && opening.fail_mode === 'fail-safe') {
        const release = a.steps.find((s) => s.stepId === 'release')!;
        assert.ok(release.measuredMs !== null && release.resolutionMs !== null, 'release time and its resolution are recorded');
        assert.ok(Array.isArray(release.evidence.trace), 'the input trace is kept');
      }
    }
  }

  // The miswired door's deficiency states the risk in plain words.
  const defs = await app.handlers.listDeficiencies({ siteId: site.id, openingId: '1-102' });
  assert.ok(
    defs.some((d) => /fail-safe expected on an egress door; the lock held on power loss — occupants can be trapped/.test(d.description)),
  );
  const progress = (await app.handlers.getRun({ runId: run.id })).run.progress;
  assert.equal(progress.failed, 2);
  assert.equal(progress.inconclusive, 1);
  assert.equal(progress.passed, 4);
  assert.equal((await app.handlers.verifyEventLog({})).ok, true);
  assert.deepEqual(app.ctx.db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  for (const id of Object.keys(EXPECTED)) assert.equal(live.sim.doorState(id).lockRelayOn, true, `${id}: lock power restored`);
});
