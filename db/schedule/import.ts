// Import a schedule file into a site (all-or-nothing), diff a re-import against the
// stored site, apply the confirmed diff in one transaction, and export a site back
// to CSV/XLSX so that import(export(site)) gives the same openings.
import type { HeaderMatch } from '../../core/schedule/columns';
import { diffOpenings, formatValue } from '../../core/schedule/format';
import { OpeningsBuilder, type CellIssue, type TableResult } from '../../core/schedule/rows';
import { OPENING_FIELD_NAMES, OPENING_FIELDS } from '../../core/schedule/schema';
import type { Opening, OpeningField } from '../../core/schedule/types';
import type { Db } from '../sqlite';
import { isZip } from '../../core/zip';
import { readScheduleFile, writeCsv, writeXlsx, type ReadResult, type ScheduleFormat } from './files';
import {
  bulkInsert,
  createSite,
  deleteOpening,
  getSite,
  getSiteByName,
  insertOpening,
  insertOpenings,
  listOpeningRecords,
  listOpenings,
  recordEdit,
  replaceOpening,
  setOpeningPosition,
  touchSite,
  withPageCache,
} from './repository';
import { RowThread } from './row-thread';

export interface ColumnMappingOut {
  sourceHeader: string;
  column: OpeningField | null;
  how: string;
}

export interface Diff {
  added: string[];
  removed: string[];
  changed: { openingId: string; changes: { field: string; oldValue: string; newValue: string }[] }[];
  unchanged: number;
}

export interface Preview {
  siteName: string;
  siteId: number | null;
  format: ScheduleFormat;
  rowCount: number;
  mapping: ColumnMappingOut[];
  errors: CellIssue[];
  sample: Opening[];
  diff: Diff | null;
  diffHash: string | null;
  /** The parsed openings (not sent to the UI; used by apply). */
  openings: Opening[];
}

export class ImportRejected extends Error {
  constructor(
    readonly errors: CellIssue[],
    readonly kind: 'file' | 'stale' = 'file',
  ) {
    super(
      kind === 'stale'
        ? (errors[0]?.reason ?? 'The import changed since it was previewed')
        : `The file was rejected: ${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was imported`,
    );
    this.name = 'ImportRejected';
  }
}

function mappingOut(m: HeaderMatch[]): ColumnMappingOut[] {
  return m.map(({ sourceHeader, column, how }) => ({ sourceHeader, column, how }));
}

export function diffSchedules(before: readonly Opening[], after: readonly Opening[]): Diff {
  // A new site: every opening is added (no lookups needed).
  if (before.length === 0) return { added: after.map((o) => o.opening_id), removed: [], changed: [], unchanged: 0 };
  const old = new Map(before.map((o) => [o.opening_id, o]));
  const seen = new Set<string>();
  const diff: Diff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const o of after) {
    seen.add(o.opening_id);
    const prev = old.get(o.opening_id);
    if (!prev) {
      diff.added.push(o.opening_id);
      continue;
    }
    const changes = diffOpenings(prev, o, OPENING_FIELD_NAMES);
    if (changes.length > 0) diff.changed.push({ openingId: o.opening_id, changes });
    else diff.unchanged++;
  }
  for (const o of before) if (!seen.has(o.opening_id)) diff.removed.push(o.opening_id);
  return diff;
}

/** node:crypto on first use: a CSV import into a new site (importNewSite) hashes nothing, and starts without it. */
const hashing = () => import('node:crypto');

/**
 * Identifies "this file applied to this state of this site". The file's openings are a pure
 * function of its name and bytes, so their parse key stands for them; the stored openings are
 * hashed in full, so any edit or import in between changes the hash.
 */
async function hashOf(siteName: string, siteId: number | null, before: readonly Opening[], fileKey: string): Promise<string> {
  const h = (await hashing()).createHash('sha256');
  h.update(JSON.stringify([siteName.toLowerCase(), siteId, fileKey]));
  for (const o of before) h.update(JSON.stringify(o));
  return h.digest('hex');
}

/** Reads and checks the file and computes the diff against the stored site. Writes nothing. */
export async function previewImport(db: Db, input: { fileName: string; bytes: Uint8Array; siteName: string }): Promise<Preview> {
  const siteName = input.siteName.trim();
  const { key, read, result: parsed } = await parseFile(db, input.fileName, input.bytes);
  const site = getSiteByName(db, siteName);
  if (!read.ok) {
    return {
      siteName,
      siteId: site?.id ?? null,
      format: read.format ?? 'csv',
      rowCount: 0,
      mapping: [],
      errors: read.errors,
      sample: [],
      diff: null,
      diffHash: null,
      openings: [],
    };
  }
  const result = parsed!;
  const base = {
    siteName,
    siteId: site?.id ?? null,
    format: read.format,
    rowCount: result.openings.length,
    mapping: mappingOut(result.mapping),
    errors: result.errors,
    sample: result.openings.slice(0, 20),
    openings: result.openings,
  };
  if (result.errors.length > 0) return { ...base, rowCount: result.filledRows, diff: null, diffHash: null };
  const before = site ? listOpenings(db, site.id) : [];
  return {
    ...base,
    rowCount: result.openings.length,
    diff: diffSchedules(before, result.openings),
    diffHash: await hashOf(siteName, site?.id ?? null, before, key),
  };
}

// Parsing is a pure function of (file name, bytes): the last result per database is kept so
// the apply that follows a preview does not read and validate a 50,000-row file twice.
// The apply still recomputes the diff hash against the database as it is then.
interface Parsed {
  key: string;
  read: ReadResult;
  result: TableResult | null;
  /** What was parsed: an apply handed the very buffer its preview read (the CLI's) is not hashed again. */
  fileName: string;
  bytes: Uint8Array;
}
const parseCache = new WeakMap<Db, Parsed>();

async function parseFile(db: Db, fileName: string, bytes: Uint8Array): Promise<Parsed> {
  const hit = parseCache.get(db);
  if (hit && hit.bytes === bytes && hit.fileName === fileName) return hit;
  const key = (await hashing()).createHash('sha256').update(fileName).update('\u0000').update(bytes).digest('hex');
  if (hit?.key === key) return hit;
  // Each row goes from the reader straight into the openings builder: a table of every cell of a
  // 50,000-row file is never held beside its openings.
  let builder: OpeningsBuilder | undefined;
  const read = await readScheduleFile(fileName, bytes, {
    header: (cells, headerRow) => (builder = new OpeningsBuilder(cells, headerRow)),
    row: (r) => builder!.add(r),
  });
  const result = read.ok ? (builder ?? new OpeningsBuilder([], 1)).finish() : null;
  const entry = { key, read, result, fileName, bytes };
  parseCache.set(db, entry);
  return entry;
}

export interface ApplyResult {
  siteId: number;
  added: number;
  changed: number;
  removed: number;
  preview: Preview;
}

/**
 * Applies a previewed import if the file and the site still give `confirmDiffHash`.
 * One transaction: a new site with all its openings, or the diff (each changed field
 * recorded in opening_edits with source "import").
 */
export async function applyImport(
  db: Db,
  input: { fileName: string; bytes: Uint8Array; siteName: string; confirmDiffHash: string; editor: string; now: Date },
): Promise<ApplyResult> {
  const preview = await previewImport(db, input);
  if (preview.errors.length > 0) throw new ImportRejected(preview.errors);
  if (preview.diffHash !== input.confirmDiffHash) {
    throw new ImportRejected(
      [{ reason: 'The file or the site changed since the preview was shown; preview the import again and confirm the new differences' }],
      'stale',
    );
  }
  return writeImport(db, preview, input.editor, input.now);
}

function writeImport(db: Db, preview: Preview, editor: string, now: Date): ApplyResult {
  const diff = preview.diff!;
  const siteId = db.transaction(() => {
    const existing = getSiteByName(db, preview.siteName);
    if (!existing) {
      const site = createSite(db, preview.siteName, now);
      insertOpenings(db, site.id, preview.openings, now);
      return site.id;
    }
    // A re-import updates rows and indexes all over the table: a bigger page cache keeps their dirty
    // pages from spilling to the WAL before the commit (see withPageCache).
    return withPageCache(db, () => applyDiff(db, existing, preview, diff, editor, now));
  });
  return { siteId, added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length, preview };
}

function applyDiff(db: Db, existing: { id: number }, preview: Preview, diff: Diff, editor: string, now: Date): number {
  const records = new Map(listOpeningRecords(db, existing.id).map((r) => [r.opening.opening_id, r]));
  const changedIds = new Map(diff.changed.map((c) => [c.openingId, c.changes]));
  preview.openings.forEach((o, position) => {
    const rec = records.get(o.opening_id);
    if (!rec) {
      insertOpening(db, existing.id, o, position, now);
      return;
    }
    const changes = changedIds.get(o.opening_id);
    if (changes) {
      replaceOpening(db, rec.ref, existing.id, o, now);
      for (const c of changes) recordEdit(db, { siteId: existing.id, openingId: o.opening_id, at: now, editor, source: 'import', ...c });
    }
    if (rec.position !== position) setOpeningPosition(db, rec.ref, position);
  });
  for (const id of diff.removed) {
    const rec = records.get(id);
    if (rec) deleteOpening(db, rec.ref);
  }
  touchSite(db, existing.id, now);
  return existing.id;
}

/**
 * A CSV/TSV file into a new site in one pass: each row is checked and, while no problem has been found,
 * written at once, all in one transaction, so the file's openings are never all held in memory. The file is
 * read and checked on a thread of its own (RowThread) while this one writes the rows. A problem anywhere
 * rolls the whole import back: ImportRejected with every problem, the ones previewImport lists. The same
 * checks, openings and findings as previewImport then applyImport (tested). Null, with nothing written,
 * where it does not apply: an XLSX workbook, or a site of that name exists (a re-import is previewed and
 * its differences confirmed).
 */
export function importNewSite(
  db: Db,
  input: { fileName: string; bytes: Uint8Array; siteName: string; now: Date; reader?: RowThread },
): { siteId: number; added: number } | null {
  if (isZip(input.bytes)) {
    input.reader?.close();
    return null;
  }
  const siteName = input.siteName.trim();
  // Started first (by a caller that has the file before the database, earlier still): the thread starts up
  // and reads while the site is created.
  const reader = input.reader ?? new RowThread(input.fileName, input.bytes);
  try {
    return db.transaction(() => {
      if (getSiteByName(db, siteName)) return null;
      const site = createSite(db, siteName, input.now);
      let added = 0;
      const errors = bulkInsert(db, site.id, input.now, ({ addRow }) =>
        reader.read((row) => {
          addRow(row);
          added++;
        }),
      );
      if (errors.length > 0) throw new ImportRejected(errors); // rolls everything back
      return { siteId: site.id, added };
    });
  } finally {
    reader.close();
  }
}

// ---- export ----------------------------------------------------------------

/** Canonical headers, then every extras column in order of first appearance. */
export function exportTable(openings: readonly Opening[]): { headers: string[]; rows: string[][]; numeric: boolean[] } {
  const extraHeaders: string[] = [];
  const seen = new Set<string>(OPENING_FIELD_NAMES);
  for (const o of openings)
    for (const k of Object.keys(o.extras))
      if (!seen.has(k)) {
        seen.add(k);
        extraHeaders.push(k);
      }
  const headers = [...OPENING_FIELD_NAMES, ...extraHeaders];
  const rows = openings.map((o) => [...OPENING_FIELD_NAMES.map((f) => formatValue(o[f])), ...extraHeaders.map((h) => o.extras[h] ?? '')]);
  const kinds = new Map(OPENING_FIELDS.map((m) => [m.field as string, m.kind]));
  const numeric = headers.map((h) => kinds.get(h) === 'integer' || kinds.get(h) === 'decimal');
  return { headers, rows, numeric };
}

export async function exportSite(
  db: Db,
  siteId: number,
  format: 'csv' | 'xlsx',
): Promise<{ fileName: string; mimeType: string; bytes: Buffer }> {
  const site = getSite(db, siteId);
  if (!site) throw new Error(`No site ${siteId}`);
  const { headers, rows, numeric } = exportTable(listOpenings(db, siteId));
  const base = site.name.replace(/[^\w .-]+/g, '_').trim() || `site-${siteId}`;
  if (format === 'csv') {
    return { fileName: `${base}.csv`, mimeType: 'text/csv', bytes: Buffer.from(writeCsv(headers, rows), 'utf8') };
  }
  // Numbers as numeric cells (so Excel can sum them); everything else as text cells.
  const typed = rows.map((r) => r.map((v, i) => (numeric[i] && v !== '' ? Number(v) : v)));
  return {
    fileName: `${base}.xlsx`,
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    bytes: await writeXlsx(headers, typed),
  };
}
