// Value normalisation: what people really type in a schedule cell → the canonical value.
// Pure functions; each returns the canonical value, or the input unchanged when it is
// not understood (so the schema rejects it with a message naming the accepted forms).
// Documented in docs/schedule-import.md.

import type {
  AlarmOutputPolarity,
  Category,
  EgressStrategy,
  FailMode,
  LockOutputPolarity,
  LockType,
  LockingArrangement,
  DpsPolarity,
  LockStatusPolarity,
} from './types';

/** Lower-case, letters and digits only: "Fail Safe", "fail-safe", "FAILSAFE" → "failsafe". */
export function squash(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

function table<T extends string>(entries: Record<T, string[]>): Map<string, T> {
  const m = new Map<string, T>();
  for (const [canonical, aliases] of Object.entries(entries) as [T, string[]][]) {
    m.set(squash(canonical), canonical);
    for (const a of aliases) m.set(squash(a), canonical);
  }
  return m;
}

export const FAIL_MODE_ALIASES = table<FailMode>({
  'fail-safe': ['FS', 'Fail Safe', 'Failsafe', 'Fail Open', 'Fail-Open', 'F/S', 'Safe'],
  'fail-secure': ['FSE', 'FSC', 'Fail Secure', 'Failsecure', 'Fail Closed', 'Fail-Closed', 'Fail Locked', 'Secure'],
});

export const LOCK_TYPE_ALIASES = table<LockType>({
  maglock: ['Mag Lock', 'Mag', 'Magnetic Lock', 'EM Lock', 'EMLock', 'Electromagnetic Lock', 'Electro-magnetic Lock'],
  'electric-strike': ['Electric Strike', 'Electrified Strike', 'Strike', 'E-Strike', 'ES'],
  'electrified-mortise': ['Electrified Mortise', 'Electric Mortise', 'EL Mortise', 'Mortise', 'EM Mortise', 'Electrified Mortise Lock'],
  'electrified-exit-device': [
    'Electrified Exit Device',
    'Electric Exit Device',
    'EL Exit Device',
    'Exit Device',
    'EL Panic',
    'Electrified Panic',
    'Panic',
  ],
  'electrified-cylindrical': [
    'Electrified Cylindrical',
    'Electric Cylindrical',
    'EL Cylindrical',
    'Cylindrical',
    'Electrified Cylindrical Lock',
  ],
  other: ['Other'],
});

export const CATEGORY_ALIASES = table<Category>({
  egress: ['Egress', 'Exit', 'Life Safety'],
  perimeter: ['Perimeter', 'Exterior', 'Ext'],
  'high-security': ['High Security', 'High-Sec', 'HS', 'Secure Room', 'Restricted'],
  interior: ['Interior', 'Int', 'Internal'],
});

export const ARRANGEMENT_ALIASES = table<LockingArrangement>({
  normal: ['Normal', 'None', 'Standard', 'Free Egress'],
  'door-hardware-release': ['Door Hardware Release', 'DHR', 'Hardware Release'],
  'sensor-release': ['Sensor Release', 'SR', 'Access Controlled Egress', 'Access-Controlled Egress'],
  'delayed-egress-15': ['Delayed Egress 15', 'Delayed Egress 15s', 'Delayed Egress (15 s)', 'DE15', 'DE-15'],
  'delayed-egress-30': ['Delayed Egress 30', 'Delayed Egress 30s', 'Delayed Egress (30 s)', 'DE30', 'DE-30'],
  'controlled-egress': ['Controlled Egress', 'CE'],
  'elevator-lobby': ['Elevator Lobby', 'Elevator Lobby Door'],
  'stair-reentry': ['Stair Reentry', 'Stair Re-entry', 'Stairway Reentry', 'Stairway Re-entry', 'Re-entry', 'Reentry'],
});

export const EGRESS_ALIASES = table<EgressStrategy>({
  mechanical: ['Mechanical', 'Mech', 'Free', 'Lever', 'Panic'],
  electronic: ['Electronic', 'Electric', 'Elec', 'Electrical', 'REX', 'Release Device'],
});

const YES = new Set(['yes', 'y', 'true', 't', 'x', '1', 'on', 'checked', 'compliant']);
const NO = new Set(['no', 'n', 'false', 'f', '0', 'off', 'noncompliant']);
const UNKNOWN = new Set(['unknown', 'unk', 'tbd', 'na', 'notknown', '']);

export const LOCK_STATUS_ALIASES = table<LockStatusPolarity>({
  secured: ['Secured', 'Locked', 'Secure'],
  released: ['Released', 'Unlocked'],
});
export const DPS_ALIASES = table<DpsPolarity>({ open: ['Open', 'Opened'], closed: ['Closed', 'Close', 'Shut'] });
export const LOCK_OUTPUT_ALIASES = table<LockOutputPolarity>({
  'power-on': ['Power On', 'Powered', 'Lock Power On', 'Normally Open'],
  'power-off': ['Power Off', 'Unpowered', 'Power Dropped', 'Drops Power', 'Normally Closed'],
});
export const ALARM_OUTPUT_ALIASES = table<AlarmOutputPolarity>({
  alarm: ['Alarm', 'Alarm On', 'In Alarm'],
  'no-alarm': ['No Alarm', 'Alarm Off', 'Normal', 'Normally Closed'],
});

/** Blank cells: empty, only spaces, or a lone dash. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && /^\s*-?\s*$/.test(value));
}

/** Vocabulary lookup: blank → undefined (the schema applies the default or says "required"); unknown text stays as typed. */
export function vocab<T extends string>(aliases: Map<string, T>) {
  return (value: unknown): unknown => {
    if (isBlank(value)) return undefined;
    if (typeof value !== 'string') return value;
    return aliases.get(squash(value)) ?? value.trim();
  };
}

export const normalizeFailMode = vocab(FAIL_MODE_ALIASES);
export const normalizeLockType = vocab(LOCK_TYPE_ALIASES);
export const normalizeCategory = vocab(CATEGORY_ALIASES);
export const normalizeArrangement = vocab(ARRANGEMENT_ALIASES);
export const normalizeEgress = vocab(EGRESS_ALIASES);
export const normalizeLockStatusActive = vocab(LOCK_STATUS_ALIASES);
export const normalizeDpsActive = vocab(DPS_ALIASES);
export const normalizeLockOutputActive = vocab(LOCK_OUTPUT_ALIASES);
export const normalizeAlarmOutputActive = vocab(ALARM_OUTPUT_ALIASES);

/** yes/no/y/n/true/false/x/1/0 → boolean; blank → undefined (default no). */
export function normalizeYesNo(value: unknown): unknown {
  if (typeof value === 'boolean') return value;
  if (isBlank(value)) return undefined;
  if (typeof value !== 'string') return value;
  const k = squash(value);
  if (YES.has(k)) return true;
  if (NO.has(k)) return false;
  return value.trim();
}

/** yes/no/unknown (NDAA 889, TAA); blank → undefined (default unknown). */
export function normalizeTriState(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (isBlank(value)) return undefined;
  if (typeof value !== 'string') return value;
  const k = squash(value);
  if (YES.has(k)) return 'yes';
  if (NO.has(k)) return 'no';
  if (UNKNOWN.has(k) || value.trim() === '?') return 'unknown';
  return value.trim();
}

/** Free text: trimmed; null/undefined → ''. Inner line breaks are kept (notes) as \n, whatever the file used. */
export function normalizeText(value: unknown): unknown {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return value;
  return value.replace(/\r\n?/g, '\n').trim();
}

function parseNumber(text: string): number | undefined {
  // "1 1/2", "3/4", "1.5", "1,5" (decimal comma), "24"
  const t = text.trim().replace(/^(\d+),(\d+)$/, '$1.$2');
  let m = /^(\d+)\s+(\d+)\/(\d+)$/.exec(t);
  if (m) return Number(m[1]) + Number(m[2]) / Number(m[3]);
  m = /^(\d+)\/(\d+)$/.exec(t);
  if (m) return Number(m[1]) / Number(m[2]);
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) return Number(t);
  return undefined;
}

/** A plain number (with an optional unit the caller allows); blank → null; anything else stays as typed. */
export function numberWithUnits(units: Record<string, number>) {
  return (value: unknown): unknown => {
    if (typeof value === 'number') return value;
    if (isBlank(value)) return null;
    if (typeof value !== 'string') return value;
    const m = /^\s*(.*?)\s*-?\s*([a-zA-Z.]*)\s*$/.exec(value);
    const unit = (m?.[2] ?? '').toLowerCase().replace(/\.$/, '');
    const factor = unit === '' ? 1 : units[unit];
    const n = parseNumber(m?.[1] ?? '');
    if (factor === undefined || n === undefined) return value.trim();
    return Math.round(n * factor * 1e6) / 1e6;
  };
}

const NOT_RATED = new Set(['nr', 'none', 'na', 'nonrated', 'notrated', 'unrated', 'norating', '0']);

/** Fire rating → minutes: "90", "90 min", "1.5 hr", "20-min", "1 1/2 hr", "3/4 hr"; blank, "NR", "none" → 0. */
export function normalizeFireRating(value: unknown): unknown {
  if (typeof value === 'number') return value;
  if (isBlank(value)) return 0;
  if (typeof value !== 'string') return value;
  if (NOT_RATED.has(squash(value))) return 0;
  return minutesOrHours(value);
}
const minutesOrHours = numberWithUnits({ min: 1, mins: 1, minute: 1, minutes: 1, m: 1, hr: 60, hrs: 60, h: 60, hour: 60, hours: 60 });

export const normalizeVoltage = numberWithUnits({ v: 1, vdc: 1, vac: 1, volt: 1, volts: 1 });
export const normalizeCurrentMa = numberWithUnits({ ma: 1, a: 1000, amp: 1000, amps: 1000 });
/** Addresses and point numbers: plain integers; blank → null. */
export const normalizeInteger = numberWithUnits({});

// ---- opening ids: one door, one id, however it was typed -------------------------
// An id copied from a PDF or a word processor can carry invisible characters or a
// non-breaking hyphen; it then looks like "1-102" but matches nothing. Such
// characters are normalised away; what cannot be made plain is refused by
// openingIdProblem, naming the character.

// Invisible characters (Unicode's default-ignorable set): zero-width space and joiners, soft hyphen, bidi marks, BOM, variation selectors…
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;
// Hyphens and dashes that look like "-": hyphen, non-breaking hyphen, figure/en/em dash, minus sign, small and fullwidth hyphen-minus.
const DASHES = /[\u2010-\u2015\u2043\u2212\uFE58\uFE63\uFF0D]/g;

/** Plain text, NFKC (fullwidth letters and digits, non-breaking and other spaces become plain), no invisible characters, dashes as "-". */
export function normalizeOpeningId(value: unknown): unknown {
  const t = normalizeText(value);
  if (typeof t !== 'string') return t;
  return t.normalize('NFKC').replace(INVISIBLE, '').replace(DASHES, '-').trim();
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a (normalised) id cannot be accepted: a control character, or Latin letters mixed with look-alike Greek or Cyrillic ones. */
export function openingIdProblem(id: string): string | null {
  const hidden = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/u.exec(id);
  if (hidden) return `Opening id contains an invisible or control character (${codePoint(hidden[0])}): retype the id`;
  if (/\p{Script=Latin}/u.test(id)) {
    const other = /[\p{Script=Greek}\p{Script=Cyrillic}]/u.exec(id);
    if (other)
      return `Opening id mixes Latin letters with "${other[0]}" (${codePoint(other[0])}, ${/\p{Script=Greek}/u.test(other[0]) ? 'Greek' : 'Cyrillic'}), which looks like a Latin letter: retype the id`;
  }
  return null;
}

// Greek and Cyrillic capitals and small letters that look like Latin ones.
// prettier-ignore
const LOOK_ALIKE: Record<string, string> = {
  А: 'a', В: 'b', Е: 'e', К: 'k', М: 'm', Н: 'h', О: 'o', Р: 'p', С: 'c', Т: 't', Х: 'x', У: 'y', І: 'i', Ј: 'j', Ѕ: 's',
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', һ: 'h',
  Α: 'a', Β: 'b', Ε: 'e', Ζ: 'z', Η: 'h', Ι: 'i', Κ: 'k', Μ: 'm', Ν: 'n', Ο: 'o', Ρ: 'p', Τ: 't', Υ: 'y', Χ: 'x',
  ο: 'o', ν: 'v', ι: 'i',
};

/** What two ids are compared by for duplicates: case, and letters that look alike, do not tell doors apart. */
export function openingIdKey(id: string): string {
  // Most ids (printable ASCII, no capitals, no double spaces) are their own key.
  if (!/[A-Z]| {2}|[^ -~]/.test(id)) return id;
  return id
    .toLowerCase()
    .replace(/ {2,}/g, ' ')
    .replace(/[^ -~]/g, (c) => LOOK_ALIKE[c] ?? LOOK_ALIKE[c.toUpperCase()] ?? c);
}
