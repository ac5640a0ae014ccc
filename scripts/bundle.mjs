// Shared esbuild settings for the bundles in dist/ (the Node build and Electron's).
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Worker threads' entries (bundle name → source): each is built as a bundle of its own, beside the code that starts it. */
export const WORKER_ENTRIES = { 'schedule-rows': 'db/schedule/row-thread-worker.ts' };

/**
 * Source files find their data files (migrations, the demo site, the built renderer) with
 * `new URL('<relative>', import.meta.url)`. A bundle lives elsewhere (dist/<name>/), so each such
 * URL is rewritten to the same file seen from the bundle's folder: one copy of every data file,
 * found the same way from source (tsx, tests) and from a build. A worker thread's entry (WORKER_ENTRIES)
 * becomes the bundle built from it, named with the build's extension (`workerExt`).
 */
export function assetUrls(outdir, workerExt = '.mjs') {
  const workers = new Map(Object.entries(WORKER_ENTRIES).map(([name, source]) => [resolve(ROOT, source), `./${name}${workerExt}`]));
  return {
    name: 'asset-urls',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes('node_modules')) return undefined;
        let contents = await readFile(args.path, 'utf8');
        contents = contents.replace(/new URL\((['"])([^'"]+)\1, import\.meta\.url\)/g, (_all, _q, rel) => {
          const target = resolve(dirname(args.path), rel);
          const worker = workers.get(target);
          if (worker) return `new URL(${JSON.stringify(worker)}, import.meta.url)`;
          let fromOut = relative(resolve(ROOT, outdir), target).replace(/\\/g, '/');
          if (rel.endsWith('/')) fromOut += '/';
          return `new URL(${JSON.stringify(fromOut)}, import.meta.url)`;
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * Packages loaded on first use rather than at start: the import becomes an object that
 * requires the package the first time one of its properties is read. Only for packages
 * used as a namespace (`ExcelJS.Workbook`), never called or spread directly. exceljs takes
 * a few hundred milliseconds to load and only XLSX files need it.
 */
export function lazyPackages(names) {
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'lazy-packages',
    setup(build) {
      build.onResolve({ filter }, (args) => (args.namespace === 'lazy' ? undefined : { path: args.path, namespace: 'lazy' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
        resolveDir: ROOT,
        contents: `import { createRequire } from 'node:module';
let loaded;
const load = () => (loaded ??= createRequire(import.meta.url)(${JSON.stringify(args.path)}));
export default new Proxy({}, { get: (_t, key) => load()[key], has: (_t, key) => key in load() });`,
      }));
    },
  };
}

/**
 * Every package stays in node_modules (loaded from there at run time) except `names`, which are
 * bundled. zod is: its ES module build is over a hundred files (one per locale), and resolving and
 * compiling them one by one was a large part of a command's start-up. So is papaparse: loaded from an
 * ES module, a CommonJS file is first scanned for its exports, which cost about as much again.
 */
export function externalPackagesBut(names) {
  const bundled = (path) => names.some((n) => path === n || path.startsWith(`${n}/`));
  return {
    name: 'external-packages-but',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => (bundled(args.path) ? undefined : { path: args.path, external: true }));
    },
  };
}

/**
 * zod without its other languages: zod's namespace (`z`) exports `locales`, every language's error
 * messages, so a bundle that uses `z` carries all of them (two fifths of zod's code) and compiles them at
 * every start of a command. DoorCx sets no locale: zod keeps its default English messages (en.js, which
 * zod's schemas import themselves), and `z.locales` holds English only.
 */
export function zodEnglishOnly() {
  return {
    name: 'zod-english-only',
    setup(build) {
      build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
        contents: `export { default as en } from './en.js';`,
        loader: 'js',
      }));
    },
  };
}
