// The engine's side of app/engine.ts: the backend in its own process, serving the channel.
import { UnknownMigrationError } from '../db/migrate';
import { DatabaseUnusableError } from '../db/open';
import type { Channel } from './engine';
import { toApiError } from './dispatch';
import { createApp, type App } from './index';
import { logProcessErrors, openFileLogger } from './log';
import { databaseFile } from './paths';

/**
 * Answers calls from the channel and forwards every push event; "close" closes the app, runs
 * onClosed, says "closed" and then calls exit.
 */
export function serveEngine(channel: Channel, app: App, hooks: { onClosed?: () => Promise<void> | void; exit?: () => void } = {}): void {
  const off = app.ctx.events.onAny((topic, payload) => channel.send({ type: 'event', topic, payload }));
  channel.onMessage((m) => {
    if (m.type === 'call') {
      app.handle(m.method, m.input).then(
        (result) => channel.send({ type: 'reply', id: m.id, ok: true, result: result ?? null }),
        (err: unknown) => channel.send({ type: 'reply', id: m.id, ok: false, error: toApiError(err).toJSON() }),
      );
    } else if (m.type === 'close') {
      off();
      // A test in progress restores lock power before the database closes (app.close).
      void app
        .close()
        .then(() => hooks.onClosed?.())
        .finally(() => {
          channel.send({ type: 'closed' });
          // Let the message leave before the process ends.
          if (hooks.exit) setTimeout(hooks.exit, 50);
        });
    }
  });
  channel.send({ type: 'ready' });
}

/** The engine process's whole life: log file, app on the data folder (crash recovery runs as it opens), serve. */
export async function runEngine(channel: Channel, options: { dataDir: string; exit: () => void }): Promise<void> {
  const files = await openFileLogger(options.dataDir);
  logProcessErrors(files.log);
  files.log.info({ dataDir: options.dataDir, pid: process.pid, versions: process.versions }, 'engine starting');
  const app = await createApp({ dbFile: databaseFile(options.dataDir), dataDir: options.dataDir, log: files.log }).catch((err: unknown) => {
    // A database DoorCx cannot use: its message says what to do, and a restart would only repeat it.
    if (err instanceof DatabaseUnusableError || err instanceof UnknownMigrationError) channel.send({ type: 'fatal', message: err.message });
    throw err;
  });
  serveEngine(channel, app, {
    onClosed: async () => {
      files.log.info('engine closed');
      await files.close();
    },
    exit: options.exit,
  });
}
