// Power supply rows: header aliases, cell values with units, and a whole table → supplies
// or every bad cell (all-or-nothing, as the schedule import). Pure.
// Units: "500 mA", "0.5 A", "1,5 A" (decimal comma), "7 Ah", "7000 mAh", "24 VDC", "30 min".
// A bare number takes the column's unit (amps, unless the header says mA).
import { isBlank, normalizeText, normalizeYesNo, numberWithUnits, squash } from '../schedule/normalize';
import type { CellIssue, RawTable } from '../schedule/rows';
import type { PowerSupply, SupplyField } from './types';

export const SUPPLY_FIELDS: readonly SupplyField[] = [
  'supply_id',
  'location',
  'output_voltage',
  'rated_current_a',
  'battery_ah',
  'battery_count',
  'battery_voltage',
  'charger_current_a',
  'standby_hours',
  'fire_alarm_release',
  'notes',
];

export const SUPPLY_HEADER_ALIASES: Record<SupplyField, readonly string[]> = {
  supply_id: ['Power Supply', 'Supply', 'Supply ID', 'Power Supply ID', 'PS', 'PSU', 'PS ID', 'ID', 'Name', 'Tag'],
  location: ['Location', 'Room', 'Closet', 'Panel Location', 'Mounted In'],
  output_voltage: ['Output Voltage', 'Voltage', 'Volts', 'V', 'Output V', 'Vout', 'Output Voltage (V)'],
  rated_current_a: [
    'Rated Current',
    'Rated Output',
    'Output Current',
    'Rated Current (A)',
    'Rated Output (A)',
    'Amps',
    'A',
    'Capacity',
    'Rated Current (mA)',
    'Output Current (mA)',
  ],
  battery_ah: ['Battery', 'Battery Ah', 'Battery Capacity', 'Battery (Ah)', 'Battery Capacity (Ah)', 'Ah'],
  battery_count: ['Batteries', 'Battery Count', 'Battery Qty', 'Qty Batteries', 'Number of Batteries', 'No. of Batteries'],
  battery_voltage: ['Battery Voltage', 'Battery V', 'Battery Voltage (V)'],
  charger_current_a: [
    'Charger',
    'Charger Current',
    'Charging Current',
    'Charger (A)',
    'Charger Current (A)',
    'Charger Current (mA)',
    'Charging Current (mA)',
  ],
  standby_hours: [
    'Standby',
    'Standby Hours',
    'Standby Time',
    'Standby (h)',
    'Standby Required',
    'Required Standby',
    'Backup Hours',
    'Battery Backup',
  ],
  fire_alarm_release: ['FA Release', 'Fire Alarm Release', 'FACP Release', 'Released by Fire Alarm', 'Fire Alarm', 'FA Tie-in', 'FACP'],
  notes: ['Notes', 'Note', 'Remarks', 'Comments', 'Comment'],
};

const INDEX = (() => {
  const m = new Map<string, SupplyField>();
  for (const f of SUPPLY_FIELDS) {
    m.set(squash(f), f);
    for (const a of SUPPLY_HEADER_ALIASES[f]) m.set(squash(a), f);
  }
  return m;
})();

export interface SupplyHeaderMatch {
  sourceHeader: string;
  index: number;
  column: SupplyField | null;
  /** The unit of a bare number in this column when the header names one ("Rated Current (mA)"). */
  bareUnit?: 'ma';
}

export function matchSupplyHeader(header: string): SupplyField | null {
  return INDEX.get(squash(header.replace(/^\uFEFF/, ''))) ?? null;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

const volts = numberWithUnits({ v: 1, vdc: 1, vac: 1, volt: 1, volts: 1 });
const amps = numberWithUnits({ a: 1, amp: 1, amps: 1, ma: 0.001 });
const milliamps = numberWithUnits({ a: 1000, amp: 1000, amps: 1000, ma: 1 });
const ampHours = numberWithUnits({ ah: 1, mah: 0.001 });
const hours = numberWithUnits({ h: 1, hr: 1, hrs: 1, hour: 1, hours: 1, min: 1 / 60, mins: 1 / 60, minutes: 1 / 60 });
const count = numberWithUnits({});

function number(
  label: string,
  raw: unknown,
  parse: (v: unknown) => unknown,
  min: number,
  max: number,
  unit: string,
  hint = '',
): Parsed<number | null> {
  const v = parse(raw);
  if (v === null) return ok(null);
  if (typeof v !== 'number' || !Number.isFinite(v)) return bad(`${label} must be a number in ${unit}${hint ? ` (${hint})` : ''}`);
  if (v < min || v > max)
    return bad(`${label} must be from ${min} to ${max} ${unit}${v < 0 ? ' (it cannot be negative)' : ''}${hint ? ` (${hint})` : ''}`);
  return ok(Math.round(v * 1e6) / 1e6);
}

function required<T>(label: string, r: Parsed<T | null>): Parsed<T> {
  if (!r.ok) return r;
  return r.value === null ? bad(`${label} is required`) : ok(r.value);
}

/** One cell → the field's value, or why not. `bareUnit` = 'ma' when the header says the column is in mA. */
export function parseSupplyField(field: SupplyField, raw: unknown, bareUnit?: 'ma'): Parsed<PowerSupply[SupplyField]> {
  const currentAmps = (label: string, max: number) => {
    const r = number(
      label,
      raw,
      bareUnit === 'ma'
        ? (v) => {
            const ma = milliamps(v);
            return typeof ma === 'number' ? ma / 1000 : ma;
          }
        : amps,
      0,
      max,
      'A',
      'e.g. "2 A", "1,5 A" or "500 mA"',
    );
    return r;
  };
  switch (field) {
    case 'supply_id': {
      const t = normalizeText(raw);
      if (typeof t !== 'string' || t === '') return bad('Supply id is required');
      if (t.length > 100 || /[\r\n\t]/.test(t)) return bad('Supply id must be one line of at most 100 characters');
      return ok(t);
    }
    case 'location':
    case 'notes': {
      const t = normalizeText(raw);
      const max = field === 'notes' ? 4000 : 200;
      if (typeof t !== 'string' || t.length > max)
        return bad(`${field === 'notes' ? 'Notes' : 'Location'} must be text of at most ${max} characters`);
      return ok(t);
    }
    case 'output_voltage':
      return required(
        'Output voltage',
        number('Output voltage', raw, volts, 1, 60, 'V', 'lock power supplies are 12 or 24 V DC; write e.g. "24" or "24 VDC"'),
      );
    case 'rated_current_a': {
      const r = required('Rated current', currentAmps('Rated current', 100));
      if (r.ok && r.value === 0) return bad('Rated current must be more than 0 A');
      return r;
    }
    case 'battery_ah':
      return number('Battery capacity', raw, ampHours, 0, 1000, 'Ah', 'e.g. "7 Ah"; blank = no battery');
    case 'battery_count': {
      const r = number('Battery count', raw, count, 0, 100, 'batteries');
      if (!r.ok) return r;
      if (r.value !== null && !Number.isInteger(r.value)) return bad('Battery count must be a whole number');
      return ok(r.value ?? 0);
    }
    case 'battery_voltage': {
      const r = number('Battery voltage', raw, volts, 1, 60, 'V');
      return r.ok ? ok(r.value ?? 12) : r;
    }
    case 'charger_current_a':
      return currentAmps('Charger current', 50);
    case 'standby_hours': {
      const r = number('Standby time', raw, hours, 0, 168, 'h', 'e.g. "4", "4 h" or "30 min"');
      return r.ok ? ok(r.value ?? 0) : r;
    }
    case 'fire_alarm_release': {
      const v = normalizeYesNo(raw);
      if (v === undefined) return ok(false);
      return typeof v === 'boolean' ? ok(v) : bad('Fire alarm release must be yes or no');
    }
  }
}

function cellText(v: string | number | boolean | null): string {
  return v === null ? '' : String(v);
}

export function blankSupply(): PowerSupply {
  return {
    supply_id: '',
    location: '',
    output_voltage: 24,
    rated_current_a: 0,
    battery_ah: null,
    battery_count: 0,
    battery_voltage: 12,
    charger_current_a: null,
    standby_hours: 0,
    fire_alarm_release: false,
    notes: '',
    extras: {},
  };
}

/** Checks across fields of one supply; each names the field at fault. */
export function crossCheckSupply(s: PowerSupply): { field: SupplyField; reason: string }[] {
  const out: { field: SupplyField; reason: string }[] = [];
  if (s.battery_ah === 0 && s.standby_hours > 0)
    out.push({
      field: 'battery_ah',
      reason: `A 0 Ah battery cannot give the ${s.standby_hours} h standby this supply requires: write the battery's capacity, or leave it blank if no battery is fitted`,
    });
  if (s.battery_ah !== null && s.battery_ah > 0 && s.battery_count === 0)
    out.push({
      field: 'battery_count',
      reason: 'A battery capacity is given but the battery count is 0: write how many batteries are fitted',
    });
  return out;
}

/** Validates every field of a supply (the edit form and the API use it); problems name their field. */
export function validateSupply(
  input: Record<string, unknown>,
): { ok: true; supply: PowerSupply } | { ok: false; issues: { field: SupplyField; value: string; reason: string }[] } {
  const s = blankSupply() as unknown as Record<SupplyField, unknown>;
  const issues: { field: SupplyField; value: string; reason: string }[] = [];
  for (const f of SUPPLY_FIELDS) {
    const raw = input[f];
    const cell =
      typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'string' ? raw : raw === null || raw === undefined ? '' : null;
    const r = cell === null ? { ok: false as const, reason: 'must be text or a number' } : parseSupplyField(f, cell);
    if (r.ok) s[f] = r.value;
    else issues.push({ field: f, value: cellText(cell), reason: r.reason });
  }
  if (issues.length > 0) return { ok: false, issues };
  const supply = s as unknown as PowerSupply;
  const cross = crossCheckSupply(supply);
  if (cross.length > 0) return { ok: false, issues: cross.map((c) => ({ ...c, value: String(supply[c.field] ?? '') })) };
  return { ok: true, supply };
}

export interface SupplyTableResult {
  mapping: SupplyHeaderMatch[];
  supplies: PowerSupply[];
  errors: CellIssue[];
}

const REQUIRED: readonly SupplyField[] = ['supply_id', 'output_voltage', 'rated_current_a'];

/** A supplies sheet → supplies, or every bad cell (row numbers as the spreadsheet shows them). */
export function tableToSupplies(table: RawTable): SupplyTableResult {
  const errors: CellIssue[] = [];
  const mapping: SupplyHeaderMatch[] = table.headers.map((h, index) => {
    const sourceHeader = h.replace(/^\uFEFF/, '').trim();
    const column = sourceHeader === '' ? null : matchSupplyHeader(sourceHeader);
    const isCurrent = column === 'rated_current_a' || column === 'charger_current_a';
    return isCurrent && /\bmA\b/.test(sourceHeader)
      ? { sourceHeader, index, column, bareUnit: 'ma' as const }
      : { sourceHeader, index, column };
  });
  const seen = new Map<SupplyField, string>();
  for (const m of mapping) {
    if (!m.column) {
      continue; // unknown columns are kept as extras
    }
    const prev = seen.get(m.column);
    if (prev !== undefined)
      errors.push({
        row: table.headerRow,
        column: m.sourceHeader,
        reason: `"${m.sourceHeader}" and "${prev}" both mean ${m.column}; keep one`,
      });
    else seen.set(m.column, m.sourceHeader);
  }
  for (const f of REQUIRED)
    if (!seen.has(f))
      errors.push({
        row: table.headerRow,
        column: f,
        reason: `Required column ${f} is missing (accepted headers: ${[f, ...SUPPLY_HEADER_ALIASES[f]].join(', ')})`,
      });
  if (errors.length > 0) return { mapping, supplies: [], errors };

  const supplies: PowerSupply[] = [];
  const firstRow = new Map<string, number>();
  for (const { rowNumber, cells } of table.rows) {
    if (cells.every((c) => isBlank(c))) continue;
    const s = blankSupply() as unknown as Record<SupplyField, unknown>;
    let rowOk = true;
    for (const m of mapping) {
      if (!m.column) continue;
      const raw = cells[m.index] ?? '';
      const r = parseSupplyField(m.column, raw, m.bareUnit);
      if (r.ok) s[m.column] = r.value;
      else {
        errors.push({ row: rowNumber, column: m.sourceHeader, field: m.column, value: raw, reason: r.reason });
        rowOk = false;
      }
    }
    for (const m of mapping) {
      if (m.column) continue;
      const v = cells[m.index] ?? '';
      if (isBlank(v)) continue;
      if (m.sourceHeader === '') {
        errors.push({
          row: rowNumber,
          column: `(column ${m.index + 1})`,
          value: v,
          reason: 'A value under a blank header: give the column a name',
        });
        rowOk = false;
      } else (s as unknown as PowerSupply).extras[m.sourceHeader] = normalizeText(v) as string;
    }
    const supply = s as unknown as PowerSupply;
    const header = (f: SupplyField) => seen.get(f) ?? f;
    if (supply.supply_id !== '') {
      const key = supply.supply_id.toLowerCase();
      const first = firstRow.get(key);
      if (first !== undefined)
        errors.push({
          row: rowNumber,
          column: header('supply_id'),
          field: 'supply_id',
          value: supply.supply_id,
          reason: `Duplicate supply id: row ${first} has the same id`,
        });
      else firstRow.set(key, rowNumber);
    }
    if (!rowOk) continue;
    for (const c of crossCheckSupply(supply))
      errors.push({ row: rowNumber, column: header(c.field), field: c.field, value: String(supply[c.field] ?? ''), reason: c.reason });
    supplies.push(supply);
  }
  if (errors.length === 0 && supplies.length === 0)
    errors.push({ row: table.headerRow + 1, reason: 'The sheet has a header row but no power supplies' });
  return { mapping, supplies: errors.length > 0 ? [] : supplies, errors };
}

/** Canonical headers and one row of text per supply (amps, volts, Ah, hours as plain numbers). */
export function suppliesToTable(supplies: readonly PowerSupply[]): { headers: string[]; rows: string[][] } {
  const text = (v: string | number | boolean | null) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : cellText(v));
  const extraHeaders: string[] = [];
  for (const s of supplies) for (const k of Object.keys(s.extras)) if (!extraHeaders.includes(k)) extraHeaders.push(k);
  return {
    headers: [...SUPPLY_FIELDS, ...extraHeaders],
    rows: supplies.map((s) => [...SUPPLY_FIELDS.map((f) => text(s[f])), ...extraHeaders.map((h) => s.extras[h] ?? '')]),
  };
}
