// `npm start` without an Electron binary: the same app in the browser.
import { fileURLToPath } from 'node:url';
import { UnknownMigrationError } from '../../db/migrate';
import { DatabaseUnusableError } from '../../db/open';
import { createApp } from '../index';
import { logProcessErrors, openFileLogger } from '../log';
import { databaseFile, defaultDataDir } from '../paths';
import { startWebHost } from './server';

const dataDir = defaultDataDir();
const files = await openFileLogger(dataDir);
logProcessErrors(files.log);
const app = await createApp({ dbFile: databaseFile(dataDir), dataDir, log: files.log }).catch((err: unknown) => {
  // A database DoorCx cannot use: the message says what to do; a stack trace would not help.
  if (!(err instanceof DatabaseUnusableError || err instanceof UnknownMigrationError)) throw err;
  files.log.error({ err }, 'database unusable');
  console.error(err.message);
  process.exit(1);
});
const host = await startWebHost({
  app,
  rendererDir: fileURLToPath(new URL('../../dist/renderer/', import.meta.url)),
  port: process.env.DOORCX_PORT ? Number(process.env.DOORCX_PORT) : 0,
  log: files.log,
});
files.log.info({ dataDir, origin: host.origin, node: process.versions.node }, 'web host started');
console.log(`DoorCx is running (data: ${dataDir}).`);
console.log(`Open this address in a browser on this machine:\n\n  ${host.url}\n`);
console.log('Press Ctrl+C to stop.');

const stop = () => {
  files.log.info('web host stopping');
  void host
    .close()
    .then(() => app.close())
    .then(() => files.close())
    .then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
