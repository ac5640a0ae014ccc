// Composes the backend once per process: database, event bus, handlers.
// Electron main, the web host, the CLI and the tests all start here.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openDatabase } from '../db/open';
import type { AppContext } from './context';
import type { Input, Method, Outputs } from './contract';
import { dispatch } from './dispatch';
import { EventBus } from './events';
import type { Handlers } from './handlers';
import { closeRunsState, connectionLink, createRunsHandlers, createRunsState, type RunsState } from './handlers/runs';
import { closeControllerState, createControllerHandlers, createControllerState } from './handlers/controller';
import { createScheduleHandlers } from './handlers/schedule';
import { createPowerHandlers } from './handlers/power';
import { createReportsHandlers } from './handlers/reports';
import { createSyncEngine, createSyncHandlers } from './handlers/sync';
import { loadDemoSiteOnFirstRun } from './demo';
import { createDiagnosticsHandlers } from './handlers/diagnostics';
import { logCalls, logEvents } from './diagnostics';
import { silentLogger, type Logger } from './log';

export interface AppOptions {
  /** SQLite file; ':memory:' is allowed for tests. */
  dbFile: string;
  dataDir: string;
  /** Load the demo site from resources/ when the database has never had one (default true). */
  demo?: boolean;
  now?: () => Date;
  /** Sync with the enrolled server in the background (default true). */
  sync?: boolean;
  /** Where calls, errors and controller link events are logged (app/log.ts); silent by default. */
  log?: Logger;
}

export interface App {
  ctx: AppContext;
  handlers: Handlers;
  /** Running tests and the runner's controller links (tests and demos reach the simulated site through it). */
  runs: RunsState;
  /** One API method, typed by its contract entry (the input is still validated). */
  call<M extends Method>(method: M, input: Input<M>): Promise<Outputs[M]>;
  /** A call as a transport receives it (IPC, HTTP, the engine's port): any name, unchecked input. */
  handle(method: string, input: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function createApp(options: AppOptions): Promise<App> {
  if (options.dbFile !== ':memory:') mkdirSync(dirname(options.dbFile), { recursive: true });
  mkdirSync(options.dataDir, { recursive: true });
  const db = openDatabase(options.dbFile);
  const ctx: AppContext = {
    db,
    dataDir: options.dataDir,
    events: new EventBus(),
    now: options.now ?? (() => new Date()),
    log: options.log ?? silentLogger,
  };
  const stopLoggingEvents = logEvents(ctx);
  const runs = createRunsState();
  const controller = createControllerState();
  // A procedure that names no link runs over the app's controller connection (controllerConnect); without one the
  // runs handlers refuse it (the demo site falls back to its simulator).
  runs.defaultLink = (run) => connectionLink(controller, run);
  const sync = createSyncEngine(ctx, () => runs.active.size > 0);
  const handlers: Handlers = {
    ...createScheduleHandlers(ctx),
    ...createControllerHandlers(ctx, controller),
    ...createRunsHandlers(ctx, runs),
    ...createPowerHandlers(ctx),
    ...createReportsHandlers(ctx, runs),
    ...createSyncHandlers(ctx, sync),
    ...createDiagnosticsHandlers(ctx),
  };
  if (options.demo ?? true) await loadDemoSiteOnFirstRun(ctx);
  // Background sync (does nothing until the laptop is enrolled with a server).
  if (options.sync ?? true) sync.start();
  const handle = logCalls(ctx.log, (method, input) => dispatch(handlers, method, input));
  return {
    ctx,
    handlers,
    runs,
    call: <M extends Method>(method: M, input: Input<M>) => handle(method, input) as Promise<Outputs[M]>,
    handle,
    close: async () => {
      // Running tests first: they may still be using the controller connection.
      await sync.stop();
      await closeRunsState(runs);
      await closeControllerState(controller);
      stopLoggingEvents();
      db.close();
    },
  };
}
