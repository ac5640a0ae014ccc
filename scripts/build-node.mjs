// Bundles the command line and the web host to ES modules in dist/node, so they start
// without compiling TypeScript at run time. Dynamic imports become their own chunks: a
// command loads only the code it uses. Packages stay in node_modules (not bundled).
// dist/node/inputs.json lists the source files of this build: bin/doorcx.mjs runs the
// build only while none of them is newer than it (else it runs the source through tsx).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { assetUrls, externalPackagesBut, lazyPackages, ROOT, WORKER_ENTRIES, zodEnglishOnly } from './bundle.mjs';

// `--outdir DIR` (inside the checkout, so packages resolve) builds elsewhere, for tests.
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : 'dist/node';
rmSync(join(ROOT, outdir), { recursive: true, force: true });
mkdirSync(join(ROOT, outdir), { recursive: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: {
    cli: 'cli/main.ts',
    'web-host': 'app/web-host/main.ts',
    ...WORKER_ENTRIES,
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  metafile: true,
  plugins: [assetUrls(outdir), lazyPackages(['exceljs']), externalPackagesBut(['zod', 'papaparse']), zodEnglishOnly()],
  logLevel: 'warning',
});
// Source files only: not packages, not the plugins' virtual modules ("lazy:exceljs").
const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules') && !/^[a-z-]+:/.test(f));
writeFileSync(join(ROOT, outdir, 'inputs.json'), JSON.stringify({ builtAt: Date.now(), inputs }));
console.log(`built ${outdir}`);
