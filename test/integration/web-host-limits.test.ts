// The web host checks the token before it reads a body, and caps each call's body:
// real HTTP requests that announce (or stream) more than a call accepts.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TRANSPORT } from '../../app/contract';
import { createApp } from '../../app/index';
import { BODY_LIMITS, DEFAULT_BODY_LIMIT, startWebHost, type WebHost } from '../../app/web-host/server';
import { tempDir } from '../support/tmp';

const MB = 1024 * 1024;

async function startHost(t: Parameters<typeof tempDir>[0]): Promise<WebHost> {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>DoorCx</title>');
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: false });
  const host = await startWebHost({ app, rendererDir: join(dir, 'renderer') });
  t.after(async () => {
    await host.close();
    await app.close();
  });
  return host;
}

interface Sent {
  status: number;
  body: { ok: boolean; error?: { code: string; message: string } };
  /** Body bytes written before the answer came. */
  bytesSent: number;
}

/**
 * POSTs `method`, announcing `announce` bytes (or chunked when null) and writing the body 64 kB at a time
 * until `send` bytes are out or the server answers — whichever comes first.
 */
function post(host: WebHost, method: string, opts: { token?: string; announce: number | null; send: number }): Promise<Sent> {
  const url = new URL(host.origin);
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (opts.token) headers[TRANSPORT.tokenHeader] = opts.token;
    if (opts.announce !== null) headers['content-length'] = opts.announce;
    const req = request(
      { host: url.hostname, port: url.port, path: `${TRANSPORT.httpCallPrefix}${method}`, method: 'POST', headers },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Sent['body'], bytesSent }));
      },
    );
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024, ' ');
    const pump = () => {
      while (!answered && bytesSent < opts.send) {
        bytesSent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered && opts.announce === null) req.end();
    };
    req.write('{"x":"');
    pump();
  });
}

test('an unauthenticated 280 MB POST is refused before its body is read', async (t) => {
  const host = await startHost(t);
  for (const method of ['listSites', 'previewImport', 'attachPhoto']) {
    const r = await post(host, method, { announce: 280 * MB, send: 280 * MB });
    assert.equal(r.status, 401, method);
    assert.equal(r.body.error?.code, 'unauthorized');
    assert.ok(r.bytesSent < 16 * MB, `${method}: answered after ${r.bytesSent} bytes, not after reading 280 MB`);
  }
});

test('each call has its own body limit, announced or streamed', async (t) => {
  const host = await startHost(t);
  assert.equal(DEFAULT_BODY_LIMIT, MB);
  // An ordinary call: 2 MB announced is refused at once, naming the limit.
  let r = await post(host, 'listSites', { token: host.token, announce: 2 * MB, send: 2 * MB });
  assert.equal(r.status, 413);
  assert.equal(r.body.error?.code, 'invalid-input');
  assert.match(r.body.error.message, /larger than the 1 MB this call accepts/);
  // Streamed without a length: cut off once past the limit.
  r = await post(host, 'listSites', { token: host.token, announce: null, send: 3 * MB });
  assert.equal(r.status, 413);
  // A photo may be larger than the default, up to its own limit.
  assert.equal(BODY_LIMITS.attachPhoto, 41 * MB);
  const photo = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
    .toString('base64')
    .padEnd(4 * MB, 'A');
  const ok = await fetch(`${host.origin}${TRANSPORT.httpCallPrefix}attachPhoto`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TRANSPORT.tokenHeader]: host.token },
    body: JSON.stringify({ deficiencyId: 1, fileName: 'a.png', mimeType: 'image/png', contentBase64: photo }),
  });
  assert.equal(ok.status, 404, 'a 4 MB photo is read (and its missing deficiency reported)');
  r = await post(host, 'attachPhoto', { token: host.token, announce: 42 * MB, send: 42 * MB });
  assert.equal(r.status, 413);
  assert.match(r.body.error!.message, /41 MB/);
  assert.ok(r.bytesSent < 16 * MB);
});
