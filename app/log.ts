// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- pino-roll ships no types; this carries its declaration into every tsconfig that compiles this file
/// <reference path="./pino-roll.d.ts" />
// Structured logs (pino, one JSON object a line) in dataDir/logs, rotated by size and capped in
// count so a technician's laptop never fills up and support gets the last few megabytes.
// Secrets never reach a log line: any field named like a key, token or passphrase is replaced,
// at any depth, before the line is written.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Level, type Logger } from 'pino';
import roll from 'pino-roll';

export type { Logger };

export const LOG_FILE_MAX_BYTES = 5 * 1024 * 1024;
/** Rotated files kept besides the current one: at most (1 + 4) × 5 MB of logs. */
export const LOG_FILES_KEPT = 4;

export function logDir(dataDir: string): string {
  return join(dataDir, 'logs');
}

// Matches field names, not values: scbk (OSDP secure-channel base key), keys, token(s),
// passphrase, password, secret, authorization, the web host's token header.
const SECRET_FIELD = /^(scbk|keys?|.*token|.*passphrase|.*password|.*secret|authorization|cookie)$/i;
export const REDACTED = '[redacted]';

/** A copy of value with every secret-named field replaced by "[redacted]" (depth-limited). */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) ? REDACTED : redactSecrets(v, depth + 1);
  return out;
}

function options(level: string): pino.LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
  };
}

/** Logs nothing: the default for createApp (the CLI and most tests). */
export const silentLogger: Logger = pino({ enabled: false });

export interface FileLogger {
  log: Logger;
  dir: string;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

/** The log level: DOORCX_LOG_LEVEL (trace, debug, info, warn, error, fatal), else info. */
export function logLevel(env: NodeJS.ProcessEnv = process.env): Level {
  const wanted = env.DOORCX_LOG_LEVEL?.toLowerCase();
  return wanted && ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(wanted) ? (wanted as Level) : 'info';
}

/** dataDir/logs/doorcx.N.log, a new file every 5 MB, the oldest removed beyond LOG_FILES_KEPT. */
export async function openFileLogger(
  dataDir: string,
  level: string = logLevel(),
  rotation: { maxBytes: number; keep: number } = { maxBytes: LOG_FILE_MAX_BYTES, keep: LOG_FILES_KEPT },
): Promise<FileLogger> {
  const dir = logDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const stream = await roll({
    file: join(dir, 'doorcx'),
    extension: '.log',
    size: `${Math.ceil(rotation.maxBytes / 1024)}k`,
    limit: { count: rotation.keep },
    mkdir: true,
    // Each line reaches the file when it is logged: the lines before a crash are the ones support needs.
    sync: true,
  });
  const log = pino(options(level), stream);
  let closed: Promise<void> | undefined;
  return {
    log,
    dir,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.flush(() => stream.end());
      })),
  };
}

/** Crashes and forgotten promise rejections of this process go to the log before anything else happens. */
export function logProcessErrors(log: Logger): void {
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtExceptionMonitor', (err) => log.fatal({ err }, 'uncaught exception'));
}
