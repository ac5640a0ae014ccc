// The web host: serves the built renderer on 127.0.0.1 and exposes the same API
// as Electron's preload over HTTP (calls) and WebSocket (events). A random token
// minted per launch guards every call, so another page in the user's browser
// (or another local user's script) cannot drive the app.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
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
  const server: FastifyInstance = Fastify({ logger: false, bodyLimit: 300 * 1024 * 1024 });
  let origin = '';

  // DNS rebinding: a hostile page on evil.example resolving to 127.0.0.1 sends Host: evil.example.
  const allowedHost = (req: FastifyRequest) => req.headers.host === new URL(origin).host;
  // Browsers send Origin on cross-site requests; only our own page may call.
  const allowedOrigin = (req: FastifyRequest) => req.headers.origin === undefined || req.headers.origin === origin;

  server.addHook('onRequest', async (req, reply) => {
    if (!allowedHost(req) || !allowedOrigin(req)) {
      await reply.code(403).send({ ok: false, error: { code: 'unauthorized', message: 'Forbidden host or origin.' } });
    }
  });

  if (options.log) logRequests(server, options.log);
  await server.register(fastifyWebsocket);

  server.post<{ Params: { method: string } }>(`${TRANSPORT.httpCallPrefix}:method`, async (req, reply) => {
    if (!sameToken(req.headers[TRANSPORT.tokenHeader], token)) {
      return reply.code(401).send({ ok: false, error: { code: 'unauthorized', message: 'Missing or wrong DoorCx token.' } });
    }
    try {
      const result = await options.app.handle(req.params.method, req.body);
      return { ok: true, result: result ?? null };
    } catch (err) {
      const apiError = toApiError(err);
      const status = apiError.code === 'internal' ? 500 : apiError.code === 'not-found' ? 404 : 400;
      return reply.code(status).send({ ok: false, error: apiError.toJSON() });
    }
  });

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
