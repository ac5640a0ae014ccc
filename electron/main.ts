// Electron main process: one instance, the window, and the engine (the backend, app/engine.ts)
// in a utility process talking over a MessagePort. Nothing here opens the database or a serial
// port, so a stall here never distorts a release-time measurement, and a crash of the engine is
// shown and recovered from instead of taking the window down.
import { app as electronApp, BrowserWindow, dialog, ipcMain, MessageChannelMain, safeStorage, utilityProcess } from 'electron';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TRANSPORT } from '../app/contract';
import { toApiError } from '../app/dispatch';
import { superviseEngine, type EngineMessage, type EngineSupervisor } from '../app/engine';
import { SigningKeychain } from '../app/signing-keychain';
import { createMainWindow, lockDownSession } from './window';

let engine: EngineSupervisor | undefined;
let closing: Promise<void> | undefined;
let engineClosed = false;

function broadcast(topic: string, payload: unknown): void {
  for (const win of BrowserWindow.getAllWindows()) win.webContents.send(TRANSPORT.ipcEvent, topic, payload);
}

function startEngine(dataDir: string): EngineSupervisor {
  return superviseEngine({
    start: () => {
      const child = utilityProcess.fork(join(__dirname, 'engine.cjs'), [], { serviceName: 'DoorCx engine', stdio: 'inherit' });
      const { port1, port2 } = new MessageChannelMain();
      child.postMessage({ dataDir }, [port2]);
      port1.start();
      return {
        channel: {
          send: (m) => port1.postMessage(m),
          onMessage: (listener) => port1.on('message', (e) => listener(e.data as EngineMessage)),
        },
        exited: new Promise((resolve) => child.once('exit', () => resolve())),
        kill: () => void child.kill(),
      };
    },
    onEvent: broadcast,
    onStatus: (status) => {
      broadcast('engineStatus', status);
      // An engine that cannot start (a damaged database) says why in a box the technician sees.
      if (status.state === 'failed') dialog.showErrorBox('DoorCx cannot continue', status.message);
    },
  });
}

async function start(): Promise<void> {
  await electronApp.whenReady();
  lockDownSession();
  const dataDir = process.env.DOORCX_DATA_DIR ?? electronApp.getPath('userData');
  const live = (engine = startEngine(dataDir));

  // The technician certificate's passphrase, kept by the OS keychain (safeStorage) beside the certificate.
  const keptFile = join(dataDir, 'signing', 'technician.passphrase');
  const keychain = new SigningKeychain(
    {
      protects: () =>
        safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
      encrypt: (text) => safeStorage.encryptString(text),
      decrypt: (bytes) => safeStorage.decryptString(bytes),
    },
    {
      read: () => (existsSync(keptFile) ? readFileSync(keptFile) : null),
      write: (bytes) => {
        mkdirSync(dirname(keptFile), { recursive: true, mode: 0o700 });
        writeFileSync(keptFile, bytes, { mode: 0o600 });
      },
    },
  );

  ipcMain.handle(TRANSPORT.ipcCall, async (event, method: unknown, input: unknown) => {
    // Only our own window's top frame may call.
    if (event.senderFrame?.parent !== null) return { ok: false, error: { code: 'unauthorized', message: 'Not allowed from a subframe.' } };
    try {
      if (method === 'signingKeychain') return { ok: true, result: keychain.status() };
      if (method === 'buildReport' && input && typeof input === 'object') {
        const filled = await keychain.fill(input as Record<string, unknown>);
        const result: unknown = await live.call('buildReport', filled);
        keychain.learn(filled);
        return { ok: true, result };
      }
      return { ok: true, result: await live.call(String(method), input) };
    } catch (err) {
      return { ok: false, error: toApiError(err).toJSON() };
    }
  });

  // The bundle puts main.cjs and preload.cjs beside each other; the renderer build is ../renderer.
  createMainWindow(join(__dirname, '..', 'renderer'), join(__dirname, 'preload.cjs'));
}

if (!electronApp.requestSingleInstanceLock()) {
  // A second launch: the first instance focuses its window (below); this one leaves.
  electronApp.quit();
} else {
  electronApp.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  electronApp.on('window-all-closed', () => electronApp.quit());

  // Quit waits for the engine: a test in progress restores lock power, then the database closes.
  electronApp.on('before-quit', (event) => {
    if (!engine || engineClosed) return;
    event.preventDefault();
    closing ??= engine.close().finally(() => {
      engineClosed = true;
      electronApp.quit();
    });
  });

  start().catch((err: unknown) => {
    console.error('DoorCx failed to start:', err);
    electronApp.exit(1);
  });
}
