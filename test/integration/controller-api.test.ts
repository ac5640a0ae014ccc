// The controller link through the app's API (the same dispatch the UI and the web host use).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createApp } from '../../app';
import { ApiError, type ApiEvents, type EventTopic } from '../../app/contract';
import { tempDir } from '../support/tmp';
import { until } from '../support/until';

async function app(t: TestContext) {
  const dir = tempDir(t);
  const a = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir });
  const events: { topic: EventTopic; event: ApiEvents[EventTopic] }[] = [];
  a.ctx.events.onAny((topic, event) => events.push({ topic, event }));
  t.after(() => a.close());
  return { a, events };
}

const code = (c: string) => (e: unknown) => e instanceof ApiError && e.code === c;

test('simulated controller through the API: connect, scan, PD status, timed drop, live input events, sim controls, log', async (t) => {
  const { a, events } = await app(t);
  const before = await a.call('controllerStatus', {});
  assert.equal(before.connected, false);
  await assert.rejects(a.call('controllerReadPoints', { address: 2 }), code('controller'));

  const s = await a.call('controllerConnect', { kind: 'simulated' });
  assert.equal(s.connected, true);
  assert.equal(s.kind, 'simulated');
  assert.deepEqual(s.simulatedPds.slice(0, 2), [
    { address: 1, openingId: '1-100' },
    { address: 2, openingId: '1-101' },
  ]);
  assert.ok(events.some((e) => e.topic === 'controllerStatus'));

  const scan = await a.call('controllerScan', { from: 1, to: 2 });
  assert.deepEqual(
    scan.found.map((f) => [f.address, f.defaultKey, f.identity?.serial]),
    [
      [1, false, '00010001'],
      [2, true, '00010002'],
    ],
  );

  const pd = await a.call('controllerPdStatus', { address: 2 });
  assert.equal(pd.openingId, '1-101');
  assert.equal(pd.online, true);
  assert.deepEqual(pd.inputs, [1, 0, 0, 0]);
  assert.deepEqual(pd.outputs, [1, 0]);

  const drop = await a.call('controllerTimedOutput', { address: 2, output: 0, state: 'off', durationMs: 3000 });
  assert.equal(drop.confirmed, true);
  assert.equal(drop.confirmedOn, false);
  assert.ok(Date.parse(drop.restoresAt) - Date.parse(drop.sentAt) === 3000);
  await until(
    () => events.find((e) => e.topic === 'controllerInput' && (e.event as ApiEvents['controllerInput']).inputs[0] === 0),
    'lock-status released event',
  );

  const sim = (await a.call('controllerSimControl', { action: 'push', openingId: '1-101' })) as { doorState: { doorOpen: boolean } };
  assert.equal(sim.doorState.doorOpen, true, 'released door opens on a push');
  await until(
    () => events.find((e) => e.topic === 'controllerInput' && (e.event as ApiEvents['controllerInput']).inputs[1] === 1),
    'DPS open event',
  );
  const points = await a.call('controllerReadPoints', { address: 2 });
  assert.equal(points.inputs[1], 1);

  const log = (await a.call('controllerLog', { limit: 500 })) as { direction: string; meaning: string; hex: string }[];
  assert.ok(log.some((e) => e.direction === 'tx' && /OUT out 0 temporary OFF for 3\.0 s/.test(e.meaning) && /^FF 53 02/.test(e.hex)));
  assert.ok(events.some((e) => e.topic === 'controllerLog'));

  const off = await a.call('controllerDisconnect', {});
  assert.equal(off.connected, false);
});

test('secure channel through the API: SCBK-D for PDs on the default key, the given key for a re-keyed PD; keys never logged', async (t) => {
  const { a } = await app(t);
  const key = '7A 21 C4 09 5E 33 B8 10 4D 92 6F 0B E7 58 A1 3C'; // 1-100's key in resources/demo-site.sim.json
  await a.call('controllerConnect', { kind: 'simulated', secure: true, keys: [{ address: 1, scbk: key }] });
  assert.deepEqual((await a.call('controllerReadPoints', { address: 1 })).outputs, [1, 0]);
  assert.deepEqual((await a.call('controllerReadPoints', { address: 2 })).outputs, [1, 0]);
  // 2-201 (PD 6) was re-keyed too, and no key was given: the default key is refused.
  await assert.rejects(
    a.call('controllerReadPoints', { address: 6 }),
    (e: unknown) => code('controller')(e) && /secure channel/i.test((e as Error).message),
  );
  const log = (await a.call('controllerLog', { limit: 2000 })) as { meaning: string; hex: string }[];
  assert.ok(log.some((e) => /secure channel active/.test(e.meaning)));
  const everything = JSON.stringify(log) + JSON.stringify(await a.call('controllerStatus', {}));
  assert.doesNotMatch(everything, /7A 21 C4 09|7a21c409/i);
  await assert.rejects(
    a.call('controllerConnect', { kind: 'simulated', secure: true, keys: [{ address: 1, scbk: '00 11' }] }),
    (e: unknown) => code('invalid-input')(e) && /keys\.0\.scbk: must be 16 bytes of hex/.test((e as Error).message),
  );
});

test('bad controller input is refused with a clear error and changes nothing', async (t) => {
  const { a } = await app(t);
  await assert.rejects(
    a.call('controllerConnect', { kind: 'serial' }),
    (e: unknown) => code('invalid-input')(e) && /port/.test((e as Error).message),
  );
  await assert.rejects(
    a.call('controllerConnect', { kind: 'serial', port: '/dev/does-not-exist-doorcx' }),
    (e: unknown) => code('controller')(e) && /Cannot open serial port \/dev\/does-not-exist-doorcx/.test((e as Error).message),
  );
  assert.equal((await a.call('controllerStatus', {})).connected, false);
  await a.call('controllerConnect', { kind: 'simulated' });
  await assert.rejects(a.call('controllerTimedOutput', { address: 2, output: 0, state: 'off', durationMs: 50 }), code('invalid-input'));
  await assert.rejects(
    a.call('controllerTimedOutput', { address: 2, output: 9, state: 'off', durationMs: 500 }),
    (e: unknown) => code('controller')(e) && /NAK 9/.test((e as Error).message),
  );
  await assert.rejects(
    a.call('controllerSimControl', { action: 'rex' }),
    (e: unknown) => code('invalid-input')(e) && /openingId/.test((e as Error).message),
  );
  await assert.rejects(a.call('controllerSimControl', { action: 'rex', openingId: 'nope' }), code('not-found'));
  await assert.rejects(a.call('controllerScan', { from: 9, to: 3 }), code('invalid-input'));
  assert.deepEqual((await a.call('controllerReadPoints', { address: 2 })).outputs, [1, 0], 'the refused OUT changed nothing');
});
