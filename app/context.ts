// What every handler gets: the database, the event bus, the clock.
// Composed once per process by createApp (app/index.ts).
import type { Db } from '../db/sqlite';
import type { EventBus } from './events';
import type { Logger } from './log';

export interface AppContext {
  db: Db;
  /** Folder beside the database for attachments and exports. */
  dataDir: string;
  events: EventBus;
  now: () => Date;
  /** Structured log (app/log.ts); silent unless the host opened a log file. */
  log: Logger;
}
