// Tamper and power reports from a PD are controller events: heard by listeners, written in words to the command log,
// written to the event log during a test, and a tamper during a test makes it inconclusive.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../app';
import type { PdLocalStatusEvent } from '../../app/contract/controller';
import type { AttemptSummary } from '../../app/contract/runs';
import { DEMO_SITE_NAME } from '../../app/demo';
import { loadSimulatedSite } from '../../app/handlers/controller';
import { OsdpController, type PdLocalStatusEvent as DriverEvent } from '../../controller/driver';
import { memoryPair } from '../../controller/serial/transport';
import { SiteSim } from '../../controller/sim/site-sim';
import { getSiteByName } from '../../db/schedule';
import { FAST } from '../support/runs-technician';
import { tempDir } from '../support/tmp';
import { until } from '../support/until';

test('a PD reports tamper and power failure unsolicited: controller events and log lines in words', async (t) => {
  const site = await loadSimulatedSite({ demo: true });
  const pair = memoryPair({ baud: 115200 });
  await pair.bus.open();
  const sim = new SiteSim({ openings: site.openings, config: site.config, now: () => performance.now(), baud: 115200 });
  sim.attach(pair.bus);
  const ctl = new OsdpController(pair.acu);
  await ctl.open();
  t.after(async () => {
    await ctl.close();
    sim.detach();
    await pair.bus.close();
  });
  const events: DriverEvent[] = [];
  ctl.onLocalStatus((e) => events.push(e));
  ctl.attach(2);
  await ctl.readInputs(2);
  sim.control({ action: 'local-status', openingId: '1-101', tamper: true });
  const tamper = await until(() => events.find((e) => e.changed.includes('tamper')), 'the tamper event');
  assert.deepEqual([tamper.address, tamper.tamper, tamper.powerFailure], [2, true, false]);
  sim.control({ action: 'local-status', openingId: '1-101', powerFailure: true });
  const power = await until(() => events.find((e) => e.changed.includes('power')), 'the power event');
  assert.deepEqual([power.tamper, power.powerFailure], [true, true]);
  const notes = ctl.log.recent(500).map((l) => l.meaning);
  assert.ok(notes.some((m) => /TAMPER: the PD reports its enclosure open/.test(m)));
  assert.ok(notes.some((m) => /POWER FAILURE/.test(m)));
  assert.equal(events.length, 2, 'one event per change, not one per POLL');
});

test('a tamper during a power-drop test makes it inconclusive and is in the event log', async (t) => {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;
  await app.call('controllerConnect', { kind: 'simulated' });
  const heard: PdLocalStatusEvent[] = [];
  app.ctx.events.onAny((topic, e) => {
    if (topic === 'controllerPdLocalStatus') heard.push(e as PdLocalStatusEvent);
  });
  const run = await app.call('startRun', { siteId, technician: 'Ana', settings: FAST });
  const attempt = await app.call('runProcedure', {
    runId: run.id,
    openingId: '1-101',
    procedureId: 'power-drop',
    answers: { 'door-opened': 'yes' },
  });
  await new Promise((r) => setTimeout(r, 150));
  await app.call('controllerSimControl', { action: 'tamper', openingId: '1-101' });
  const done = await until(async () => {
    const a = (await app.call('getAttempt', { attemptId: attempt.id })) as AttemptSummary;
    return a.status !== 'running' && a;
  }, 'the attempt to end');
  assert.equal(done.verdict, 'inconclusive', done.reason ?? '');
  assert.match(done.reason ?? '', /tamper/);
  assert.ok(
    heard.some((e) => e.tamper && e.address === 2),
    'pushed to the UI as an event',
  );
  const logged = app.ctx.db
    .prepare<{ type: string; payload: string }>('SELECT type, payload FROM event_log WHERE attempt_id = ? ORDER BY seq')
    .all(attempt.id);
  assert.ok(
    logged.some((r) => r.type === 'pd-local-status' && JSON.parse(r.payload).tamper === true),
    logged.map((r) => r.type).join(', '),
  );
});

test('a PD whose enclosure is already open (tamper) when the test starts gives no pass', async (t) => {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;
  await app.call('controllerConnect', { kind: 'simulated' });
  // Opened before the run: no change happens during the test for an unsolicited report to announce.
  await app.call('controllerSimControl', { action: 'tamper', openingId: '1-101' });
  const run = await app.call('startRun', { siteId, technician: 'Ana', settings: FAST });
  const attempt = await app.call('runProcedure', {
    runId: run.id,
    openingId: '1-101',
    procedureId: 'power-drop',
    answers: { 'door-opened': 'yes' },
  });
  const done = await until(async () => {
    const a = await app.call('getAttempt', { attemptId: attempt.id });
    return a.status !== 'running' && a;
  }, 'the attempt to end');
  assert.equal(done.verdict, 'inconclusive', done.reason ?? '');
  assert.match(done.reason ?? '', /tamper/);
});
