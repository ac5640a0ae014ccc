// Supplies in and out of files: a CSV/TSV of supplies, a separate XLSX, or the supplies
// sheet of the schedule workbook. All-or-nothing: one bad cell and nothing is stored.
import ExcelJS from 'exceljs';
import { suppliesToTable, tableToSupplies, type PowerSupply, type SupplyHeaderMatch } from '../../core/power';
import { squash } from '../../core/schedule/normalize';
import type { CellIssue, RawTable, TableRow } from '../../core/schedule/rows';
import { isZip } from '../../core/zip';
import { decodeText, formatFromName, readDelimited, cellText, writeCsv } from '../schedule/files';
import { getSite } from '../schedule/repository';
import type { Db } from '../sqlite';
import { listSupplies, replaceSupplies } from './repository';

/** Sheet names taken as the supplies sheet of a workbook (ignoring case, spaces and punctuation). */
const SUPPLY_SHEET_NAMES = new Set(['powersupplies', 'supplies', 'power', 'powersupply', 'psu', 'psus', 'lockpower']);

export interface SupplyPreview {
  format: 'csv' | 'tsv' | 'xlsx';
  /** The worksheet read (XLSX only). */
  sheet: string | null;
  mapping: { sourceHeader: string; column: string | null }[];
  errors: CellIssue[];
  supplies: PowerSupply[];
  added: string[];
  changed: string[];
  removed: string[];
}

async function readWorkbook(bytes: Uint8Array): Promise<{ table: RawTable | null; sheet: string | null; errors: CellIssue[] }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  } catch (err) {
    return { table: null, sheet: null, errors: [{ reason: `The file is not a readable XLSX workbook: ${(err as Error).message}` }] };
  }
  const sheets = wb.worksheets;
  if (sheets.length === 0) return { table: null, sheet: null, errors: [{ reason: 'The workbook has no worksheet' }] };
  // A sheet named for supplies (the schedule workbook's second sheet); else a workbook of one sheet is the supplies list.
  const named = sheets.find((ws) => SUPPLY_SHEET_NAMES.has(squash(ws.name)));
  const ws = named ?? (sheets.length === 1 ? sheets[0] : undefined);
  if (!ws)
    return {
      table: null,
      sheet: null,
      errors: [
        {
          reason: `The workbook has ${sheets.length} sheets (${sheets.map((s) => s.name).join(', ')}) and none is named for power supplies: name the supplies sheet "Power Supplies"`,
        },
      ],
    };
  const rows: TableRow[] = [];
  ws.eachRow({ includeEmpty: false }, (row) => {
    const values = row.values as ExcelJS.CellValue[];
    const cells: string[] = [];
    for (let c = 1; c < values.length; c++) cells.push(cellText(values[c] ?? null));
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0) rows.push({ rowNumber: row.number, cells });
  });
  const header = rows[0];
  if (!header) return { table: null, sheet: ws.name, errors: [{ row: 1, reason: `The sheet "${ws.name}" is empty` }] };
  return { table: { headers: header.cells, headerRow: header.rowNumber, rows: rows.slice(1) }, sheet: ws.name, errors: [] };
}

/** Reads and checks a supplies file against the site's current list. Writes nothing. */
export async function previewSupplies(db: Db, siteId: number, fileName: string, bytes: Uint8Array): Promise<SupplyPreview> {
  const empty = { mapping: [], supplies: [], added: [], changed: [], removed: [] };
  if (bytes.byteLength === 0) return { format: 'csv', sheet: null, errors: [{ reason: 'The file is empty' }], ...empty };
  let format: SupplyPreview['format'];
  let table: RawTable | null;
  let sheet: string | null = null;
  let errors: CellIssue[];
  if (isZip(bytes)) {
    format = 'xlsx';
    ({ table, sheet, errors } = await readWorkbook(bytes));
  } else {
    const byName = formatFromName(fileName);
    if (byName === 'xlsx')
      return { format: 'xlsx', sheet, errors: [{ reason: 'The file is named .xlsx but is not an XLSX workbook' }], ...empty };
    const text = decodeText(bytes);
    if (text.includes('\u0000')) return { format: 'csv', sheet, errors: [{ reason: 'The file is binary, not CSV text' }], ...empty };
    const r = readDelimited(text);
    ({ format, table, errors } = r);
  }
  if (!table || errors.length > 0) return { format, sheet, errors, ...empty };
  const result = tableToSupplies(table);
  const mapping = result.mapping.map((m: SupplyHeaderMatch) => ({ sourceHeader: m.sourceHeader, column: m.column }));
  if (result.errors.length > 0) return { format, sheet, errors: result.errors, ...empty, mapping };
  const before = new Map(listSupplies(db, siteId).map((s) => [s.supply_id.toLowerCase(), s]));
  const seen = new Set<string>();
  const added: string[] = [];
  const changed: string[] = [];
  for (const s of result.supplies) {
    const key = s.supply_id.toLowerCase();
    seen.add(key);
    const old = before.get(key);
    if (!old) added.push(s.supply_id);
    else if (JSON.stringify(old) !== JSON.stringify(s)) changed.push(s.supply_id);
  }
  const removed = [...before.values()].filter((s) => !seen.has(s.supply_id.toLowerCase())).map((s) => s.supply_id);
  return { format, sheet, errors: [], mapping, supplies: result.supplies, added, changed, removed };
}

export class SupplyImportRejected extends Error {
  constructor(readonly errors: CellIssue[]) {
    super(`The supplies file was rejected: ${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was imported`);
    this.name = 'SupplyImportRejected';
  }
}

/** Replaces the site's supplies with the file's, or throws SupplyImportRejected with every bad cell. */
export async function importSupplies(db: Db, siteId: number, fileName: string, bytes: Uint8Array, now: Date): Promise<SupplyPreview> {
  if (!getSite(db, siteId)) throw new Error(`No site ${siteId}`);
  const preview = await previewSupplies(db, siteId, fileName, bytes);
  if (preview.errors.length > 0) throw new SupplyImportRejected(preview.errors);
  replaceSupplies(db, siteId, preview.supplies, now);
  return preview;
}

export async function exportSupplies(
  db: Db,
  siteId: number,
  format: 'csv' | 'xlsx',
): Promise<{ fileName: string; mimeType: string; bytes: Buffer }> {
  const site = getSite(db, siteId);
  if (!site) throw new Error(`No site ${siteId}`);
  const supplies = listSupplies(db, siteId);
  const { headers, rows } = suppliesToTable(supplies);
  const base = `${site.name.replace(/[^\w .-]+/g, '_').trim() || `site-${siteId}`} power supplies`;
  if (format === 'csv') return { fileName: `${base}.csv`, mimeType: 'text/csv', bytes: Buffer.from(writeCsv(headers, rows), 'utf8') };
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Power Supplies');
  ws.addRow(headers).font = { bold: true };
  // Numbers as numeric cells (so a spreadsheet can sum them), text as text.
  for (const r of rows) ws.addRow(r.map((v, i) => (i > 1 && i < 9 && v !== '' && Number.isFinite(Number(v)) ? Number(v) : v)));
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  return {
    fileName: `${base}.xlsx`,
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    bytes: Buffer.from(await wb.xlsx.writeBuffer()),
  };
}
