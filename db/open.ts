// Opening the app's database at start-up. A file that is damaged, not a database,
// unreadable or empty stops start-up with a message a technician can act on: where
// the file is, that a copy of it as found was kept, and how to start fresh. An
// empty (0-byte) file is never silently turned into a new database: it usually
// means a copy or a sync was cut short, and the real data may be elsewhere.
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { migrate } from './migrate';
import { openSqlite, type Db } from './sqlite';

export class DatabaseUnusableError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    /** Where the copy of the file as found was kept (null when there was nothing to copy). */
    readonly backup: string | null,
  ) {
    super(
      [
        `DoorCx cannot use its database.`,
        `  File: ${file}`,
        `  Problem: ${problem}`,
        backup
          ? `  A copy of the file as found was kept: ${backup} (keep it: recorded results may be recoverable from it).`
          : `  Nothing was changed in the file.`,
        `  To start fresh: close DoorCx, move ${file} out of its folder (or rename it), and start DoorCx again;` +
          ` it creates a new, empty database${backup ? ' (the copy above stays where it is)' : ''}.`,
      ].join('\n'),
    );
    this.name = 'DatabaseUnusableError';
  }
}

/** SQLite result codes that mean the file itself cannot be used (not a bug in DoorCx). */
const FILE_PROBLEMS: Record<string, string> = {
  SQLITE_NOTADB: 'the file is not a DoorCx database (not an SQLite file, or its first page is damaged)',
  SQLITE_CORRUPT: 'the file is damaged (SQLite reports it as malformed)',
  SQLITE_CANTOPEN: 'the file cannot be opened (check that the folder exists and this user may read and write it)',
  SQLITE_PERM: 'this user may not read or write the file',
  SQLITE_READONLY: 'the file or its folder is read-only for this user',
  SQLITE_IOERR: 'the disk could not be read (a failing drive, a removed USB stick or a network folder that went away)',
  SQLITE_FULL: 'the disk is full',
};

function fileProblem(err: unknown): string | null {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  const base = Object.keys(FILE_PROBLEMS).find((k) => code === k || code.startsWith(`${k}_`));
  return base ? `${FILE_PROBLEMS[base]} [${code}: ${(err as Error).message}]` : null;
}

/** Copies the file (and its WAL) as found, once per version of it: named by its modification time. */
function keepCopy(file: string): string | null {
  try {
    const stamp = statSync(file).mtime.toISOString().replace(/[:.]/g, '-');
    const copy = `${file}.damaged-${stamp}`;
    if (!existsSync(copy)) {
      copyFileSync(file, copy);
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    }
    return copy;
  } catch {
    return null; // unreadable: there is nothing we can copy
  }
}

/** Opens (creating if absent) and migrates the app's database, or throws DatabaseUnusableError. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:' && existsSync(file)) {
    const st = statSync(file);
    if (st.isDirectory()) throw new DatabaseUnusableError(file, 'this is a folder, not a database file', null);
    if (st.size === 0)
      throw new DatabaseUnusableError(
        file,
        'the file is empty (0 bytes): it holds no data. A copy or sync may have been cut short, so DoorCx will not' +
          ' turn it into a new database by itself; if the real database is elsewhere, put it here',
        null,
      );
  }
  let db: Db | undefined;
  try {
    db = openSqlite(file);
    // A whole-file structural check: damage is found now, not halfway through a test.
    const check = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
    if (check[0] !== 'ok') {
      const err = new Error(check.slice(0, 3).join('; ')) as Error & { code: string };
      err.code = 'SQLITE_CORRUPT';
      throw err;
    }
    migrate(db);
    return db;
  } catch (err) {
    db?.close();
    const problem = fileProblem(err);
    if (!problem) throw err;
    throw new DatabaseUnusableError(file, problem, file === ':memory:' || !existsSync(file) ? null : keepCopy(file));
  }
}
