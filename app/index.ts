// Composes the backend once per process: database, event bus, handlers.
// Electron main, the web host, the CLI and the tests all start here.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from '../db/migrate';
import { openSqlite } from '../db/sqlite';
import type { AppContext } from './context';
import { dispatch } from './dispatch';
import { EventBus } from './events';
import type { Handlers } from './handlers';
import { closeControllerState, createControllerHandlers, createControllerState } from './handlers/controller';
import { createScheduleHandlers } from './handlers/schedule';
import { loadDemoSiteOnFirstRun } from './demo';

export interface AppOptions {
  /** SQLite file; ':memory:' is allowed for tests. */
  dbFile: string;
  dataDir: string;
  /** Load the demo site from resources/ when the database has never had one (default true). */
  demo?: boolean;
  now?: () => Date;
}

export interface App {
  ctx: AppContext;
  handlers: Handlers;
  call(method: string, input: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function createApp(options: AppOptions): Promise<App> {
  if (options.dbFile !== ':memory:') mkdirSync(dirname(options.dbFile), { recursive: true });
  mkdirSync(options.dataDir, { recursive: true });
  const db = openSqlite(options.dbFile);
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  const ctx: AppContext = { db, dataDir: options.dataDir, events: new EventBus(), now: options.now ?? (() => new Date()) };
  const controller = createControllerState();
  const handlers: Handlers = {
    ...createScheduleHandlers(ctx),
    ...createControllerHandlers(ctx, controller),
  };
  if (options.demo ?? true) await loadDemoSiteOnFirstRun(ctx);
  return {
    ctx,
    handlers,
    call: (method, input) => dispatch(handlers, method, input),
    close: async () => {
      await closeControllerState(controller);
      db.close();
    },
  };
}
