// Logs and diagnostics: what is written to dataDir/logs, what never is (keys, tokens,
// passphrases), rotation, the web host's request log, renderer errors, and the support archive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import WebSocket from 'ws';
import { createApp } from '../../app';
import { TRANSPORT } from '../../app/contract';
import { logDir, openFileLogger, REDACTED } from '../../app/log';
import { startWebHost } from '../../app/web-host/server';
import { tempDir } from '../support/tmp';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RENDERER_DIR = join(ROOT, 'test/fixtures'); // any existing folder: these tests call the API only

function readLogs(dataDir: string): string {
  const dir = logDir(dataDir);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

const lines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function loggedApp(t: TestContext, level = 'debug', demo = false) {
  const dir = tempDir(t);
  const files = await openFileLogger(dir, level);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo, log: files.log });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await files.close();
  };
  t.after(close);
  return { dir, app, files, close };
}

test('a full secure-channel session is logged at debug level without the key in any form', async (t) => {
  const { dir, app, close } = await loggedApp(t, 'debug', true);
  const key = '7A 21 C4 09 5E 33 B8 10 4D 92 6F 0B E7 58 A1 3C'; // 1-100's key in resources/demo-site.sim.json
  await app.call('controllerConnect', { kind: 'simulated', secure: true, keys: [{ address: 1, scbk: key }] });
  assert.deepEqual((await app.call('controllerReadPoints', { address: 1 })).outputs, [1, 0]);
  await assert.rejects(app.call('controllerReadPoints', { address: 6 }), /secure channel/i);
  await app.call('controllerDisconnect', {});
  await close();

  const text = readLogs(dir);
  const all = lines(text);
  // The session is there: the calls, and the link's frames as events.
  assert.ok(all.some((l) => l.msg === 'call' && l.method === 'controllerConnect'));
  assert.ok(all.some((l) => l.topic === 'controllerLog' && /secure channel active/.test(JSON.stringify(l.event))));
  assert.ok(all.some((l) => l.topic === 'controllerLog' && (l.event as { direction: string }).direction === 'tx'));
  assert.ok(!all.some((l) => l.topic === 'controllerLog' && (l.event as { idle: boolean }).idle), 'idle polls are left out');
  // The key never: spaced or compact hex, either case, or base64.
  const compact = key.replace(/ /g, '');
  const b64 = Buffer.from(compact, 'hex').toString('base64');
  for (const form of [key, compact, compact.toLowerCase(), key.toLowerCase(), b64, '7A 21 C4 09', '7a21c409'])
    assert.ok(!text.includes(form), `the log holds no "${form}"`);
});

test('fields named like secrets are redacted at any depth; the level is respected', async (t) => {
  const dir = tempDir(t);
  const files = await openFileLogger(dir, 'info');
  files.log.info({ token: 'tok-123', nested: { passphrase: 'correct horse', list: [{ scbk: 'AABB' }] }, keys: ['k1'] }, 'secrets');
  files.log.debug({ note: 'below the level' }, 'hidden');
  await files.close();
  const text = readLogs(dir);
  for (const secret of ['tok-123', 'correct horse', 'AABB', 'k1']) assert.ok(!text.includes(secret), secret);
  const [line] = lines(text);
  assert.equal(line!.token, REDACTED);
  assert.deepEqual(line!.nested, { passphrase: REDACTED, list: [{ scbk: REDACTED }] });
  assert.ok(!text.includes('below the level'));
});

test('log files rotate by size and old ones are removed', async (t) => {
  const dir = tempDir(t);
  const files = await openFileLogger(dir, 'info', { maxBytes: 8 * 1024, keep: 2 });
  const filler = 'x'.repeat(900);
  for (let i = 0; i < 200; i++) {
    files.log.info({ i, filler }, 'line');
    // Let the rotation (on the stream's drain) happen as it would between real events.
    if (i % 5 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  await files.close();
  await new Promise((r) => setTimeout(r, 100)); // old files are removed asynchronously
  const names = readdirSync(logDir(dir)).filter((f) => f.endsWith('.log'));
  assert.ok(names.length <= 3, `at most the current file and 2 more: ${names.join(', ')}`);
  const total = names.reduce((n, f) => n + readFileSync(join(logDir(dir), f)).length, 0);
  assert.ok(total < 200 * 900, 'older lines were dropped');
  assert.match(readLogs(dir), /"i":199/, 'the newest line is kept');
});

test('the web host logs requests by path, never the token; renderer errors reach the log', async (t) => {
  const { dir, app, files, close } = await loggedApp(t);
  const host = await startWebHost({ app, rendererDir: RENDERER_DIR, log: files.log });
  const call = (method: string, body: unknown, token = host.token) =>
    fetch(`${host.origin}${TRANSPORT.httpCallPrefix}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TRANSPORT.tokenHeader]: token },
      body: JSON.stringify(body),
    });
  assert.equal((await call('listSites', {})).status, 200);
  assert.equal((await call('listSites', {}, 'wrong-token')).status, 401);
  const ws = new WebSocket(`${host.origin.replace('http', 'ws')}${TRANSPORT.wsEventsPath}?token=${host.token}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.close();
  assert.equal(
    (await call('reportClientError', { kind: 'unhandledrejection', message: 'boom in the grid', stack: 'at Grid', route: '#/sites/1' }))
      .status,
    200,
  );
  await host.close();
  await close();

  const text = readLogs(dir);
  assert.ok(!text.includes(host.token), 'the token is never logged');
  const all = lines(text);
  assert.ok(all.some((l) => l.msg === 'request' && l.path === '/api/listSites' && l.status === 200));
  assert.ok(all.some((l) => l.msg === 'request' && l.path === '/api/listSites' && l.status === 401 && l.level === 30));
  assert.ok(all.some((l) => l.msg === 'request' && l.path === TRANSPORT.wsEventsPath));
  const rendererError = all.find((l) => l.msg === 'renderer unhandledrejection: boom in the grid');
  assert.ok(rendererError, 'the renderer error is logged');
  assert.equal(rendererError.level, 50);
  assert.deepEqual((rendererError.renderer as { route: string }).route, '#/sites/1');
});

test('Save diagnostics writes one zip: logs, versions, settings (secrets redacted), the integrity check', async (t) => {
  const { dir, app } = await loggedApp(t, 'info');
  app.ctx.db.prepare("INSERT INTO settings (key, value) VALUES ('sync.token', '\"s3cr3t\"'), ('units', '\"metric\"')").run();
  const saved = await app.call('saveDiagnostics', {});
  assert.equal(saved.integrity, 'ok');
  assert.ok(saved.file.startsWith(join(dir, 'diagnostics')));
  const zip = unzipSync(readFileSync(saved.file));
  const names = Object.keys(zip).sort();
  assert.ok(
    names.some((n) => /^logs\/doorcx\.\d+\.log$/.test(n)),
    names.join(', '),
  );
  const versions = JSON.parse(strFromU8(zip['versions.json']!)) as Record<string, unknown>;
  assert.equal(versions.node, process.versions.node);
  assert.match(String(versions.doorcx), /^\d+\.\d+\.\d+/);
  const settings = JSON.parse(strFromU8(zip['settings.json']!)) as Record<string, unknown>;
  assert.equal(settings.units, 'metric');
  assert.equal(settings['sync.token'], REDACTED);
  assert.ok(!JSON.stringify(strFromU8(zip['settings.json']!)).includes('s3cr3t'));
  const database = strFromU8(zip['database.txt']!);
  assert.match(database, /integrity_check: ok/);
  assert.match(database, /001_schedule/);
});

test('doorcx diagnostics writes the archive even when the database is damaged, and says so', (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'doorcx.sqlite');
  const imported = spawnSync(
    process.execPath,
    [join(ROOT, 'bin/doorcx.mjs'), 'import', join(ROOT, 'test/fixtures/schedules/excel-utf8-bom-crlf.csv'), '--db', db],
    { encoding: 'utf8' },
  );
  assert.equal(imported.status, 0, imported.stderr);
  // Overwrite the middle of the file (past the header page): table and index pages are now garbage.
  const bytes = readFileSync(db);
  bytes.fill(0x5a, 4096 * 2, bytes.length - 1);
  writeFileSync(db, bytes);
  const out = join(dir, 'support.zip');
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/doorcx.mjs'), 'diagnostics', '--data-dir', dir, '--out', out], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Wrote .*support\.zip/);
  assert.doesNotMatch(r.stdout, /database: ok/);
  assert.ok(existsSync(out));
  const zip = unzipSync(readFileSync(out));
  assert.doesNotMatch(strFromU8(zip['database.txt']!), /integrity_check: ok/);
  assert.ok(zip['versions.json']);
});
