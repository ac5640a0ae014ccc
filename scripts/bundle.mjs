// Shared esbuild settings for the bundles in dist/ (the Node build and Electron's).
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Source files find their data files (migrations, the demo site, the built renderer) with
 * `new URL('<relative>', import.meta.url)`. A bundle lives elsewhere (dist/<name>/), so each such
 * URL is rewritten to the same file seen from the bundle's folder: one copy of every data file,
 * found the same way from source (tsx, tests) and from a build.
 */
export function assetUrls(outdir) {
  return {
    name: 'asset-urls',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes('node_modules')) return undefined;
        let contents = await readFile(args.path, 'utf8');
        contents = contents.replace(/new URL\((['"])([^'"]+)\1, import\.meta\.url\)/g, (_all, _q, rel) => {
          const target = resolve(dirname(args.path), rel);
          let fromOut = relative(resolve(ROOT, outdir), target).replace(/\\/g, '/');
          if (rel.endsWith('/')) fromOut += '/';
          return `new URL(${JSON.stringify(fromOut)}, import.meta.url)`;
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}
