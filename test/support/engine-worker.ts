// The engine in a worker thread, over a MessagePort: what Electron's utility process runs
// (electron/engine.ts), with Node's ports instead of Electron's.
import type { MessagePort } from 'node:worker_threads';
import { workerData } from 'node:worker_threads';
import type { EngineMessage } from '../../app/engine';
import { runEngine } from '../../app/engine-process';

const { port, dataDir } = workerData as { port: MessagePort; dataDir: string };
await runEngine(
  { send: (m) => port.postMessage(m), onMessage: (listener) => port.on('message', (m: EngineMessage) => listener(m)) },
  { dataDir, exit: () => process.exit(0) },
);
