// What `npm start` runs where no Electron binary exists: the web host on its
// embedded defaults (a SQLite file in the data folder, the demo site).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TRANSPORT } from '../../app/contract';
import { tempDir } from '../support/tmp';

test('the web host starts on embedded defaults, prints its address and serves the demo site', async (t) => {
  const dataDir = tempDir(t);
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/web-host/main.ts'], {
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
