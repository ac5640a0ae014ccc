// The engine (the backend in a process of its own) driven through its supervisor, as the
// Electron main process drives it: calls, push events, a crash detected and restarted with the
// data intact, and a close that waits for the engine to close its database.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { SiteListItem } from '../../app/contract/schedule';
import { ENGINE_STOPPED_MESSAGE, superviseEngine, type EngineMessage, type EngineProcess, type EngineStatus } from '../../app/engine';
import { tempDir } from '../support/tmp';

const ENTRY = new URL('../support/engine-worker.ts', import.meta.url);
// A worker starts without the test's TypeScript loader: register tsx in it, then load the entry.
const TSX = import.meta.resolve('tsx/esm/api');
const BOOT = `import(${JSON.stringify(TSX)}).then(({ register }) => { register(); return import(${JSON.stringify(ENTRY.href)}); })`;

function startWorker(dataDir: string, workers: Worker[]): EngineProcess {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(BOOT, { eval: true, workerData: { port: port2, dataDir }, transferList: [port2] });
  workers.push(worker);
  return {
    channel: { send: (m) => port1.postMessage(m), onMessage: (listener) => port1.on('message', (m: EngineMessage) => listener(m)) },
    exited: new Promise((resolve) => worker.once('exit', () => resolve())),
    kill: () => void worker.terminate(),
  };
}

async function until(probe: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the engine answers calls and forwards events; a crash is reported, restarted, and loses nothing; close waits for it', async (t) => {
  const dataDir = tempDir(t);
  const workers: Worker[] = [];
  t.after(() => Promise.all(workers.map((w) => w.terminate())));
  const statuses: EngineStatus[] = [];
  const events: string[] = [];
  const engine = superviseEngine({
    start: () => startWorker(dataDir, workers),
    onEvent: (topic) => events.push(topic),
    onStatus: (s) => statuses.push(s),
  });

  const sites = (await engine.call('listSites', {})) as SiteListItem[];
  assert.equal(sites.length, 1, 'the demo site, loaded by the engine on first run');
  assert.deepEqual(statuses, [{ state: 'running' }]);
  await assert.rejects(engine.call('getOpening', { siteId: 999, openingId: 'x' }), /no site|There is no/i);

  await engine.call('controllerConnect', { kind: 'simulated' });
  await until(() => events.includes('controllerStatus'), 'a controller status event');

  // The engine dies with a call in flight: the call is answered, the window is told, a new engine starts.
  const inFlight = engine.call('controllerScan', { from: 0, to: 126 });
  await workers[0]!.terminate();
  await assert.rejects(inFlight, (e: Error) => e.message === ENGINE_STOPPED_MESSAGE);
  await until(() => statuses.filter((s) => s.state === 'running').length === 2, 'the restarted engine');
  assert.deepEqual(statuses[1], { state: 'restarting', message: ENGINE_STOPPED_MESSAGE });
  const after = (await engine.call('listSites', {})) as SiteListItem[];
  assert.deepEqual(
    after.map((s) => [s.name, s.openingCount]),
    sites.map((s) => [s.name, s.openingCount]),
    'same database, nothing lost or loaded twice',
  );

  await engine.close();
  await until(() => workers.length === 2, 'two workers');
  const exited = await Promise.race([
    new Promise((r) => workers[1]!.once('exit', () => r(true))),
    new Promise((r) => setTimeout(() => r(false), 5000)),
  ]);
  assert.ok(exited, 'the engine process ends after closing');
  const log = readdirSync(join(dataDir, 'logs'))
    .map((f) => readFileSync(join(dataDir, 'logs', f), 'utf8'))
    .join('');
  assert.equal(log.match(/"msg":"engine starting"/g)?.length, 2);
  assert.match(log, /"msg":"engine closed"/, 'close returned after the engine closed the app and its database');
  await assert.rejects(engine.call('listSites', {}), /closing/);
});
