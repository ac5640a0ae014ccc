// What `npm start` runs where no Electron binary exists: the built web host
// (dist/node/web-host.mjs) on its embedded defaults (a SQLite file in the data folder, the demo site).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TRANSPORT } from '../../app/contract';
import { tempDir } from '../support/tmp';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('the web host starts on embedded defaults, prints its address and serves the demo site', async (t) => {
  const dataDir = tempDir(t);
  // Built as `npm start` builds it, into a folder of its own (other tests may be running dist/node).
  const outdir = join('.tmp', `start-test-${process.pid}`, 'node');
  t.after(() => rmSync(join(ROOT, outdir, '..'), { recursive: true, force: true }));
  const built = spawnSync(process.execPath, ['scripts/build-node.mjs', '--outdir', outdir], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const child = spawn(process.execPath, [join(ROOT, outdir, 'web-host.mjs')], {
    env: { ...process.env, DOORCX_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`web host exited with ${code}: ${output}`)));
  });
  const { origin, hash } = new URL(url);
  const token = hash.replace('#token=', '');
  const res = await fetch(`${origin}${TRANSPORT.httpCallPrefix}listSites`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TRANSPORT.tokenHeader]: token },
    body: '{}',
  });
  const body = (await res.json()) as { ok: boolean; result: { name: string; openingCount: number }[] };
  assert.equal(body.ok, true);
  assert.equal(body.result.length, 1, 'the demo site is loaded on first run');
  assert.match(body.result[0]!.name, /Demo/);
  assert.ok(body.result[0]!.openingCount >= 30);
  assert.ok(existsSync(join(dataDir, 'doorcx.sqlite')), 'the database lives in the data folder');
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, 'Ctrl+C / SIGTERM stops it cleanly');
});
