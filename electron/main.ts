// Electron main process: window, lifecycle and the IPC bridge. The backend is
// composed by app/ exactly as the web host composes it.
import { app as electronApp, dialog, ipcMain, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { TRANSPORT } from '../app/contract';
import { toApiError } from '../app/dispatch';
import { createApp, type App } from '../app/index';
import { databaseFile } from '../app/paths';
import { UnknownMigrationError } from '../db/migrate';
import { DatabaseUnusableError } from '../db/open';
import { createMainWindow, lockDownSession } from './window';

let backend: App | undefined;

async function start(): Promise<void> {
  await electronApp.whenReady();
  lockDownSession();
  const dataDir = process.env.DOORCX_DATA_DIR ?? electronApp.getPath('userData');
  backend = await createApp({ dbFile: databaseFile(dataDir), dataDir });
  const live = backend;

  ipcMain.handle(TRANSPORT.ipcCall, async (event, method: unknown, input: unknown) => {
    // Only our own window's top frame may call.
    if (event.senderFrame?.parent !== null) return { ok: false, error: { code: 'unauthorized', message: 'Not allowed from a subframe.' } };
    try {
      return { ok: true, result: await live.call(String(method), input) };
    } catch (err) {
      return { ok: false, error: toApiError(err).toJSON() };
    }
  });
  live.ctx.events.onAny((topic, payload) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(TRANSPORT.ipcEvent, topic, payload);
  });

  // The bundle puts main.cjs and preload.cjs beside each other; the renderer build is ../renderer.
  createMainWindow(join(__dirname, '..', 'renderer'), join(__dirname, 'preload.cjs'));
}

electronApp.on('window-all-closed', () => {
  void backend?.close();
  electronApp.quit();
});

start().catch((err: unknown) => {
  console.error('DoorCx failed to start:', err);
  // A database DoorCx cannot use: say where it is and what to do, in a box the technician sees.
  if (err instanceof DatabaseUnusableError || err instanceof UnknownMigrationError) dialog.showErrorBox('DoorCx cannot start', err.message);
  electronApp.exit(1);
});
