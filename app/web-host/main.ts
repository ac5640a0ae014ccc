// `npm start` without an Electron binary: the same app in the browser.
import { fileURLToPath } from 'node:url';
import { createApp } from '../index';
import { databaseFile, defaultDataDir } from '../paths';
import { startWebHost } from './server';

const dataDir = defaultDataDir();
const app = await createApp({ dbFile: databaseFile(dataDir), dataDir });
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
