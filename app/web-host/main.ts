// `npm start` without an Electron binary: the same app in the browser.
import { fileURLToPath } from 'node:url';
import { UnknownMigrationError } from '../../db/migrate';
import { DatabaseUnusableError } from '../../db/open';
import { createApp } from '../index';
import { databaseFile, defaultDataDir } from '../paths';
import { startWebHost } from './server';

const dataDir = defaultDataDir();
const app = await createApp({ dbFile: databaseFile(dataDir), dataDir }).catch((err: unknown) => {
  // A database DoorCx cannot use: the message says what to do; a stack trace would not help.
  if (!(err instanceof DatabaseUnusableError || err instanceof UnknownMigrationError)) throw err;
  console.error(err.message);
  process.exit(1);
});
const host = await startWebHost({
  app,
  rendererDir: fileURLToPath(new URL('../../dist/renderer/', import.meta.url)),
  port: process.env.DOORCX_PORT ? Number(process.env.DOORCX_PORT) : 0,
});
console.log(`DoorCx is running (data: ${dataDir}).`);
console.log(`Open this address in a browser on this machine:\n\n  ${host.url}\n`);
console.log('Press Ctrl+C to stop.');

const stop = () => {
  void host
    .close()
    .then(() => app.close())
    .then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
