// The one schema of an opening, used by the import (cell by cell) and by the edit form.
// Each field normalises what people really type (core/schedule/normalize.ts) and then
// validates; an error message says what is accepted. OPENING_FIELDS describes the
// fields for the UI (label, kind, options) in display order.

import { z } from 'zod';
import {
  normalizeArrangement,
  normalizeCategory,
  normalizeCurrentMa,
  normalizeDpsActive,
  normalizeEgress,
  normalizeFailMode,
  normalizeFireRating,
  normalizeInteger,
  normalizeLockStatusActive,
  normalizeLockOutputActive,
  normalizeAlarmOutputActive,
  normalizeLockType,
  normalizeOpeningId,
  normalizeText,
  openingIdProblem,
  normalizeTriState,
  normalizeVoltage,
  normalizeYesNo,
} from './normalize';
import {
  CATEGORIES,
  DPS_POLARITIES,
  EGRESS_STRATEGIES,
  FAIL_MODES,
  LOCK_STATUS_POLARITIES,
  LOCK_OUTPUT_POLARITIES,
  ALARM_OUTPUT_POLARITIES,
  LOCK_TYPES,
  LOCKING_ARRANGEMENTS,
  TRI_STATES,
  type Opening,
  type OpeningField,
} from './types';

export type FieldKind = 'text' | 'longtext' | 'integer' | 'decimal' | 'enum' | 'boolean';

export interface OpeningFieldMeta {
  field: OpeningField;
  label: string;
  kind: FieldKind;
  /** Allowed values for enum fields (canonical spelling). */
  options?: readonly string[];
  required: boolean;
  /** Inclusive range for numbers; max length for text. */
  min?: number;
  max?: number;
  unit?: string;
  /** Value used when the cell is blank (undefined = blank means null/empty). */
  defaultValue?: string | number | boolean;
  group: 'identity' | 'door' | 'locking' | 'power' | 'controller' | 'compliance';
  help?: string;
}

const required = (label: string) => `${label} is required`;

function text(label: string, max: number, opts: { required?: boolean; multiline?: boolean } = {}) {
  let s = z.string({ error: `${label} must be text` }).max(max, { error: `${label} must be at most ${max} characters` });
  if (!opts.multiline) s = s.regex(/^[^\r\n\t]*$/, { error: `${label} must be on one line (no line breaks or tabs)` });
  if (opts.required) s = s.min(1, { error: required(label) });
  return z.preprocess(normalizeText, s);
}

function oneOf<T extends readonly [string, ...string[]]>(label: string, values: T, normalize: (v: unknown) => unknown, accepted: string) {
  return z.preprocess(
    normalize,
    z.enum(values, {
      error: (iss) =>
        iss.input === undefined ? required(label) : `${label} must be one of: ${values.join(', ')}${accepted ? ` (${accepted})` : ''}`,
    }),
  );
}

function withDefault<T extends readonly [string, ...string[]]>(
  label: string,
  values: T,
  normalize: (v: unknown) => unknown,
  def: T[number],
  accepted = '',
) {
  return z.preprocess(
    normalize,
    z
      .enum(values, { error: () => `${label} must be one of: ${values.join(', ')}${accepted ? ` (${accepted})` : ''}` })
      .default(def as never),
  );
}

function integer(label: string, min: number, max: number, normalize: (v: unknown) => unknown = normalizeInteger) {
  const msg = `${label} must be a whole number from ${min} to ${max}`;
  return z.preprocess(normalize, z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg }).nullable());
}

function decimal(label: string, min: number, max: number, unit: string, normalize: (v: unknown) => unknown) {
  const msg = `${label} must be a number from ${min} to ${max} ${unit}`;
  return z.preprocess(normalize, z.number({ error: msg }).min(min, { error: msg }).max(max, { error: msg }).nullable());
}

const YES_NO = 'yes/no, y/n, true/false, x';

/** Field by field, in display order. */
export const openingShape = {
  opening_id: z.preprocess(
    normalizeOpeningId,
    z
      .string({ error: 'Opening id must be text' })
      .max(64, { error: 'Opening id must be at most 64 characters' })
      .min(1, { error: required('Opening id') })
      .regex(/^[^\r\n\t]*$/, { error: 'Opening id must be on one line (no line breaks or tabs)' })
      .superRefine((id, ctx) => {
        const problem = openingIdProblem(id);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  ),
  building: text('Building', 100),
  floor: text('Floor', 50),
  location: text('Location', 200),
  door_type: text('Door type', 100),
  frame_type: text('Frame type', 100),
  fire_rating_min: z.preprocess(
    normalizeFireRating,
    z
      .number({ error: 'Fire rating must be minutes (90, "90 min") or hours ("1.5 hr"); blank or NR = not rated' })
      .int({ error: 'Fire rating must be whole minutes (write 90 or "1.5 hr")' })
      .min(0, { error: 'Fire rating must be from 0 to 240 minutes' })
      .max(240, { error: 'Fire rating must be from 0 to 240 minutes' }),
  ),
  category: oneOf('Category', CATEGORIES, normalizeCategory, ''),
  locking_arrangement: withDefault('Locking arrangement', LOCKING_ARRANGEMENTS, normalizeArrangement, 'normal', 'blank = normal'),
  lock_type: oneOf('Lock type', LOCK_TYPES, normalizeLockType, 'e.g. "Mag Lock", "Strike", "Mortise", "Exit Device"'),
  fail_mode: oneOf('Fail mode', FAIL_MODES, normalizeFailMode, 'FS/FSE, Fail Safe/Fail Secure accepted'),
  egress: withDefault('Egress', EGRESS_STRATEGIES, normalizeEgress, 'mechanical', 'blank = mechanical'),
  fire_alarm_release: z.preprocess(normalizeYesNo, z.boolean({ error: `Fire alarm release must be ${YES_NO}` }).default(false)),
  hardware_set: text('Hardware set', 50),
  power_supply: text('Power supply', 100),
  lock_voltage: decimal('Lock voltage', 0, 240, 'V', normalizeVoltage),
  lock_current_ma: integer('Lock current', 0, 20000, normalizeCurrentMa),
  pd_address: integer('PD address', 0, 126),
  lock_output: integer('Lock output', 0, 255),
  alarm_output: integer('Alarm output', 0, 255),
  dps_input: integer('DPS input', 0, 255),
  lock_status_input: integer('Lock status input', 0, 255),
  rex_input: integer('REX input', 0, 255),
  code_basis: text('Code basis', 500),
  ndaa_889: withDefault('NDAA 889', TRI_STATES, normalizeTriState, 'unknown', 'blank = unknown'),
  taa: withDefault('TAA', TRI_STATES, normalizeTriState, 'unknown', 'blank = unknown'),
  notes: text('Notes', 4000, { multiline: true }),
  lock_status_active: withDefault('Lock status active', LOCK_STATUS_POLARITIES, normalizeLockStatusActive, 'secured', 'blank = secured'),
  dps_active: withDefault('DPS active', DPS_POLARITIES, normalizeDpsActive, 'open', 'blank = open'),
  lock_output_active: withDefault('Lock output active', LOCK_OUTPUT_POLARITIES, normalizeLockOutputActive, 'power-on', 'blank = power-on'),
  alarm_output_active: withDefault('Alarm output active', ALARM_OUTPUT_POLARITIES, normalizeAlarmOutputActive, 'alarm', 'blank = alarm'),
} satisfies Record<OpeningField, z.ZodType>;

/** Extra columns: header and value lengths (the same limits for an import and an edit). */
export const EXTRA_HEADER_MAX = 200;
export const EXTRA_VALUE_MAX = 4000;
export const extrasSchema = z.record(z.string().min(1).max(EXTRA_HEADER_MAX), z.string().max(EXTRA_VALUE_MAX)).default({});

/** The whole opening (form save, import row). Unknown keys are rejected by name. */
export const openingSchema = z.object({ ...openingShape, extras: extrasSchema }).strict();

export type OpeningInput = z.input<typeof openingSchema>;

// Compile-time check: the schema's output is exactly the Opening type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesOpening: Same<z.output<typeof openingSchema>, Opening> = true;
void schemaMatchesOpening;

export const OPENING_FIELD_NAMES = Object.keys(openingShape) as OpeningField[];

export function isOpeningField(name: string): name is OpeningField {
  return Object.prototype.hasOwnProperty.call(openingShape, name);
}

/** Validate one field's value: the normalised value, or the reason it is refused. */
export function parseField(
  field: OpeningField,
  value: unknown,
): { ok: true; value: Opening[OpeningField] } | { ok: false; reason: string } {
  if (typeof value === 'string') {
    const fast = FAST.get(field)?.(value);
    if (fast !== MISS) return { ok: true, value: fast as Opening[OpeningField] };
  }
  const r = (openingShape[field] as z.ZodType).safeParse(value);
  if (r.success) return { ok: true, value: r.data as Opening[OpeningField] };
  return { ok: false, reason: r.error.issues[0]?.message ?? 'invalid value' };
}

const META: Omit<OpeningFieldMeta, 'required'>[] = [
  { field: 'opening_id', label: 'Opening id', kind: 'text', max: 64, group: 'identity', help: 'The door mark, e.g. 1-101A' },
  { field: 'building', label: 'Building', kind: 'text', max: 100, group: 'identity' },
  { field: 'floor', label: 'Floor', kind: 'text', max: 50, group: 'identity' },
  { field: 'location', label: 'Location', kind: 'text', max: 200, group: 'identity' },
  { field: 'door_type', label: 'Door type', kind: 'text', max: 100, group: 'door' },
  { field: 'frame_type', label: 'Frame type', kind: 'text', max: 100, group: 'door' },
  {
    field: 'fire_rating_min',
    label: 'Fire rating',
    kind: 'integer',
    min: 0,
    max: 240,
    unit: 'min',
    defaultValue: 0,
    group: 'door',
    help: '0 = not rated',
  },
  { field: 'category', label: 'Category', kind: 'enum', options: CATEGORIES, group: 'locking' },
  {
    field: 'locking_arrangement',
    label: 'Locking arrangement',
    kind: 'enum',
    options: LOCKING_ARRANGEMENTS,
    defaultValue: 'normal',
    group: 'locking',
  },
  { field: 'lock_type', label: 'Lock type', kind: 'enum', options: LOCK_TYPES, group: 'locking' },
  { field: 'fail_mode', label: 'Fail mode', kind: 'enum', options: FAIL_MODES, group: 'locking' },
  { field: 'egress', label: 'Egress', kind: 'enum', options: EGRESS_STRATEGIES, defaultValue: 'mechanical', group: 'locking' },
  { field: 'fire_alarm_release', label: 'Fire alarm release', kind: 'boolean', defaultValue: false, group: 'locking' },
  { field: 'hardware_set', label: 'Hardware set', kind: 'text', max: 50, group: 'door' },
  { field: 'power_supply', label: 'Power supply', kind: 'text', max: 100, group: 'power' },
  { field: 'lock_voltage', label: 'Lock voltage', kind: 'decimal', min: 0, max: 240, unit: 'V', group: 'power' },
  { field: 'lock_current_ma', label: 'Lock current', kind: 'integer', min: 0, max: 20000, unit: 'mA', group: 'power' },
  { field: 'pd_address', label: 'PD address', kind: 'integer', min: 0, max: 126, group: 'controller', help: 'OSDP peripheral address' },
  {
    field: 'lock_output',
    label: 'Lock output',
    kind: 'integer',
    min: 0,
    max: 255,
    group: 'controller',
    help: 'Relay that switches lock power',
  },
  {
    field: 'alarm_output',
    label: 'Alarm output',
    kind: 'integer',
    min: 0,
    max: 255,
    group: 'controller',
    help: 'Output that simulates the fire alarm',
  },
  { field: 'dps_input', label: 'DPS input', kind: 'integer', min: 0, max: 255, group: 'controller', help: 'Door position switch' },
  { field: 'lock_status_input', label: 'Lock status input', kind: 'integer', min: 0, max: 255, group: 'controller' },
  { field: 'rex_input', label: 'REX input', kind: 'integer', min: 0, max: 255, group: 'controller', help: 'Request-to-exit' },
  {
    field: 'code_basis',
    label: 'Code basis',
    kind: 'text',
    max: 500,
    group: 'compliance',
    help: 'The code section or AHJ decision the mode comes from',
  },
  { field: 'ndaa_889', label: 'NDAA 889', kind: 'enum', options: TRI_STATES, defaultValue: 'unknown', group: 'compliance' },
  { field: 'taa', label: 'TAA', kind: 'enum', options: TRI_STATES, defaultValue: 'unknown', group: 'compliance' },
  { field: 'notes', label: 'Notes', kind: 'longtext', max: 4000, group: 'compliance' },
  {
    field: 'lock_status_active',
    label: 'Lock status active',
    kind: 'enum',
    options: LOCK_STATUS_POLARITIES,
    defaultValue: 'secured',
    group: 'controller',
  },
  { field: 'dps_active', label: 'DPS active', kind: 'enum', options: DPS_POLARITIES, defaultValue: 'open', group: 'controller' },
  {
    field: 'lock_output_active',
    label: 'Lock output active',
    kind: 'enum',
    options: LOCK_OUTPUT_POLARITIES,
    defaultValue: 'power-on',
    group: 'controller',
    help: 'What the lock output ON does: power-on (lock power present) or power-off (a normally-closed contact drops power)',
  },
  {
    field: 'alarm_output_active',
    label: 'Alarm output active',
    kind: 'enum',
    options: ALARM_OUTPUT_POLARITIES,
    defaultValue: 'alarm',
    group: 'controller',
    help: 'What the alarm output ON does: alarm (simulates the fire alarm) or no-alarm (a normally-closed contact)',
  },
];

const REQUIRED: ReadonlySet<OpeningField> = new Set(['opening_id', 'category', 'lock_type', 'fail_mode']);

/** Field metadata for the UI, in display order. */
export const OPENING_FIELDS: readonly OpeningFieldMeta[] = META.map((m) => ({ ...m, required: REQUIRED.has(m.field) }));

export const REQUIRED_FIELDS: readonly OpeningField[] = [...REQUIRED];

export function fieldMeta(field: OpeningField): OpeningFieldMeta {
  const m = OPENING_FIELDS.find((x) => x.field === field);
  if (!m) throw new Error(`No metadata for field ${field}`);
  return m;
}

// Fast path for cells already written in canonical form (what DoorCx exports and most
// files contain): the same result the schema gives, without its per-call overhead, so a
// 50,000-row import stays within its time budget. Anything else goes through the schema.
// test/unit/schedule-schema.test.ts checks both paths agree.
export const MISS = Symbol('miss');
/** A cell's value when it is already canonical, else MISS (then parseField decides). */
export type FastParse = (raw: string) => unknown;
type Fast = FastParse;

/** A character trim() removes: ASCII space and controls, and Unicode spaces (no-break, ideographic, BOM…). */
function trimmable(code: number): boolean {
  return code <= 32 || (code >= 127 && /\s/.test(String.fromCharCode(code)));
}

/** What trim() leaves unchanged. */
export function isTrimmed(raw: string): boolean {
  return raw.length === 0 || (!trimmable(raw.charCodeAt(0)) && !trimmable(raw.charCodeAt(raw.length - 1)));
}

/** No line break or tab (what a one-line text refuses), by a loop: cheaper than a regex on short cells. */
function oneLine(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 10 || c === 13 || c === 9) return false;
  }
  return true;
}

/** The number written by 1 to 9 ASCII digits from `from` to `to`, else NaN (cheaper than a regex and Number()). */
function digits(raw: string, from: number, to: number): number {
  if (to - from < 1 || to - from > 9) return NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = raw.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

function fastFor(m: OpeningFieldMeta): Fast {
  const max = m.max ?? Infinity;
  const min = m.min ?? -Infinity;
  switch (m.kind) {
    case 'text':
      // Opening ids: only plain printable ASCII takes the fast path (anything else is normalised and checked).
      if (m.field === 'opening_id')
        return (raw) => (raw.length <= max && raw !== '' && isTrimmed(raw) && /^[\x21-\x7e]+( [\x21-\x7e]+)*$/.test(raw) ? raw : MISS);
      return (raw) => (raw.length <= max && isTrimmed(raw) && oneLine(raw) && !(m.required && raw === '') ? raw : MISS);
    case 'longtext':
      return (raw) => (raw.length <= max && isTrimmed(raw) && !raw.includes('\r') ? raw : MISS);
    case 'enum': {
      // The option's own string rather than the cell's copy: 50,000 rows share one string per value.
      const options = new Map<string, string>(m.options!.map((o) => [o, o]));
      return (raw) => options.get(raw) ?? (raw === '' && m.defaultValue !== undefined ? m.defaultValue : MISS);
    }
    case 'boolean':
      return (raw) => (raw === 'yes' ? true : raw === 'no' ? false : raw === '' ? m.defaultValue : MISS);
    case 'integer':
      return (raw) => {
        if (raw === '') return m.defaultValue ?? null;
        const n = digits(raw, 0, raw.length);
        return n >= min && n <= max ? n : MISS;
      };
    case 'decimal':
      return (raw) => {
        if (raw === '') return null;
        const point = raw.indexOf('.');
        // 1 to 9 digits, optionally a point and 1 to 9 more: the same number Number() reads.
        const whole = digits(raw, 0, point < 0 ? raw.length : point);
        if (Number.isNaN(whole) || (point >= 0 && Number.isNaN(digits(raw, point + 1, raw.length)))) return MISS;
        const n = point < 0 ? whole : Number(raw);
        return n >= min && n <= max ? n : MISS;
      };
  }
}

const FAST: ReadonlyMap<OpeningField, Fast> = new Map(OPENING_FIELDS.map((m) => [m.field, fastFor(m)]));

/** The fast path of one field (see FAST): the value of a canonical cell, or MISS. */
export function fastParser(field: OpeningField): FastParse {
  return FAST.get(field)!;
}
