// How an opening's values are written as text: in exported files and in the edit history.
// The import reads every one of these forms back to the same value (round trip).
import type { Opening, OpeningField } from './types';

export function formatValue(value: Opening[OpeningField] | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** Field-by-field differences between two openings (extras compared per key as `extras.<header>`). */
export function diffOpenings(
  before: Opening,
  after: Opening,
  fields: readonly OpeningField[],
): { field: string; oldValue: string; newValue: string }[] {
  const out: { field: string; oldValue: string; newValue: string }[] = [];
  for (const f of fields) {
    const a = formatValue(before[f]);
    const b = formatValue(after[f]);
    if (a !== b) out.push({ field: f, oldValue: a, newValue: b });
  }
  const keys = new Set([...Object.keys(before.extras), ...Object.keys(after.extras)]);
  for (const k of [...keys].sort()) {
    const a = before.extras[k] ?? '';
    const b = after.extras[k] ?? '';
    if (a !== b) out.push({ field: `extras.${k}`, oldValue: a, newValue: b });
  }
  return out;
}
