// The renderer's only door to the backend: Electron's preload object when it
// exists, otherwise the web host over HTTP/WebSocket. Both satisfy DoorCxApi.
import { ApiError, apiInputs, TRANSPORT, type ApiErrorShape, type ApiEvents, type DoorCxApi, type EventTopic } from '../../app/contract';

declare global {
  interface Window {
    doorcx?: DoorCxApi;
  }
}

type Reply = { ok: true; result: unknown } | { ok: false; error: ApiErrorShape };

function rebuildError(err: unknown): never {
  const shape = (err as { apiError?: ApiErrorShape }).apiError;
  if (shape) throw new ApiError(shape.code, shape.message, shape.details);
  throw err;
}

/** The per-launch token arrives in the URL fragment; keep it for reloads of this tab only. */
function takeToken(): string {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem('doorcx-token', match[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem('doorcx-token') ?? '';
}

function createWebApi(): DoorCxApi {
  const token = takeToken();
  const api: Record<string, unknown> = {};
  for (const method of Object.keys(apiInputs)) {
    api[method] = async (input: unknown) => {
      const res = await fetch(`${TRANSPORT.httpCallPrefix}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TRANSPORT.tokenHeader]: token },
        body: JSON.stringify(input ?? {}),
      });
      const reply = (await res.json()) as Reply;
      if (reply.ok) return reply.result;
      throw new ApiError(reply.error.code, reply.error.message, reply.error.details);
    };
  }
  const listeners = new Map<string, Set<(e: unknown) => void>>();
  let socket: WebSocket | null = null;
  const connect = () => {
    const url = `${window.location.origin.replace(/^http/, 'ws')}${TRANSPORT.wsEventsPath}?token=${encodeURIComponent(token)}`;
    socket = new WebSocket(url);
    socket.onmessage = (msg) => {
      const { topic, event } = JSON.parse(String(msg.data)) as { topic: string; event: unknown };
      for (const l of listeners.get(topic) ?? []) l(event);
    };
    socket.onclose = () => {
      socket = null;
      if (listeners.size > 0) setTimeout(connect, 1000);
    };
  };
  api.subscribe = (topic: EventTopic, listener: (e: unknown) => void) => {
    const set = listeners.get(topic) ?? new Set();
    set.add(listener);
    listeners.set(topic, set);
    if (!socket) connect();
    return () => {
      set.delete(listener);
      if (set.size === 0) listeners.delete(topic);
    };
  };
  return api as DoorCxApi;
}

function wrapElectronApi(raw: DoorCxApi): DoorCxApi {
  const api: Record<string, unknown> = {
    subscribe: <T extends EventTopic>(topic: T, listener: (e: ApiEvents[T]) => void) => raw.subscribe(topic, listener),
  };
  for (const method of Object.keys(apiInputs) as (keyof typeof apiInputs)[]) {
    const fn = raw[method] as (input: unknown) => Promise<unknown>;
    api[method] = (input: unknown) => fn(input).catch(rebuildError);
  }
  return api as DoorCxApi;
}

export const api: DoorCxApi = window.doorcx ? wrapElectronApi(window.doorcx) : createWebApi();
