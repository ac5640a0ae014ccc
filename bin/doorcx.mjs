#!/usr/bin/env node
// `npx doorcx …`: runs the bundled CLI (dist/node/cli.mjs, built by `npm run build:node`,
// which `npm ci`/`npm install` run through `prepare`). Where there is no build, or a source
// file it was built from changed since, it runs the TypeScript source through tsx instead
// (slower to start, same behaviour), so a checkout never runs stale code.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function freshBuild() {
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(new URL('dist/node/inputs.json', root), 'utf8'));
    for (const file of inputs) {
      if (/^[a-z-]+:/.test(file)) continue; // a bundler's virtual module, not a file
      const stat = statSync(new URL(file, root), { throwIfNoEntry: false });
      if (stat && stat.mtimeMs > builtAt) return false;
    }
    return true;
  } catch {
    return false;
  }
}

if (process.env.DOORCX_FROM_SOURCE !== '1' && freshBuild()) {
  await import('../dist/node/cli.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
