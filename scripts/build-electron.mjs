// Bundles Electron's main and preload to CommonJS in dist/electron, and copies the
// files they read at run time (migrations, demo site) beside the bundle.
import { cpSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // Native modules are rebuilt for Electron at packaging time and load from node_modules.
  // pdfkit reads its own font metrics from its package folder at run time.
  external: ['electron', 'better-sqlite3', 'serialport', '@serialport/*', 'pdfkit'],
  // Code written for ESM finds its files with import.meta.url; give the CJS bundle one.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' });
await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
cpSync('db/migrations', 'dist/electron/migrations', { recursive: true });
cpSync('resources', 'dist/resources', { recursive: true });
cpSync('report/fonts', 'dist/electron/fonts', { recursive: true });
console.log('built dist/electron');
