// Reading schedule files into a RawTable (CSV/TSV with papaparse, XLSX with exceljs)
// and writing them back. Files as Excel and Revit really write them: BOM, CRLF, tab or
// comma, quoted fields with commas/quotes/newlines, non-ASCII, trailing blank lines,
// UTF-16 "Unicode Text" and Windows-1252 "CSV" from older Excel.
import ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import Papa from 'papaparse';
import { clip, tidyIssues, type CellIssue, type RawTable, type TableRow } from '../../core/schedule/rows';
import { isZip } from '../../core/zip';
import { checkXlsxBounds, XLSX_LIMITS, type XlsxLimits } from './xlsx-guard';

export type ScheduleFormat = 'csv' | 'tsv' | 'xlsx';

export type ReadResult =
  { ok: true; format: ScheduleFormat; table: RawTable } | { ok: false; format: ScheduleFormat | null; errors: CellIssue[] };

const MAX_BYTES = 150 * 1024 * 1024;

export function formatFromName(fileName: string): ScheduleFormat | null {
  const ext = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'xlsx' || ext === 'xlsm') return 'xlsx';
  if (ext === 'tsv' || ext === 'tab') return 'tsv';
  if (ext === 'csv' || ext === 'txt') return 'csv';
  return null;
}

/** Bytes → text: BOM-aware (UTF-8, UTF-16 LE/BE); invalid UTF-8 falls back to Windows-1252. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return decodeWindows1252(body);
  }
}

// Windows-1252 differs from Latin-1 only in 0x80–0x9F (curly quotes, dashes, €…); Node's
// TextDecoder('windows-1252') decodes those as Latin-1 control characters, so map them here.
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

export function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const chunk = bytes.subarray(i, i + 8192);
    out += String.fromCharCode(...chunk).replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
  }
  return out;
}

/**
 * Comma, tab or semicolon (what Excel writes where the decimal mark is a comma): whichever
 * occurs most often outside quotes on the header line; comma when none does.
 */
export function sniffDelimiter(text: string): ',' | '\t' | ';' {
  const counts = { ',': 0, '\t': 0, ';': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === '\t' || c === ';')) counts[c]++;
  }
  if (counts['\t'] > counts[','] && counts['\t'] >= counts[';']) return '\t';
  if (counts[';'] > counts[',']) return ';';
  return ',';
}

const ENDING_NAMES = { '\r\n': 'CRLF (Windows)', '\n': 'LF (Unix, Mac)', '\r': 'CR (classic Mac)' } as const;

/**
 * Rows ended by different line endings (outside quoted cells) are split differently by every reader, so such a
 * file is refused with one message instead of a flood of misaligned cells. Line breaks inside quoted cells are
 * free to differ (Excel writes LF there in a CRLF file).
 */
export function mixedLineEndings(text: string, delimiter: string): CellIssue | null {
  // Fast path: only one kind of line ending anywhere.
  if (oneLineEnding(text) !== null || !text.includes('\r') || !text.includes('\n')) return null;
  let quoted = false;
  let row = 1;
  let first: keyof typeof ENDING_NAMES | null = null;
  // Only quotes and line ends matter: jump from one to the next.
  const special = /["\r\n]/g;
  for (let m = special.exec(text); m; m = special.exec(text)) {
    const i = m.index;
    if (quoted) {
      if (text[i] !== '"') continue;
      if (text[i + 1] === '"') special.lastIndex = i + 2;
      else quoted = false;
    } else if (text[i] === '"') {
      // A quote opens a quoted cell only at the start of a cell, as CSV readers do.
      const prev = i === 0 ? '\n' : text[i - 1];
      if (prev === delimiter || prev === '\n' || prev === '\r') quoted = true;
    } else {
      const ending = text[i] === '\r' ? (text[i + 1] === '\n' ? '\r\n' : '\r') : '\n';
      if (ending === '\r\n') special.lastIndex = i + 2;
      if (first === null) first = ending;
      else if (ending !== first)
        return {
          row,
          reason:
            `The file mixes line endings: rows end with ${ENDING_NAMES[first]} until row ${row}, which ends with ${ENDING_NAMES[ending]}, ` +
            'so rows would be split wrongly. Open it in a spreadsheet or text editor and save it again (one kind of line ending).',
        };
      row++;
    }
  }
  return null;
}

/**
 * The line ending of every line break in the text, quoted cells included, where there is only one kind;
 * null where there are several kinds or no line break. By jumping from one CR or LF to the next (a regex
 * with a lookbehind over a 10 MB file took several times as long).
 */
export function oneLineEnding(text: string): '\n' | '\r\n' | '\r' | null {
  const cr = text.indexOf('\r');
  const lf = text.indexOf('\n');
  if (cr < 0) return lf < 0 ? null : '\n';
  if (lf < 0) return '\r';
  for (let i = cr; i >= 0; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== 10) return null;
  for (let i = lf; i >= 0; i = text.indexOf('\n', i + 1)) if (text.charCodeAt(i - 1) !== 13) return null;
  return '\r\n';
}

/** Where a reader hands the rows: the header row first, then each data row in file order. */
export interface RowSink {
  header(cells: string[], headerRow: number): void;
  row(row: TableRow): void;
}

/** A sink that keeps every row: the table readScheduleFile returns when no sink is given. */
function collect(table: RawTable): RowSink {
  return {
    header: (cells, headerRow) => {
      table.headers = cells;
      table.headerRow = headerRow;
    },
    row: (r) => table.rows.push(r),
  };
}

/**
 * Parses delimited text with papaparse, handing each record to `sink` as it is parsed (papaparse's step
 * callback), so the file's cells are never all held at once; without a sink the rows are returned in `table`.
 */
export function readDelimited(text: string, sink?: RowSink): { format: 'csv' | 'tsv'; table: RawTable; errors: CellIssue[] } {
  const body = text.replace(/^\uFEFF/, '');
  const delimiter = sniffDelimiter(body);
  const format = delimiter === '\t' ? 'tsv' : 'csv';
  const table: RawTable = { headers: [], headerRow: 1, rows: [] };
  const ending = oneLineEnding(body);
  const mixed = ending === null ? mixedLineEndings(body, delimiter) : null;
  if (mixed) return { format, table, errors: [mixed] };
  const to = sink ?? collect(table);
  const errors: CellIssue[] = [];
  // Record i (0-based, header = 0) is row i + 1, as a spreadsheet shows it.
  let record = 0;
  Papa.parse<string[]>(body, {
    delimiter,
    // Known where there is one kind of line ending: papaparse would otherwise guess it from the first megabyte.
    newline: ending ?? undefined,
    header: false,
    skipEmptyLines: false,
    dynamicTyping: false,
    step: (results) => {
      // A last line without a newline is not an error; mismatched field counts are checked per cell later.
      // An error is reported with the record it was found in.
      for (const e of results.errors)
        if (e.code !== 'UndetectableDelimiter' && e.type !== 'FieldMismatch')
          errors.push({
            row: record + 1,
            reason: `The file cannot be read as ${delimiter === '\t' ? 'tab-separated text' : 'CSV'}: ${e.message}`,
          });
      const cells = results.data;
      for (let i = 0; i < cells.length; i++) if (cells[i]!.charCodeAt(0) === 39) cells[i] = restoreCsvCell(cells[i]!);
      if (record === 0) to.header(cells, 1);
      else to.row({ rowNumber: record + 1, cells });
      record++;
    },
  });
  if (record === 0) to.header([], 1);
  return { format, table, errors };
}

/** One cell's value as the text the user sees (numbers without float noise, dates as ISO dates, rich text flattened). */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('formula' in value || 'sharedFormula' in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('error' in value) return String(value.error);
  }
  return '';
}

/** Reads the first worksheet with exceljs's streaming reader (about a third less CPU and far less memory than loading the workbook). */
export async function readXlsx(bytes: Uint8Array, limits: XlsxLimits = XLSX_LIMITS): Promise<{ table: RawTable; errors: CellIssue[] }> {
  const empty: RawTable = { headers: [], headerRow: 1, rows: [] };
  const tooBig = await checkXlsxBounds(bytes, limits);
  if (tooBig) return { table: empty, errors: [{ reason: tooBig }] };
  const rows: TableRow[] = [];
  let sheets = 0;
  let cellCount = 0;
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), {
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'cache', // number formats tell dates from numbers
      worksheets: 'emit',
      entries: 'emit',
    });
    for await (const ws of reader) {
      sheets++;
      for await (const row of ws as AsyncIterable<ExcelJS.Row>) {
        const values = row.values as ExcelJS.CellValue[];
        const cells: string[] = [];
        const dateColumns: number[] = [];
        for (let c = 1; c < values.length; c++) {
          const v = values[c] ?? null;
          if (v instanceof Date) dateColumns.push(c - 1);
          cells.push(cellText(v));
        }
        while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
        if (cells.length === 0) continue;
        // Stop reading at the limits: the header row plus maxRows data rows.
        cellCount += cells.length;
        if (rows.length > limits.maxRows)
          return {
            table: empty,
            errors: [
              { row: row.number, reason: `The worksheet has more than ${limits.maxRows} rows (the limit for a schedule); split the file` },
            ],
          };
        if (cellCount > limits.maxCells)
          return {
            table: empty,
            errors: [
              {
                row: row.number,
                reason: `The worksheet has more than ${limits.maxCells} filled cells (the limit for a schedule); split the file`,
              },
            ],
          };
        rows.push(dateColumns.length > 0 ? { rowNumber: row.number, cells, dateColumns } : { rowNumber: row.number, cells });
      }
      break; // the first worksheet only
    }
  } catch (err) {
    return { table: empty, errors: [{ reason: `The file is not a readable XLSX workbook: ${(err as Error).message}` }] };
  }
  if (sheets === 0) return { table: empty, errors: [{ reason: 'The workbook has no worksheet' }] };
  // The first non-empty row is the header (its real row number is reported).
  const headerIdx = rows.findIndex((r) => r.cells.some((c) => c.trim() !== ''));
  if (headerIdx < 0) return { table: empty, errors: [{ row: 1, reason: 'The first worksheet is empty' }] };
  const header = rows[headerIdx]!;
  return { table: { headers: header.cells, headerRow: header.rowNumber, rows: rows.slice(headerIdx + 1) }, errors: [] };
}

/**
 * Reads a schedule file of any accepted kind; format from content (XLSX is a zip) and name. With a sink,
 * the rows go to it as they are read and the returned table holds only the header.
 */
export async function readScheduleFile(fileName: string, bytes: Uint8Array, sink?: RowSink): Promise<ReadResult> {
  const text = readTextFile(fileName, bytes, sink);
  if (text) return text;
  const { table, errors } = await readXlsx(bytes);
  if (errors.length > 0) return { ok: false, format: 'xlsx', errors: tidyIssues(errors) };
  if (!sink) return { ok: true, format: 'xlsx', table };
  sink.header(table.headers, table.headerRow);
  for (const r of table.rows) sink.row(r);
  return { ok: true, format: 'xlsx', table: { ...table, rows: [] } };
}

/**
 * readScheduleFile for every file but an XLSX workbook, synchronously (so the rows can be written as they
 * are read, inside one database transaction); null for a workbook (a zip), which only readScheduleFile reads.
 */
export function readTextFile(fileName: string, bytes: Uint8Array, sink?: RowSink): ReadResult | null {
  if (bytes.byteLength > MAX_BYTES)
    return { ok: false, format: null, errors: [{ reason: `The file is larger than ${MAX_BYTES / 1024 / 1024} MB` }] };
  if (bytes.byteLength === 0) return { ok: false, format: null, errors: [{ reason: 'The file is empty' }] };
  if (isZip(bytes)) return null;
  const byName = formatFromName(fileName);
  if (byName === 'xlsx') return { ok: false, format: 'xlsx', errors: [{ reason: 'The file is named .xlsx but is not an XLSX workbook' }] };
  if (byName === null && fileName.includes('.')) {
    return {
      ok: false,
      format: null,
      errors: [{ reason: `Unsupported file type "${clip(fileName)}": use CSV, TSV/TXT (tab-separated) or XLSX` }],
    };
  }
  const text = decodeText(bytes);
  if (text.includes('\u0000'))
    return {
      ok: false,
      format: null,
      errors: [{ reason: 'The file is binary, not CSV/TSV text (an .xls workbook? save it as .xlsx or CSV)' }],
    };
  const { format, table, errors } = readDelimited(text, sink);
  return errors.length > 0 ? { ok: false, format, errors: tidyIssues(errors) } : { ok: true, format, table };
}

// ---- writing ---------------------------------------------------------------

/**
 * A cell a spreadsheet would run as a formula (starting with = + - @, tab or CR) is written with a leading
 * apostrophe, which spreadsheets show as text and do not display. So that import can undo it exactly, a value
 * that already starts with apostrophes before such a character gets one more.
 */
const FORMULA_LIKE = /^'*[=+\-@\t\r]/;

/** Undoes the export's apostrophe (see FORMULA_LIKE): one leading apostrophe before a formula character is dropped. */
export function restoreCsvCell(cell: string): string {
  return cell.charCodeAt(0) === 39 && /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

export function writeCsv(headers: readonly string[], rows: readonly string[][]): string {
  // BOM so Excel opens UTF-8 correctly; CRLF as Excel writes it.
  return (
    '\uFEFF' +
    Papa.unparse(
      { fields: [...headers], data: rows.map((r) => [...r]) },
      { newline: '\r\n', quotes: false, escapeFormulae: FORMULA_LIKE },
    ) +
    '\r\n'
  );
}

export async function writeXlsx(headers: readonly string[], rows: readonly (string | number)[][], sheetName = 'Schedule'): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheetName);
  ws.addRow([...headers]).font = { bold: true };
  for (const r of rows) ws.addRow([...r]);
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}
