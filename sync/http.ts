// The client's side of the HTTP API: one function per call, errors as SyncHttpError
// (with the server's reason) or SyncOffline (no answer at all).
import http from 'node:http';
import https from 'node:https';
import { PHOTO_BATCH_TYPE } from '../core/sync/photo-batch';
import type { PullResponse, PushRequest, PushResult, ServerSite, WireEvent } from '../core/sync/wire';
import { StoredJson } from './outbox';

export class SyncHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: { uuid: string; kind: string; reason: string }[] = [],
  ) {
    super(message);
    this.name = 'SyncHttpError';
  }
}

export class SyncOffline extends Error {
  constructor(cause: unknown) {
    super(
      `the server cannot be reached (${cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause)})`,
    );
    this.name = 'SyncOffline';
  }
}

export interface ServerConnection {
  url: string;
  token: string | null;
  timeoutMs?: number;
}

/** A kept-alive connection the server closed just as it was reused: worth one immediate retry. */
function isStaleSocket(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

// Node's http/https clients rather than fetch: fetch copies every request body before
// sending it, and a sync sends hundreds of megabytes (pushes of megabytes each, photo
// batches); the copies alone kept the garbage collector busy. Connections are kept alive.
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

function send(
  url: URL,
  method: string,
  headers: Record<string, string | number>,
  payload: Uint8Array | undefined,
  timeoutMs: number,
): Promise<{ status: number; statusText: string; text: string }> {
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      { method, headers, agent: secure ? agents.https : agents.http, signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function call<T>(
  c: ServerConnection,
  method: string,
  path: string,
  body?: unknown,
  raw?: { bytes: Uint8Array; type: string },
  idempotent = true,
): Promise<T> {
  // Encoded once (a retry sends the same bytes).
  const payload = raw ? raw.bytes : body !== undefined ? encodeJson(body) : undefined;
  const headers: Record<string, string | number> = {
    ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
    ...(payload ? { 'content-type': raw ? raw.type : 'application/json', 'content-length': payload.byteLength } : {}),
  };
  let res: Awaited<ReturnType<typeof send>> | undefined;
  for (let attempt = 0; !res; attempt++) {
    try {
      res = await send(new URL(path, c.url), method, headers, payload, c.timeoutMs ?? 60_000);
    } catch (err) {
      if (idempotent && attempt === 0 && isStaleSocket(err)) continue;
      throw new SyncOffline(err);
    }
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(res.text) as Record<string, unknown>;
  } catch (err) {
    if (res.status < 300) throw new SyncOffline(err);
    json = {};
  }
  if (res.status >= 300) {
    const message = typeof json.message === 'string' ? json.message : `${res.status} ${res.statusText}`;
    throw new SyncHttpError(
      res.status,
      typeof json.error === 'string' ? json.error : 'http',
      message,
      (json.problems as SyncHttpError['problems']) ?? [],
    );
  }
  return json as T;
}

/**
 * JSON text as bytes, every non-ASCII character written as a \u escape (the same values):
 * the text is then one byte per character on both sides, which the server decodes and
 * parses about a third faster (one em dash in a push made the whole of it two-byte text).
 */
const asciiBytes = (json: string): Buffer =>
  Buffer.from(
    json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    'latin1',
  );

export const encodeJson = (value: unknown): Buffer => asciiBytes(JSON.stringify(value));

/** A push as encodeJson would write it, with each event's stored payload text put in as it is. */
export function encodePush(req: PushRequest): Buffer {
  const records = req.records.map((r) => {
    const e = r.body as WireEvent;
    if (r.kind !== 'event' || !(e.payload instanceof StoredJson)) return JSON.stringify(r);
    const body = `{"at":${JSON.stringify(e.at)},"attemptId":${JSON.stringify(e.attemptId)},"hash":${JSON.stringify(e.hash)},"payload":${e.payload.text},"prevHash":${JSON.stringify(e.prevHash)},"runId":${JSON.stringify(e.runId)},"seq":${JSON.stringify(e.seq)},"type":${JSON.stringify(e.type)}}`;
    return `{"kind":"event","uuid":${JSON.stringify(r.uuid)},"site":null,"refs":${JSON.stringify(r.refs)},"body":${body}}`;
  });
  return asciiBytes(`{"origin":${JSON.stringify(req.origin)},"records":[${records.join(',')}]}`);
}

export const api = {
  // Not retried: a code is spent on first use.
  enroll: (c: ServerConnection, code: string, name?: string) =>
    call<{ deviceId: string; name: string; token: string }>(c, 'POST', '/v1/enroll', { code, ...(name ? { name } : {}) }, undefined, false),
  me: (c: ServerConnection) => call<{ deviceId: string; name: string; serverTime: string }>(c, 'GET', '/v1/me'),
  sites: (c: ServerConnection) => call<ServerSite[]>(c, 'GET', '/v1/sites'),
  publishSite: (c: ServerConnection, name: string, csv: string) =>
    call<{ id: string; name: string; version: number; created: boolean }>(c, 'POST', '/v1/sites', { name, csv }),
  schedule: (c: ServerConnection, siteId: string) =>
    call<{ version: number; csv: string | null }>(c, 'GET', `/v1/sites/${siteId}/schedule`),
  push: (c: ServerConnection, req: PushRequest) => call<PushResult>(c, 'POST', '/v1/push', req),
  /** A push already encoded by encodePush (kept so for a resend). */
  pushEncoded: (c: ServerConnection, encoded: Uint8Array) =>
    call<PushResult>(c, 'POST', '/v1/push', undefined, { bytes: encoded, type: 'application/json' }),
  missingPhotos: (c: ServerConnection, hashes: string[]) => call<{ missing: string[] }>(c, 'POST', '/v1/blobs/missing', { hashes }),
  putPhoto: (c: ServerConnection, sha: string, bytes: Uint8Array) =>
    call<{ stored: boolean }>(c, 'PUT', `/v1/blobs/${sha}`, undefined, { bytes, type: 'application/octet-stream' }),
  /** Several photos in one request (core/sync/photo-batch.ts). */
  putPhotos: (c: ServerConnection, batch: Uint8Array) =>
    call<{ stored: number; present: number }>(c, 'POST', '/v1/blobs', undefined, { bytes: batch, type: PHOTO_BATCH_TYPE }),
  pull: (c: ServerConnection, since: number, limit = 5000) => call<PullResponse>(c, 'GET', `/v1/pull?since=${since}&limit=${limit}`),
};
