// A parsed table (header row + data rows as text, from CSV/TSV or XLSX) → openings,
// or every bad cell. Pure. Row numbers are as the user sees them in the file
// (the header is row 1 in a file that starts with it).
import { matchHeaders, type HeaderMatch } from './columns';
import { isBlank, normalizeText, openingIdKey } from './normalize';
import {
  EXTRA_HEADER_MAX,
  EXTRA_VALUE_MAX,
  MISS,
  OPENING_FIELD_NAMES,
  REQUIRED_FIELDS,
  fastParser,
  isTrimmed,
  parseField,
  type FastParse,
} from './schema';
import type { Opening, OpeningField } from './types';

export interface TableRow {
  rowNumber: number;
  cells: string[];
  /** Columns (0-based) whose cell the spreadsheet stored as a date (XLSX only). */
  dateColumns?: number[];
}

export interface RawTable {
  headers: string[];
  headerRow: number;
  rows: TableRow[];
}

/** Same shape as app/contract FieldIssue. */
export interface CellIssue {
  row?: number;
  column?: string;
  field?: string;
  value?: string;
  reason: string;
}

const MAX_VALUE = 80;
const MAX_REASON = 400;
const ROWS_LISTED = 5;

/** A cell as shown in a message: never the whole of a huge cell. */
export function clip(text: string, max = MAX_VALUE): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length} characters]`;
}

/**
 * Problems as reported: each value, header and reason clipped, and one issue per distinct problem — the
 * same column, value and reason on many rows is one issue at its first row that lists the others.
 */
export function tidyIssues(issues: readonly CellIssue[]): CellIssue[] {
  const groups = new Map<string, { issue: CellIssue; rows: number[] }>();
  for (const i of issues) {
    const key = JSON.stringify([i.column, i.field, i.value, i.reason]);
    const g = groups.get(key);
    if (g) {
      if (i.row !== undefined) g.rows.push(i.row);
    } else groups.set(key, { issue: i, rows: [] });
  }
  return [...groups.values()].map(({ issue, rows }) => {
    const out: CellIssue = { ...issue, reason: clip(issue.reason, MAX_REASON) };
    if (issue.column !== undefined) out.column = clip(issue.column);
    if (issue.value !== undefined) out.value = clip(issue.value);
    if (rows.length > 0) {
      const listed = rows.slice(0, ROWS_LISTED).join(', ');
      const more = rows.length > ROWS_LISTED ? ` and ${rows.length - ROWS_LISTED} more` : '';
      out.reason += ` (the same on row${rows.length === 1 ? '' : 's'} ${listed}${more})`;
    }
    return out;
  });
}

export interface TableResult {
  mapping: HeaderMatch[];
  openings: Opening[];
  /** File row of each opening (same order). */
  rowNumbers: number[];
  /** Rows with any non-blank cell, openings or not. */
  filledRows: number;
  errors: CellIssue[];
}

// Values of fields the file does not have: the schema's defaults, computed once.
const DEFAULTS: Partial<Record<OpeningField, Opening[OpeningField]>> = {};
for (const f of OPENING_FIELD_NAMES) {
  const r = parseField(f, undefined);
  if (r.ok) DEFAULTS[f] = r.value;
}

/**
 * Every key of an opening up front, as one object literal: V8 keeps such an object compact
 * (fast properties), whereas 32 properties added one by one under computed names turn it
 * into a hash table, which is larger and slower for everything that reads it later.
 */
export function blankOpening(): Record<OpeningField | 'extras', unknown> {
  return {
    opening_id: undefined,
    building: undefined,
    floor: undefined,
    location: undefined,
    door_type: undefined,
    frame_type: undefined,
    fire_rating_min: undefined,
    category: undefined,
    locking_arrangement: undefined,
    lock_type: undefined,
    fail_mode: undefined,
    egress: undefined,
    fire_alarm_release: undefined,
    hardware_set: undefined,
    power_supply: undefined,
    lock_voltage: undefined,
    lock_current_ma: undefined,
    pd_address: undefined,
    lock_output: undefined,
    alarm_output: undefined,
    dps_input: undefined,
    lock_status_input: undefined,
    rex_input: undefined,
    code_basis: undefined,
    ndaa_889: undefined,
    taa: undefined,
    notes: undefined,
    lock_status_active: undefined,
    dps_active: undefined,
    lock_output_active: undefined,
    alarm_output_active: undefined,
    extras: undefined,
  };
}

export function tableToOpenings(table: RawTable): TableResult {
  const builder = new OpeningsBuilder(table.headers, table.headerRow);
  for (const row of table.rows) builder.add(row);
  return builder.finish();
}

/**
 * Rows → openings one row at a time, in file order, so a reader can hand each row over as it parses
 * it and a big file's cells are never all held at once (tableToOpenings is the same over a whole table).
 */
export class OpeningsBuilder {
  private readonly headerRow: number;
  private readonly matches: HeaderMatch[];
  private readonly errors: CellIssue[];
  private readonly mapped: (HeaderMatch & { column: OpeningField; fast: FastParse })[];
  private readonly absent: OpeningField[];
  private readonly extras: HeaderMatch[];
  private readonly blankHeaders: HeaderMatch[];
  private readonly width: number;
  private readonly idHeader: string;
  private readonly openings: Opening[] = [];
  private readonly rowNumbers: number[] = [];
  /** Each distinct id (by openingIdKey) → where it was first seen: its index in firstIds and firstRows. */
  private readonly idIndex = new Map<string, number>();
  private readonly firstIds: string[] = [];
  private readonly firstRows: number[] = [];
  /** Rows with any non-blank cell (what a rejected file's row count counts). */
  private filled = 0;
  private accepted = 0;

  /**
   * `keep: false`: the openings are only handed back by add() (finish() lists none), for a caller that
   * writes each one as it comes.
   */
  constructor(
    headers: string[],
    headerRow: number,
    private readonly options: { keep: boolean } = { keep: true },
  ) {
    const { matches, problems } = matchHeaders(headers, REQUIRED_FIELDS);
    this.headerRow = headerRow;
    this.matches = matches;
    this.errors = problems.map((p) => ({ row: headerRow, column: p.column, reason: p.reason }));
    this.mapped = matches
      .filter((m): m is HeaderMatch & { column: OpeningField } => m.column !== null)
      .map((m) => ({ ...m, fast: fastParser(m.column) }));
    const present = new Set(this.mapped.map((m) => m.column));
    this.absent = OPENING_FIELD_NAMES.filter((f) => !present.has(f));
    this.extras = matches.filter((m) => m.column === null && m.sourceHeader !== '');
    this.blankHeaders = matches.filter((m) => m.sourceHeader === '');
    for (const m of this.extras)
      if (m.sourceHeader.length > EXTRA_HEADER_MAX)
        this.errors.push({
          row: headerRow,
          column: m.sourceHeader,
          reason: `A column header must be at most ${EXTRA_HEADER_MAX} characters`,
        });
    this.width = headers.length;
    this.idHeader = this.mapped.find((m) => m.column === 'opening_id')?.sourceHeader ?? 'opening_id';
  }

  /** Checks one row: its opening if the row is one and has no problem, else undefined (its problems are kept). */
  add({ rowNumber, cells, dateColumns }: TableRow): Opening | undefined {
    if (cells.some((c) => c.trim() !== '')) this.filled++;
    if (cells.every((c) => isBlank(c))) return undefined; // blank lines (e.g. trailing ones Excel leaves) are not openings
    const errors = this.errors;
    let ok = true;
    const bad = (issue: CellIssue) => {
      errors.push({ row: rowNumber, ...issue });
      ok = false;
    };
    for (let i = this.width; i < cells.length; i++) {
      if (!isBlank(cells[i]))
        bad({
          column: `(column ${i + 1})`,
          value: cells[i],
          reason: `This row has a value beyond the last header (the header has ${this.width} columns)`,
        });
    }
    for (const m of this.blankHeaders) {
      const v = cells[m.index] ?? '';
      if (!isBlank(v)) bad({ column: `(column ${m.index + 1})`, value: v, reason: 'A value under a blank header: give the column a name' });
    }
    const o = blankOpening();
    for (const m of this.mapped) {
      const raw = cells[m.index] ?? '';
      if (m.column === 'opening_id' && dateColumns?.includes(m.index)) {
        // Excel turns marks like "1-10" into dates; importing the date would invent a door id.
        bad({
          column: m.sourceHeader,
          field: m.column,
          value: raw,
          reason: 'The spreadsheet stored this id as a date: format the column as Text and type the id again',
        });
        continue;
      }
      // A canonical cell is taken as it is (no result object per cell); anything else goes through the schema.
      const fast = m.fast(raw);
      if (fast !== MISS) {
        o[m.column] = fast;
        continue;
      }
      const r = parseField(m.column, raw);
      if (r.ok) o[m.column] = r.value;
      else bad({ column: m.sourceHeader, field: m.column, value: raw, reason: r.reason });
    }
    for (const f of this.absent) o[f] = DEFAULTS[f];
    const ex: Record<string, string> = {};
    for (const m of this.extras) {
      const v = cells[m.index] ?? '';
      if (v === '') continue;
      // Trimmed, line breaks as \n: like every other text, so export → import gives the same value.
      // (A value that is already so is taken as it is.)
      let text = v;
      if (!isTrimmed(v) || v === '-' || v.includes('\r')) {
        if (isBlank(v)) continue;
        text = normalizeText(v) as string;
      }
      if (text.length > EXTRA_VALUE_MAX)
        bad({ column: m.sourceHeader, value: v, reason: `A value in an extra column must be at most ${EXTRA_VALUE_MAX} characters` });
      else ex[m.sourceHeader] = text;
    }
    o.extras = ex;
    if (typeof o.opening_id === 'string' && o.opening_id !== '') {
      const key = openingIdKey(o.opening_id);
      const first = this.idIndex.get(key);
      if (first !== undefined) {
        const [firstId, firstRow] = [this.firstIds[first]!, this.firstRows[first]!];
        const same = firstId.toLowerCase() === o.opening_id.toLowerCase();
        bad({
          column: this.idHeader,
          field: 'opening_id',
          value: o.opening_id,
          reason: same
            ? `Duplicate opening id: row ${firstRow} has the same id`
            : `Duplicate opening id: row ${firstRow} has "${firstId}", which looks the same`,
        });
      } else {
        this.idIndex.set(key, this.firstIds.length);
        this.firstIds.push(o.opening_id);
        this.firstRows.push(rowNumber);
      }
    }
    if (!ok) return undefined;
    this.accepted++;
    if (this.options.keep) {
      this.openings.push(o as unknown as Opening);
      this.rowNumbers.push(rowNumber);
    }
    return o as unknown as Opening;
  }

  /** Whether any problem was found so far (the header's included). */
  get failed(): boolean {
    return this.errors.length > 0;
  }

  finish(): TableResult {
    const errors = this.errors;
    if (errors.length === 0 && this.accepted === 0)
      errors.push({ row: this.headerRow + 1, reason: 'The file has a header row but no openings' });
    return {
      mapping: this.matches,
      openings: this.openings,
      rowNumbers: this.rowNumbers,
      filledRows: this.filled,
      errors: tidyIssues(errors),
    };
  }
}
