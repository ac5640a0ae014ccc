// The web host: serves the built renderer on 127.0.0.1 and exposes the same API
// as Electron's preload over HTTP (calls) and WebSocket (events). A random token
// minted per launch guards every call, so another page in the user's browser
// (or another local user's script) cannot drive the app. The token is checked
// before a body is read, and each call's body is capped (BODY_LIMITS).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { TRANSPORT } from '../contract';
import { toApiError } from '../dispatch';
import type { App } from '../index';
import type { Logger } from '../log';

export interface WebHostOptions {
  app: App;
  /** The built renderer (vite build output). */
  rendererDir: string;
  port?: number;
  /** Fixed token for scripted use; random per launch by default. */
  token?: string;
  /** The request log (app/log.ts). */
  log?: Logger;
}

export interface WebHost {
  /** Open this URL: the token rides in the fragment, which browsers never send to servers or other sites. */
  url: string;
  origin: string;
  token: string;
  close(): Promise<void>;
}

export const HOST = '127.0.0.1';

/** The CSP for the served renderer: only our own scripts and our own API. */
export function contentSecurityPolicy(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const MB = 1024 * 1024;

/**
 * Largest request body per call: the contract's largest field (base64) plus room for the JSON around it.
 * Every other call carries a few fields: 1 MB. Checked on Content-Length before reading, and while reading.
 */
export const BODY_LIMITS: Readonly<Record<string, number>> = {
  attachPhoto: 41 * MB, // a photo up to 30 MB (40 MB of base64)
  previewImport: 201 * MB, // a schedule file up to 150 MB (200 MB of base64)
  applyImport: 201 * MB,
};
export const DEFAULT_BODY_LIMIT = 1 * MB;

function sameToken(given: unknown, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One line per request: method, path without its query (the events socket carries the token there), status, time. */
function logRequests(server: FastifyInstance, log: Logger): void {
  // A WebSocket upgrade never gets an ordinary response: logged when it arrives.
  server.addHook('onRequest', async (req) => {
    if (req.headers.upgrade === 'websocket')
      log.debug({ method: req.method, path: req.url.split('?')[0], upgrade: 'websocket' }, 'request');
  });
  server.addHook('onResponse', async (req, reply) => {
    const line = { method: req.method, path: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 400) log.info(line, 'request');
    else log.debug(line, 'request');
  });
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const server: FastifyInstance = Fastify({ logger: false, bodyLimit: DEFAULT_BODY_LIMIT });
  let origin = '';

  // DNS rebinding: a hostile page on evil.example resolving to 127.0.0.1 sends Host: evil.example.
  const allowedHost = (req: FastifyRequest) => req.headers.host === new URL(origin).host;
  // Browsers send Origin on cross-site requests; only our own page may call.
  const allowedOrigin = (req: FastifyRequest) => req.headers.origin === undefined || req.headers.origin === origin;

  /** Refuses unread, and drops the connection once answered (else Node would go on reading the announced body). */
  const refuse = async (req: FastifyRequest, reply: FastifyReply, status: number, message: string) => {
    reply.raw.once('finish', () => req.raw.destroy());
    await reply
      .code(status)
      .header('connection', 'close')
      .send({ ok: false, error: { code: 'unauthorized', message } });
  };

  // onRequest runs before any body is read.
  server.addHook('onRequest', async (req, reply) => {
    if (!allowedHost(req) || !allowedOrigin(req)) return refuse(req, reply, 403, 'Forbidden host or origin.');
    if (req.url.startsWith(TRANSPORT.httpCallPrefix) && !sameToken(req.headers[TRANSPORT.tokenHeader], token))
      return refuse(req, reply, 401, 'Missing or wrong DoorCx token.');
  });

  // Fastify's own refusals (body too large, malformed JSON) in the API's error shape.
  server.setErrorHandler(async (err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    const message =
      status === 413 ? `The request is larger than the ${req.routeOptions.bodyLimit / MB} MB this call accepts.` : err.message;
    return reply.code(status).send({ ok: false, error: { code: status < 500 ? 'invalid-input' : 'internal', message } });
  });

  if (options.log) logRequests(server, options.log);
  await server.register(fastifyWebsocket);

  const handleCall = async (method: string, body: unknown, reply: FastifyReply) => {
    try {
      const result = await options.app.handle(method, body);
      return { ok: true, result: result ?? null };
    } catch (err) {
      const apiError = toApiError(err);
      const status = apiError.code === 'internal' ? 500 : apiError.code === 'not-found' ? 404 : 400;
      return reply.code(status).send({ ok: false, error: apiError.toJSON() });
    }
  };
  for (const [method, bodyLimit] of Object.entries(BODY_LIMITS))
    server.post(`${TRANSPORT.httpCallPrefix}${method}`, { bodyLimit }, (req, reply) => handleCall(method, req.body, reply));
  server.post<{ Params: { method: string } }>(`${TRANSPORT.httpCallPrefix}:method`, (req, reply) =>
    handleCall(req.params.method, req.body, reply),
  );

  server.get(TRANSPORT.wsEventsPath, { websocket: true }, (socket, req) => {
    const query = req.query as Record<string, unknown>;
    if (!sameToken(query.token, token)) {
      socket.close(4401, 'unauthorized');
      return;
    }
    const off = options.app.ctx.events.onAny((topic, event) => {
      socket.send(JSON.stringify({ topic, event }));
    });
    socket.on('close', off);
  });

  if (!existsSync(options.rendererDir)) {
    throw new Error(`The renderer is not built (${options.rendererDir} is missing): run "npm run build:renderer".`);
  }
  await server.register(fastifyStatic, {
    root: options.rendererDir,
    setHeaders: (res) => {
      res.setHeader('Content-Security-Policy', contentSecurityPolicy(origin));
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
    },
  });

  const address = await server.listen({ host: HOST, port: options.port ?? 0 });
  origin = address.replace('localhost', HOST);
  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    close: async () => {
      await server.close();
    },
  };
}
