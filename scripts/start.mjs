// `npm start`: the Electron app where an Electron binary exists; otherwise the
// web host, which prints the local address to open in a browser.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { build } from 'vite';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    // The electron package exports the binary's path; without the binary it throws.
    return require('electron');
  } catch {
    return null;
  }
}

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
  run(process.execPath, ['--import', 'tsx', 'app/web-host/main.ts']);
}
