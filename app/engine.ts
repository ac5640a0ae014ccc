// The engine: the backend (createApp: SQLite, serial, OSDP timers, XLSX parsing) in a process
// of its own, talking to the window's process over a message channel. In the desktop app that
// process is an Electron utility process and the channel a MessagePort; this is plain Node
// (tested over worker_threads' MessageChannel), and electron/ only adapts the ports.
// This file is the window process's side and the messages; app/engine-process.ts is the engine's
// side. It imports nothing of the backend, so Electron's main bundle holds no database or serial code.
import { ApiError, type ApiErrorShape, type EventTopic } from './contract';
import type { EngineStatus } from './contract/diagnostics';

export type { EngineStatus };

/** What both ends need from a port: Electron's MessagePortMain and Node's MessagePort both adapt to it. */
export interface Channel {
  send(message: EngineMessage): void;
  onMessage(listener: (message: EngineMessage) => void): void;
}

export type EngineMessage =
  | { type: 'call'; id: number; method: string; input: unknown }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: ApiErrorShape }
  | { type: 'event'; topic: EventTopic; payload: unknown }
  | { type: 'ready' }
  /** The engine cannot start and restarting will not help (e.g. a damaged database): say why, once. */
  | { type: 'fatal'; message: string }
  | { type: 'close' }
  | { type: 'closed' };

export const ENGINE_STOPPED_MESSAGE = "DoorCx's engine stopped — restarting; your results are safe.";

export interface EngineProcess {
  channel: Channel;
  /** Resolves when the process has ended, for whatever reason. */
  exited: Promise<void>;
  kill(): void;
}

export interface EngineSupervisorOptions {
  /** Starts one engine process (Electron: utilityProcess.fork; tests: a worker thread). */
  start: () => EngineProcess;
  onEvent: (topic: EventTopic, payload: unknown) => void;
  onStatus: (status: EngineStatus) => void;
  /** Restarts allowed within a minute before giving up (default 5). */
  maxRestartsPerMinute?: number;
  /** How long close() waits for the engine before ending it (default 15 s). */
  closeTimeoutMs?: number;
}

export interface EngineSupervisor {
  call(method: string, input: unknown): Promise<unknown>;
  /** Asks the engine to close (running tests restore lock power, the database closes) and waits for it. */
  close(): Promise<void>;
}

/**
 * Runs the engine, forwards calls and events, and restarts it when it dies: calls in flight are
 * answered with ENGINE_STOPPED_MESSAGE, calls made while it restarts wait for the new one.
 */
export function superviseEngine(options: EngineSupervisorOptions): EngineSupervisor {
  const maxRestarts = options.maxRestartsPerMinute ?? 5;
  let nextId = 1;
  let closing = false;
  let restarts: number[] = [];
  type Pending = Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>;
  let current: { proc: EngineProcess; ready: Promise<void>; pending: Pending; dead: boolean };
  let closed: (() => void) | undefined;
  let failure: string | undefined;

  const launch = () => {
    const proc = options.start();
    const pending: Pending = new Map();
    let markReady!: () => void;
    let markDead!: (e: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markDead = reject;
    });
    ready.catch(() => undefined);
    const engine = { proc, ready, pending, dead: false };
    proc.channel.onMessage((m) => {
      if (m.type === 'ready') {
        markReady();
        options.onStatus({ state: 'running' });
      } else if (m.type === 'event') options.onEvent(m.topic, m.payload);
      else if (m.type === 'reply') {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (p) {
          if (m.ok) p.resolve(m.result);
          else p.reject(new ApiError(m.error.code, m.error.message, m.error.details));
        }
      } else if (m.type === 'fatal') {
        failure = m.message;
        options.onStatus({ state: 'failed', message: failure });
      } else if (m.type === 'closed') closed?.();
    });
    void proc.exited.then(() => {
      engine.dead = true;
      markDead(new ApiError('internal', ENGINE_STOPPED_MESSAGE));
      for (const p of pending.values()) p.reject(new ApiError('internal', ENGINE_STOPPED_MESSAGE));
      pending.clear();
      if (closing) return closed?.();
      if (failure) return;
      const now = Date.now();
      restarts = restarts.filter((t) => now - t < 60_000);
      if (restarts.length >= maxRestarts) {
        failure = "DoorCx's engine keeps stopping. Your results are safe; save diagnostics and restart DoorCx.";
        options.onStatus({ state: 'failed', message: failure });
        return;
      }
      restarts.push(now);
      options.onStatus({ state: 'restarting', message: ENGINE_STOPPED_MESSAGE });
      current = launch();
    });
    return engine;
  };
  current = launch();

  return {
    async call(method, input) {
      if (closing) throw new ApiError('internal', 'DoorCx is closing.');
      // Calls made while the engine (re)starts wait for it.
      let engine = current;
      for (;;) {
        if (failure) throw new ApiError('internal', failure);
        try {
          await engine.ready;
          if (!engine.dead) break;
        } catch {
          // died before it was ready: wait for the next one
        }
        if (current === engine) {
          // Not relaunched yet (or given up): wait for the exit handler's decision.
          await new Promise((r) => setTimeout(r, 20));
        }
        engine = current;
      }
      return new Promise((resolve, reject) => {
        const id = nextId++;
        engine.pending.set(id, { resolve, reject });
        engine.proc.channel.send({ type: 'call', id, method, input });
      });
    },
    close() {
      closing = true;
      const engine = current;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => engine.proc.kill(), options.closeTimeoutMs ?? 15_000);
        closed = () => {
          clearTimeout(timer);
          resolve();
        };
        engine.proc.channel.send({ type: 'close' });
      });
    },
  };
}
