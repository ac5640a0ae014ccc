// The client's side of the HTTP API: one function per call, errors as SyncHttpError
// (with the server's reason) or SyncOffline (no answer at all).
import type { PullResponse, PushRequest, PushResult, ServerSite } from '../core/sync/wire';

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
  const code = ((err as { cause?: { code?: string } }).cause ?? {}).code;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
}

async function call<T>(
  c: ServerConnection,
  method: string,
  path: string,
  body?: unknown,
  raw?: { bytes: Uint8Array; type: string },
  idempotent = true,
): Promise<T> {
  let res: Response | undefined;
  // Encoded once (a retry sends the same bytes); a Buffer spares fetch re-scanning a large string.
  // Raw bytes (a photo, read from its file: never a shared buffer) go as they are, not copied.
  const payload = raw ? (raw.bytes as Uint8Array<ArrayBuffer>) : body !== undefined ? Buffer.from(JSON.stringify(body)) : undefined;
  for (let attempt = 0; !res; attempt++) {
    try {
      res = await fetch(new URL(path, c.url), {
        method,
        headers: {
          ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
          ...(raw ? { 'content-type': raw.type } : body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: payload,
        signal: AbortSignal.timeout(c.timeoutMs ?? 60_000),
      });
    } catch (err) {
      if (idempotent && attempt === 0 && isStaleSocket(err)) continue;
      throw new SyncOffline(err);
    }
  }
  let json: Record<string, unknown>;
  try {
    json = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    if (res.ok) throw new SyncOffline(err);
    json = {};
  }
  if (!res.ok) {
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
  missingPhotos: (c: ServerConnection, hashes: string[]) => call<{ missing: string[] }>(c, 'POST', '/v1/blobs/missing', { hashes }),
  putPhoto: (c: ServerConnection, sha: string, bytes: Uint8Array) =>
    call<{ stored: boolean }>(c, 'PUT', `/v1/blobs/${sha}`, undefined, { bytes, type: 'application/octet-stream' }),
  pull: (c: ServerConnection, since: number, limit = 5000) => call<PullResponse>(c, 'GET', `/v1/pull?since=${since}&limit=${limit}`),
};
