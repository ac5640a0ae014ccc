// Bundles Electron's main, preload and engine (the backend's utility process) to CommonJS in
// dist/electron. main and preload carry everything they use (only electron stays outside);
// the engine loads its packages (better-sqlite3, serialport, exceljs, pino…) from node_modules,
// which electron-builder rebuilds for Electron and packs. `--outdir DIR` builds elsewhere (tests).
// dist/electron/inputs.json lists what each bundle was built from (main must never hold the
// database or the serial port: they live in the engine's process).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { assetUrls, lazyPackages, ROOT, WORKER_ENTRIES } from './bundle.mjs';

const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : 'dist/electron';

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  metafile: true,
  // Code written for ESM finds its files with import.meta.url; give the CJS bundle one.
  // (import.meta.resolve only finds tsx, for running from source: never in a bundle.)
  define: { 'import.meta.url': '__importMetaUrl', 'import.meta.resolve': 'undefined' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};

const inputs = {};
for (const [name, entry, extra] of [
  ['main', 'electron/main.ts', { external: ['electron'] }],
  ['preload', 'electron/preload.ts', { external: ['electron'] }],
  ['engine', 'electron/engine.ts', { packages: 'external', plugins: [assetUrls(outdir, '.cjs'), lazyPackages(['exceljs'])] }],
  // The engine's worker threads, beside it.
  ...Object.entries(WORKER_ENTRIES).map(([name, entry]) => [name, entry, { packages: 'external', plugins: [assetUrls(outdir, '.cjs')] }]),
]) {
  const r = await build({ ...common, ...extra, entryPoints: [entry], outfile: join(outdir, `${name}.cjs`) });
  inputs[name] = Object.keys(r.metafile.inputs);
}
writeFileSync(join(ROOT, outdir, 'inputs.json'), JSON.stringify(inputs, null, 1));
console.log(`built ${outdir}`);
