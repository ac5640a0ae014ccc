// Canonical JSON (RFC 8785, the `canonicalize` package's output), fast. Most values
// DoorCx canonicalises came from JSON.parse of text that was canonical already, so
// every object's keys are in sorted order: then the engine's JSON.stringify gives
// the same text (RFC 8785 serialises strings and numbers as JSON.stringify does)
// at a fraction of the cost. Anything else (unsorted keys, integer-like keys out of
// code-unit order, toJSON, undefined, non-finite numbers) goes to `canonicalize`.
import canonicalize from 'canonicalize';

/** True when JSON.stringify already writes `v` canonically: plain values, every object's keys in code-unit order. */
export function plainSorted(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!plainSorted(x)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !(keys[i - 1]! < keys[i]!)) return false;
    if (!plainSorted((v as Record<string, unknown>)[keys[i]!])) return false;
  }
  return true;
}

/** The RFC 8785 text of a JSON value; undefined where `canonicalize` gives none (e.g. undefined itself). */
export function canonicalJson(v: unknown): string | undefined {
  return plainSorted(v) ? JSON.stringify(v) : canonicalize(v);
}
