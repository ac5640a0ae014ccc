// The desktop app's bundles (built without an Electron binary): the main process holds no
// database or serial code (they live in the engine's utility process), and `npm start` finds
// Electron's binary without loading the electron package (whose index.js starts a download).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- a plain .mjs build script without types
import { electronBinary } from '../../scripts/electron-binary.mjs';
import { tempDir } from '../support/tmp';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('Electron main and preload never import better-sqlite3 or serialport; the engine bundle does', (t) => {
  const outdir = join('.tmp', `electron-test-${process.pid}-${Date.now()}`, 'electron');
  t.after(() => rmSync(join(ROOT, outdir, '..'), { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ['scripts/build-electron.mjs', '--outdir', outdir], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const inputs = JSON.parse(readFileSync(join(ROOT, outdir, 'inputs.json'), 'utf8')) as Record<string, string[]>;
  const backend = /better-sqlite3|serialport|db\/sqlite\.ts|controller\/serial\//;
  for (const bundle of ['main', 'preload']) {
    assert.deepEqual(
      inputs[bundle]!.filter((f) => backend.test(f)),
      [],
      `${bundle} is built from no database or serial code`,
    );
    const code = readFileSync(join(ROOT, outdir, `${bundle}.cjs`), 'utf8');
    assert.doesNotMatch(code, /require\("(better-sqlite3|serialport|@serialport\/[^"]+)"\)/);
  }
  assert.ok(inputs.main!.includes('app/engine.ts'), 'main supervises the engine');
  assert.ok(inputs.engine!.includes('db/sqlite.ts'));
  assert.match(readFileSync(join(ROOT, outdir, 'engine.cjs'), 'utf8'), /require\("better-sqlite3"\)/);
});

test('the Electron binary is found without the electron package downloading it', (t) => {
  // This checkout has the package but no binary (ELECTRON_SKIP_BINARY_DOWNLOAD): null, and no download attempted.
  const probe = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { electronBinary } from './scripts/electron-binary.mjs'; console.log(JSON.stringify(electronBinary({})));",
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout.trim(), 'null');
  assert.doesNotMatch(probe.stdout + probe.stderr, /Downloading|Error/);
  // Where a binary exists it is returned.
  const dist = tempDir(t);
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'electron'), '');
  assert.equal(electronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dist }), join(dist, 'electron'));
});
