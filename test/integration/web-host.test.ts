// The web host must serve only its own page and refuse every call that does not
// carry this launch's token, comes from another origin, or names another host.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { createApp } from '../../app/index';
import { startWebHost, type WebHost } from '../../app/web-host/server';
import { TRANSPORT } from '../../app/contract';
import { tempDir } from '../support/tmp';

async function startHost(t: Parameters<typeof tempDir>[0]): Promise<WebHost> {
  const dir = tempDir(t);
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>DoorCx</title>');
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: false });
  const host = await startWebHost({ app, rendererDir });
  t.after(async () => {
    await host.close();
    await app.close();
  });
  return host;
}

function call(host: WebHost, method: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${host.origin}${TRANSPORT.httpCallPrefix}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

function rawGet(host: WebHost, path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(host.origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('a call without the token, or with a wrong one, is refused and changes nothing', async (t) => {
  const host = await startHost(t);
  const noToken = await call(host, 'listSites', {});
  assert.equal(noToken.status, 401);
  const body = (await noToken.json()) as { ok: boolean; error: { code: string } };
  assert.equal(body.ok, false);
  assert.equal(body.error.code, 'unauthorized');

  const wrong = await call(host, 'listSites', {}, { [TRANSPORT.tokenHeader]: `${host.token}x` });
  assert.equal(wrong.status, 401);

  const right = await call(host, 'listSites', {}, { [TRANSPORT.tokenHeader]: host.token });
  assert.equal(right.status, 200);
  assert.deepEqual(await right.json(), { ok: true, result: [] });
});

test('a page from another origin cannot call, even with the token', async (t) => {
  const host = await startHost(t);
  const res = await call(host, 'listSites', {}, { [TRANSPORT.tokenHeader]: host.token, origin: 'http://evil.example' });
  assert.equal(res.status, 403);
});

test('a request naming another host (DNS rebinding) is refused', async (t) => {
  const host = await startHost(t);
  assert.equal(await rawGet(host, '/', { host: 'evil.example' }), 403);
  assert.equal(await rawGet(host, '/', { host: new URL(host.origin).host }), 200);
});

test('bad input is rejected with the field at fault; unknown methods are not found', async (t) => {
  const host = await startHost(t);
  const auth = { [TRANSPORT.tokenHeader]: host.token };
  const bad = await call(host, 'getSiteSummary', { siteId: 'one' }, auth);
  assert.equal(bad.status, 400);
  const err = ((await bad.json()) as { error: { code: string; message: string } }).error;
  assert.equal(err.code, 'invalid-input');
  assert.match(err.message, /siteId/);

  const unknown = await call(host, 'dropAllTables', {}, auth);
  assert.equal(unknown.status, 404);
});

test('the page is served with a strict Content-Security-Policy', async (t) => {
  const host = await startHost(t);
  const res = await fetch(`${host.origin}/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
});

test('the event socket closes at once without the token', async (t) => {
  const host = await startHost(t);
  const ws = new WebSocket(`${host.origin.replace('http', 'ws')}${TRANSPORT.wsEventsPath}?token=nope`);
  const code = await new Promise<number>((resolve) => ws.on('close', (closeCode) => resolve(closeCode)));
  assert.equal(code, 4401);
});
