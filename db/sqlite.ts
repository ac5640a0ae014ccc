// The only module that imports the SQLite driver. Everything else takes `Db`,
// a small interface, so a different driver (or an in-memory one) could stand in.
import BetterSqlite3 from 'better-sqlite3';

export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = SqlValue[] | Record<string, SqlValue>;

export interface Statement<Row = Record<string, unknown>> {
  run(...params: SqlValue[] | [Record<string, SqlValue>] | [SqlValue[]]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: SqlValue[] | [Record<string, SqlValue>]): Row | undefined;
  all(...params: SqlValue[] | [Record<string, SqlValue>]): Row[];
  iterate(...params: SqlValue[] | [Record<string, SqlValue>]): IterableIterator<Row>;
}

export interface Db {
  readonly file: string;
  prepare<Row = Record<string, unknown>>(sql: string): Statement<Row>;
  exec(sql: string): void;
  /** Runs fn in one transaction (nested calls become savepoints); rolls back if it throws. */
  transaction<T>(fn: () => T): T;
  pragma(source: string): unknown;
  close(): void;
}

export interface OpenOptions {
  readonly?: boolean;
}

export function openSqlite(file: string, options: OpenOptions = {}): Db {
  const raw = new BetterSqlite3(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (!options.readonly) {
    // WAL keeps readers unblocked; synchronous=FULL makes every commit durable on
    // power loss, which recorded test steps require (NORMAL could lose the last ones).
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
  }
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  return {
    file,
    prepare: <Row>(sql: string) => raw.prepare(sql) as unknown as Statement<Row>,
    exec: (sql) => {
      raw.exec(sql);
    },
    transaction: <T>(fn: () => T) => raw.transaction(fn)(),
    pragma: (source) => raw.pragma(source),
    close: () => {
      raw.close();
    },
  };
}
