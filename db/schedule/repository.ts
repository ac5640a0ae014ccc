// Sites, openings, findings, edit history and settings over `Db`.
// Other features (controller, runs, reports) read openings through these functions.
import { evaluateOpening, firingRules, severityRank, worstSeverity } from '../../core/rules';
import {
  CATEGORIES,
  FAIL_MODES,
  SEVERITIES,
  type Category,
  type EditRecord,
  type FailMode,
  type Finding,
  type LockingArrangement,
  type LockType,
  type Opening,
  type OpeningField,
  type Severity,
} from '../../core/schedule/types';
import { blankOpening } from '../../core/schedule/rows';
import { OPENING_FIELD_NAMES } from '../../core/schedule/schema';
import type { Db, SqlValue, Statement } from '../sqlite';

export interface SiteRecord {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface OpeningRecord {
  /** Internal row id (openings.id). */
  ref: number;
  siteId: number;
  opening: Opening;
  version: number;
  position: number;
  findingCount: number;
  worstSeverity: Severity | null;
}

const stmtCache = new WeakMap<Db, Map<string, Statement<never>>>();
/** Prepared once per database and SQL text. */
export function stmt<Row = Record<string, unknown>>(db: Db, sql: string): Statement<Row> {
  let m = stmtCache.get(db);
  if (!m) stmtCache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare<never>(sql)));
  return s;
}

const BOOL_FIELDS: ReadonlySet<OpeningField> = new Set(['fire_alarm_release']);
const COLS = OPENING_FIELD_NAMES;

type Row = Record<string, unknown>;

export function rowToOpening(row: Row): Opening {
  const o = blankOpening(); // compact object (see core/schedule/rows.ts)
  for (const f of COLS) o[f] = BOOL_FIELDS.has(f) ? row[f] === 1 : row[f];
  o.extras = JSON.parse(row.extras as string) as Record<string, string>;
  return o as unknown as Opening;
}

function openingParams(o: Opening): Record<string, SqlValue> {
  const p: Record<string, SqlValue> = {};
  for (const f of COLS) {
    const v = o[f];
    p[f] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  p.extras = JSON.stringify(o.extras);
  return p;
}

// ---- sites ----------------------------------------------------------------

interface SiteRow {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
}
const toSite = (r: SiteRow): SiteRecord => ({ id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at });

export function createSite(db: Db, name: string, now: Date): SiteRecord {
  const at = now.toISOString();
  const info = stmt(db, 'INSERT INTO sites (name, created_at, updated_at) VALUES (?, ?, ?)').run(name, at, at);
  return { id: Number(info.lastInsertRowid), name, createdAt: at, updatedAt: at };
}

export function getSite(db: Db, siteId: number): SiteRecord | undefined {
  const r = stmt<SiteRow>(db, 'SELECT * FROM sites WHERE id = ?').get(siteId);
  return r && toSite(r);
}

/** Site names are unique ignoring case. */
export function getSiteByName(db: Db, name: string): SiteRecord | undefined {
  const r = stmt<SiteRow>(db, 'SELECT * FROM sites WHERE name = ? COLLATE NOCASE').get(name);
  return r && toSite(r);
}

export function touchSite(db: Db, siteId: number, now: Date): void {
  stmt(db, 'UPDATE sites SET updated_at = ? WHERE id = ?').run(now.toISOString(), siteId);
}

export function deleteSite(db: Db, siteId: number): void {
  stmt(db, 'DELETE FROM sites WHERE id = ?').run(siteId);
}

export function emptySeverityCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/** The column counting an opening's findings of one severity ('life-safety' → life_safety_findings), in SEVERITIES order. */
const SEVERITY_COUNT_COLUMNS = SEVERITIES.map((s) => `${s.replace(/-/g, '_')}_findings`);
/** A site's findings by severity, as result columns named by severity. */
const SUM_BY_SEVERITY = SEVERITIES.map((s, i) => `COALESCE(SUM(${SEVERITY_COUNT_COLUMNS[i]}), 0) AS "${s}"`).join(', ');

export function listSites(db: Db): (SiteRecord & { openingCount: number; findingsBySeverity: Record<Severity, number> })[] {
  const sites = stmt<SiteRow & { n: number }>(
    db,
    'SELECT s.*, (SELECT COUNT(*) FROM openings o WHERE o.site_id = s.id) AS n FROM sites s ORDER BY s.name COLLATE NOCASE',
  ).all();
  const counts = new Map(
    stmt<Record<Severity, number> & { site_id: number }>(db, `SELECT site_id, ${SUM_BY_SEVERITY} FROM openings GROUP BY site_id`)
      .all()
      .map(({ site_id, ...bySeverity }) => [site_id, bySeverity]),
  );
  return sites.map((s) => ({ ...toSite(s), openingCount: s.n, findingsBySeverity: counts.get(s.id) ?? emptySeverityCounts() }));
}

// ---- openings -------------------------------------------------------------

const SELECT_OPENING = 'SELECT * FROM openings';

function toRecord(r: Row): OpeningRecord {
  return {
    ref: r.id as number,
    siteId: r.site_id as number,
    opening: rowToOpening(r),
    version: r.version as number,
    position: r.position as number,
    findingCount: r.finding_count as number,
    worstSeverity: (r.worst_severity as Severity | null) ?? null,
  };
}

/** Every opening of a site in schedule order. */
export function listOpenings(db: Db, siteId: number): Opening[] {
  return stmt<Row>(db, `${SELECT_OPENING} WHERE site_id = ? ORDER BY position`).all(siteId).map(rowToOpening);
}

export function listOpeningRecords(db: Db, siteId: number): OpeningRecord[] {
  return stmt<Row>(db, `${SELECT_OPENING} WHERE site_id = ? ORDER BY position`).all(siteId).map(toRecord);
}

/** One opening by its schedule id (e.g. "1-101"), or undefined. */
export function getOpeningById(db: Db, siteId: number, openingId: string): Opening | undefined {
  const r = stmt<Row>(db, `${SELECT_OPENING} WHERE site_id = ? AND opening_id = ?`).get(siteId, openingId);
  return r && rowToOpening(r);
}

export function getOpeningRecord(db: Db, siteId: number, openingId: string): OpeningRecord | undefined {
  const r = stmt<Row>(db, `${SELECT_OPENING} WHERE site_id = ? AND opening_id = ?`).get(siteId, openingId);
  return r && toRecord(r);
}

/** Openings bound to one PD address (the controller looks openings up by address). */
export function getOpeningsByPdAddress(db: Db, siteId: number, pdAddress: number): Opening[] {
  return stmt<Row>(db, `${SELECT_OPENING} WHERE site_id = ? AND pd_address = ? ORDER BY position`).all(siteId, pdAddress).map(rowToOpening);
}

const INSERT_SQL = `INSERT INTO openings (site_id, position, updated_at, finding_count, worst_severity, worst_rank, severity_mask,
  ${SEVERITY_COUNT_COLUMNS.join(', ')}, ${COLS.join(', ')}, extras) VALUES (${Array.from({ length: COLS.length + 8 + SEVERITIES.length }, () => '?').join(', ')})`;
const UPDATE_SQL = `UPDATE openings SET ${COLS.map((c) => `${c} = @${c}`).join(', ')}, extras = @extras,
  version = version + 1, updated_at = @updated_at WHERE id = @ref`;

/** Inserts an opening with the counts of its findings; returns the row id. */
export function insertOpening(db: Db, siteId: number, opening: Opening, position: number, now: Date): number {
  const findings = evaluateOpening(opening);
  const s = severityColumns(findings);
  const params: SqlValue[] = [siteId, position, now.toISOString(), findings.length, s.worst, s.rank, s.mask, ...s.counts];
  for (const f of COLS) {
    const v = opening[f];
    params.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
  }
  params.push(JSON.stringify(opening.extras));
  return Number(stmt(db, INSERT_SQL).run(...params).lastInsertRowid);
}

// Bulk insert for imports: one prepared single-row INSERT run per opening, its parameter array
// reused. Stores exactly what insertOpening stores, row by row. (Multi-row INSERTs of 200 rows
// measured about a tenth slower: better-sqlite3 binds every parameter either way, and a batch
// also builds a parameter array of 8,600 values and spreads it into the call.)
const OPENING_COLS = [
  'site_id',
  'position',
  'updated_at',
  'finding_count',
  'worst_severity',
  'worst_rank',
  'severity_mask',
  ...SEVERITY_COUNT_COLUMNS,
  ...COLS,
  'extras',
];
const BULK_INSERT_SQL = `INSERT INTO openings (${OPENING_COLS.join(', ')}) VALUES (${OPENING_COLS.map(() => '?').join(', ')})`;

/**
 * Inserts openings at positions start, start + 1, … with the counts of their findings, all or nothing (one
 * transaction, or a savepoint inside the caller's). See bulkInsert.
 */
export function insertOpenings(db: Db, siteId: number, openings: readonly Opening[], now: Date, start = 0): void {
  bulkInsert(db, siteId, now, ({ add }) => openings.forEach(add), { start, expected: openings.length });
}

/** Writes one opening per call: as an opening, or as its row (openingRow). */
export interface RowWriter {
  add: (o: Opening) => void;
  addRow: (row: SqlValue[]) => void;
}

/**
 * Inserts the openings `fill` hands to `add` (or their rows, made by openingRow, to `addRow`), at positions
 * start (0 by default), start + 1, … with the counts of their findings, all or nothing (one transaction, or a
 * savepoint inside the caller's); `expected` is how many there will be, where that is known up front. Loaded
 * in bulk:
 * - The table's CHECK constraints are not evaluated row by row (SQLite's ignore_check_constraints, for this
 *   call only): every value comes from an opening the schema (core/schedule/schema.ts) accepted, whose
 *   vocabularies and ranges are the CHECKs' own (test/integration/schedule-bulk.test.ts holds them to that).
 *   Evaluating them was about a fifth of a 50,000-opening import's insert. NOT NULL, UNIQUE and foreign
 *   keys are still enforced.
 * - Where the table holds fewer openings than expected (a first import), the secondary indexes of
 *   openings are dropped and built again from their own SQL once the rows are in: one sort each instead
 *   of growing them row by row. In the same transaction, so a failed insert or a crash leaves them as
 *   they were. Where the number is not known (rows that come as another thread reads them), the indexes
 *   grow row by row: the writer does that while it waits for rows, instead of after the last one.
 */
export function bulkInsert<T>(
  db: Db,
  siteId: number,
  now: Date,
  fill: (write: RowWriter) => T,
  { start = 0, expected = 0 }: { start?: number; expected?: number } = {},
): T {
  const checking = (db.pragma('ignore_check_constraints') as { ignore_check_constraints: number }[])[0]?.ignore_check_constraints === 0;
  if (checking) db.pragma('ignore_check_constraints = ON');
  try {
    return db.transaction(() => {
      const maxId = stmt<{ m: number | null }>(db, 'SELECT MAX(id) AS m FROM openings').get()?.m ?? 0;
      const indexes =
        maxId < expected
          ? stmt<{ name: string; sql: string }>(
              db,
              "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'openings' AND sql IS NOT NULL",
            ).all()
          : [];
      for (const i of indexes) db.exec(`DROP INDEX "${i.name.replace(/"/g, '""')}"`);
      const write = rowWriter(db, siteId, now, start);
      // Rows appended at the end of the table need no big cache; indexes grown row by row do, and so do
      // indexes built afresh: each build reads the whole table back and sorts it, which with the default
      // cache re-reads the table's pages from the file for every index and spills the sort to a temporary file.
      const out = indexes.length > 0 ? fill(write) : withPageCache(db, () => fill(write));
      if (indexes.length > 0) withPageCache(db, () => indexes.forEach((i) => db.exec(i.sql)));
      return out;
    });
  } finally {
    if (checking) db.pragma('ignore_check_constraints = OFF');
  }
}

/**
 * Runs fn with a 32 MB page cache (restored after): writes spread over a big table's indexes otherwise
 * spill dirty pages to the WAL before the commit, about a tenth of a 50,000-opening insert's time.
 * Not for appending rows alone: the cache is memory the process holds until the commit.
 */
export function withPageCache<T>(db: Db, fn: () => T): T {
  const cacheSize = (db.pragma('cache_size') as { cache_size: number }[])[0]?.cache_size;
  db.pragma('cache_size = -32768');
  try {
    return fn();
  } finally {
    if (cacheSize !== undefined) db.pragma(`cache_size = ${cacheSize}`);
  }
}

// In OPENING_COLS order: site, position, time (set by the writer), 4 finding columns, the counts by severity,
// the fields, extras.
/** The length of an opening's row (openingRow), and where its own values start (after site, position, time). */
export const OPENING_ROW_WIDTH = OPENING_COLS.length;
export const OPENING_VALUES_AT = 3;
const COUNTS_AT = 7;
const FIELDS_AT = COUNTS_AT + SEVERITIES.length;

/**
 * An opening's row of values for BULK_INSERT_SQL (into `row`, or a new array): its finding columns, fields and
 * extras; slots 0–2 (site, position, time) are the writer's. Pure, so the import's reader thread builds rows
 * while the database is written (see row-thread.ts).
 */
export function openingRow(o: Opening, row: SqlValue[] = OPENING_COLS.map(() => null)): SqlValue[] {
  const fired = firingRules(o);
  let mask = 0;
  for (let s = 0; s < SEVERITIES.length; s++) row[COUNTS_AT + s] = 0;
  for (const r of fired) {
    const rank = severityRank(r.severity);
    mask |= 1 << rank;
    (row[COUNTS_AT + rank] as number)++;
  }
  // firingRules is worst first, so the first rule carries the worst severity.
  const worst = fired[0]?.severity ?? null;
  row[3] = fired.length;
  row[4] = worst;
  row[5] = worst === null ? SEVERITIES.length : severityRank(worst);
  row[6] = mask;
  for (let c = 0; c < COLS.length; c++) {
    const v = o[COLS[c]!];
    row[FIELDS_AT + c] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  row[FIELDS_AT + COLS.length] = JSON.stringify(o.extras);
  return row;
}

/** Writes one row per call (an opening, or its openingRow), at positions start, start + 1, … */
function rowWriter(db: Db, siteId: number, now: Date, start: number): RowWriter {
  const insert = stmt(db, BULK_INSERT_SQL);
  const at = now.toISOString();
  const params: SqlValue[] = OPENING_COLS.map(() => null); // packed (no holes): spreads fastest
  let position = start;
  const addRow = (row: SqlValue[]) => {
    row[0] = siteId;
    row[1] = position++;
    row[2] = at;
    // Spread, not run(row): better-sqlite3 reads an array parameter element by element through V8's
    // generic property lookup, arguments directly; about a quarter less CPU for the 43 values of a row.
    insert.run(...row);
  };
  return { add: (o) => addRow(openingRow(o, params)), addRow };
}

/** Replaces an opening's values (version + 1) and recomputes its findings. */
export function replaceOpening(db: Db, ref: number, siteId: number, opening: Opening, now: Date): void {
  stmt(db, UPDATE_SQL).run({ ...openingParams(opening), ref, updated_at: now.toISOString() });
  storeFindings(db, ref, evaluateOpening(opening));
}

export function setOpeningPosition(db: Db, ref: number, position: number): void {
  stmt(db, 'UPDATE openings SET position = ? WHERE id = ?').run(position, ref);
}

export function deleteOpening(db: Db, ref: number): void {
  stmt(db, 'DELETE FROM openings WHERE id = ?').run(ref);
}

// ---- findings -------------------------------------------------------------

function severityColumns(findings: readonly Finding[]): { worst: Severity | null; rank: number; mask: number; counts: number[] } {
  const worst = worstSeverity(findings);
  let mask = 0;
  const counts = SEVERITIES.map(() => 0);
  for (const f of findings) {
    const rank = severityRank(f.severity);
    mask |= 1 << rank;
    counts[rank]!++;
  }
  return { worst, rank: worst === null ? SEVERITIES.length : severityRank(worst), mask, counts };
}

const STORE_FINDINGS_SQL = `UPDATE openings SET finding_count = ?, worst_severity = ?, worst_rank = ?, severity_mask = ?,
  ${SEVERITY_COUNT_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`;

/** Stores the counts of an opening's findings (and the columns derived from them). */
export function storeFindings(db: Db, ref: number, findings: readonly Finding[]): void {
  const s = severityColumns(findings);
  stmt(db, STORE_FINDINGS_SQL).run(findings.length, s.worst, s.rank, s.mask, ...s.counts, ref);
}

/** An opening's findings, worst first: rule ids as stored, messages and sections rendered from the opening. */
export function getFindings(db: Db, ref: number): Finding[] {
  const row = stmt<Row>(db, 'SELECT * FROM openings WHERE id = ?').get(ref);
  return row ? evaluateOpening(rowToOpening(row)) : [];
}

export interface SiteFinding extends Finding {
  siteId: number;
  siteName: string;
  openingId: string;
}

/** Every finding by site, in schedule order, worst first within an opening. */
export function listFindings(db: Db, siteId?: number): SiteFinding[] {
  const rows = stmt<Row & { site_name: string }>(
    db,
    `SELECT o.*, s.name AS site_name FROM openings o JOIN sites s ON s.id = o.site_id
       WHERE o.finding_count > 0 AND (? IS NULL OR o.site_id = ?) ORDER BY s.name COLLATE NOCASE, o.site_id, o.position`,
  ).all(siteId ?? null, siteId ?? null);
  return rows.flatMap((r) =>
    evaluateOpening(rowToOpening(r)).map((f) => ({
      ...f,
      siteId: r.site_id as number,
      siteName: r.site_name,
      openingId: r.opening_id as string,
    })),
  );
}

/** Recomputes every stored finding of a site (e.g. after the rules changed). */
export function recomputeFindings(db: Db, siteId: number): void {
  db.transaction(() => {
    for (const r of listOpeningRecords(db, siteId)) storeFindings(db, r.ref, evaluateOpening(r.opening));
  });
}

// ---- query (table) ----------------------------------------------------------

export interface OpeningQuery {
  siteId: number;
  search?: string;
  category?: Category;
  failMode?: FailMode;
  lockType?: LockType;
  lockingArrangement?: LockingArrangement;
  /** A severity: openings with at least one finding of it; 'any': with findings; 'none': without. */
  severity?: Severity | 'any' | 'none';
  /** Openings on this power supply (matched ignoring case, as core/power does); '' = on no supply. */
  powerSupply?: string;
  sort?: { field: OpeningField | 'findingCount' | 'worstSeverity'; desc: boolean };
  offset: number;
  limit: number;
}

export interface QueriedRow extends Omit<Opening, 'extras'> {
  findingCount: number;
  worstSeverity: Severity | null;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function queryOpenings(db: Db, q: OpeningQuery): { total: number; offset: number; rows: QueriedRow[] } {
  const where = ['site_id = @siteId'];
  const p: Record<string, SqlValue> = { siteId: q.siteId };
  const search = q.search?.trim();
  if (search) {
    where.push(`(opening_id LIKE @search ESCAPE '\\' OR location LIKE @search ESCAPE '\\' OR notes LIKE @search ESCAPE '\\')`);
    p.search = `%${escapeLike(search)}%`;
  }
  if (q.category) {
    where.push('category = @category');
    p.category = q.category;
  }
  if (q.failMode) {
    where.push('fail_mode = @failMode');
    p.failMode = q.failMode;
  }
  if (q.lockType) {
    where.push('lock_type = @lockType');
    p.lockType = q.lockType;
  }
  if (q.lockingArrangement) {
    where.push('locking_arrangement = @arr');
    p.arr = q.lockingArrangement;
  }
  if (q.powerSupply !== undefined) {
    where.push('power_supply = @powerSupply COLLATE NOCASE');
    p.powerSupply = q.powerSupply.trim();
  }
  if (q.severity === 'any') where.push('finding_count > 0');
  else if (q.severity === 'none') where.push('finding_count = 0');
  else if (q.severity) {
    // severity_mask: bit = severity rank of the opening's findings, kept in step by storeFindings
    where.push('(severity_mask & @bit) != 0');
    p.bit = 1 << severityRank(q.severity);
  }
  let order = 'position';
  if (q.sort) {
    const dir = q.sort.desc ? 'DESC' : 'ASC';
    const col =
      q.sort.field === 'findingCount' ? 'finding_count' : q.sort.field === 'worstSeverity' ? 'worst_rank' : (q.sort.field as string);
    // For severity "ascending" means worst first, which is what a user sorting by it wants.
    order = `${col} ${dir}, position`;
  }
  const whereSql = where.join(' AND ');
  const total = stmt<{ n: number }>(db, `SELECT COUNT(*) AS n FROM openings WHERE ${whereSql}`).get(p)?.n ?? 0;
  const rows = stmt<Row>(db, `SELECT * FROM openings WHERE ${whereSql} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
    .all({ ...p, limit: q.limit, offset: q.offset })
    .map((r) => {
      const { extras: _extras, ...o } = rowToOpening(r);
      return { ...o, findingCount: r.finding_count as number, worstSeverity: (r.worst_severity as Severity | null) ?? null };
    });
  return { total, offset: q.offset, rows };
}

/** The column names a query may sort by (anything else is refused before it reaches SQL). */
export const SORTABLE: ReadonlySet<string> = new Set([...COLS, 'findingCount', 'worstSeverity']);

// ---- summary ---------------------------------------------------------------

export function siteSummary(db: Db, siteId: number) {
  const count = (col: string) =>
    stmt<{ k: string; n: number }>(db, `SELECT ${col} AS k, COUNT(*) AS n FROM openings WHERE site_id = ? GROUP BY ${col}`).all(siteId);
  const byMode = Object.fromEntries(FAIL_MODES.map((m) => [m, 0])) as Record<FailMode, number>;
  for (const r of count('fail_mode')) byMode[r.k as FailMode] = r.n;
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const r of count('category')) byCategory[r.k as Category] = r.n;
  const byLockType: Partial<Record<LockType, number>> = {};
  for (const r of count('lock_type')) byLockType[r.k as LockType] = r.n;
  const byArrangement: Partial<Record<LockingArrangement, number>> = {};
  for (const r of count('locking_arrangement')) byArrangement[r.k as LockingArrangement] = r.n;
  const findingsBySeverity =
    stmt<Record<Severity, number>>(db, `SELECT ${SUM_BY_SEVERITY} FROM openings WHERE site_id = ?`).get(siteId) ?? emptySeverityCounts();
  const openingCount = stmt<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM openings WHERE site_id = ?').get(siteId)?.n ?? 0;
  const openingsWithFindings =
    stmt<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM openings WHERE site_id = ? AND finding_count > 0').get(siteId)?.n ?? 0;
  return { openingCount, byMode, byCategory, byLockType, byArrangement, findingsBySeverity, openingsWithFindings };
}

// ---- edit history ----------------------------------------------------------

export function recordEdit(
  db: Db,
  e: {
    siteId: number;
    openingId: string;
    at: Date;
    editor: string;
    field: string;
    oldValue: string;
    newValue: string;
    source: 'form' | 'import';
  },
): void {
  stmt(
    db,
    'INSERT INTO opening_edits (site_id, opening_id, at, editor, field, old_value, new_value, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(e.siteId, e.openingId, e.at.toISOString(), e.editor, e.field, e.oldValue, e.newValue, e.source);
}

/** Newest first. */
export function getEditHistory(db: Db, siteId: number, openingId: string): EditRecord[] {
  return stmt<{ id: number; at: string; editor: string; field: string; old_value: string; new_value: string; source: 'form' | 'import' }>(
    db,
    'SELECT * FROM opening_edits WHERE site_id = ? AND opening_id = ? ORDER BY id DESC',
  )
    .all(siteId, openingId)
    .map((r) => ({ id: r.id, at: r.at, editor: r.editor, field: r.field, oldValue: r.old_value, newValue: r.new_value, source: r.source }));
}

// ---- settings --------------------------------------------------------------

export function getSetting<T = unknown>(db: Db, key: string): T | undefined {
  const r = stmt<{ value: string }>(db, 'SELECT value FROM settings WHERE key = ?').get(key);
  return r ? (JSON.parse(r.value) as T) : undefined;
}

export function setSetting(db: Db, key: string, value: unknown): void {
  stmt(db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    JSON.stringify(value),
  );
}
