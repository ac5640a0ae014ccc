// `npm start`: the Electron app where an Electron binary exists; otherwise the
// web host, which prints the local address to open in a browser.
import { spawn, spawnSync } from 'node:child_process';
import { build } from 'vite';
import { electronBinary } from './electron-binary.mjs';

await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
const electron = electronBinary();
const run = (cmd, args) => {
  const child = spawn(cmd, args, { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
};
if (electron && process.env.DOORCX_WEB !== '1') {
  await import('./build-electron.mjs');
  run(electron, ['.']);
} else {
  console.log('No Electron binary here (or DOORCX_WEB=1): starting the web host instead.');
  const built = spawnSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
  run(process.execPath, ['dist/node/web-host.mjs']);
}
