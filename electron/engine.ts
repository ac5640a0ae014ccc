// Entry of Electron's utility process: the engine (app/engine.ts) on the MessagePort the main
// process sends with its first message. Plain Node otherwise: nothing here imports electron.
import type { MessageEvent, MessagePortMain, ParentPort } from 'electron';
import type { EngineMessage } from '../app/engine';
import { runEngine } from '../app/engine-process';

const parentPort = (process as unknown as { parentPort: ParentPort }).parentPort;

parentPort.once('message', (e: MessageEvent) => {
  const port = e.ports[0] as MessagePortMain;
  const { dataDir } = e.data as { dataDir: string };
  port.start();
  runEngine(
    { send: (m) => port.postMessage(m), onMessage: (listener) => port.on('message', (ev) => listener(ev.data as EngineMessage)) },
    { dataDir, exit: () => process.exit(0) },
  ).catch((err: unknown) => {
    console.error('DoorCx engine failed to start:', err);
    process.exit(1);
  });
});
