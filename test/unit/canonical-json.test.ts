// The fast canonical JSON gives exactly what `canonicalize` gives, over values whose
// keys are already sorted (the fast path) and values that are not (the fallback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import canonicalize from 'canonicalize';
import { canonicalJson } from '../../core/canonical-json';

/** Deterministic pseudo-random JSON-ish values, including the awkward ones. */
function* values(seed: number, n: number): Generator<unknown> {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const keys = ['a', 'b', 'B', 'é', 'z', '10', '9', '1', '', 'a b', '東', '\u{1F600}', 'aa', '$'] as const;
  const leaf = () =>
    pick([null, true, false, 0, -0, 1, -1.5, 1e21, 1e-7, 123456789012, 0.1 + 0.2, '', 'x', 'é"\\\n\u2028', '\u{1F600}', '\ud800'] as const);
  const make = (depth: number): unknown => {
    const r = rnd();
    if (depth > 3 || r < 0.4) return leaf();
    if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => make(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rnd() * 5); i > 0; i--) o[pick(keys)] = make(depth + 1);
    return o;
  };
  for (let i = 0; i < n; i++) yield make(0);
}

test('same text as canonicalize, sorted or not', () => {
  let fast = 0;
  for (const v of values(7, 5000)) {
    assert.equal(canonicalJson(v), canonicalize(v), JSON.stringify(v));
    // Round-tripped canonical text is what the fast path sees in practice.
    const again = JSON.parse(canonicalize(v)!) as unknown;
    if (JSON.stringify(again) === canonicalize(v)) fast++;
    assert.equal(canonicalJson(again), canonicalize(v));
  }
  assert.ok(fast > 1000, 'most re-parsed canonical values take the fast path');
});

test('values JSON.stringify would write differently are handed to canonicalize', () => {
  assert.equal(canonicalJson({ b: 1, a: 2 }), '{"a":2,"b":1}');
  assert.equal(canonicalJson({ 10: 'x', 9: 'y' }), '{"10":"x","9":"y"}', 'integer-like keys in code-unit order');
  assert.equal(canonicalJson({ a: undefined, b: [undefined] }), '{"b":[null]}');
  assert.equal(canonicalJson({ at: new Date(0) }), '{"at":"1970-01-01T00:00:00.000Z"}');
  assert.throws(() => canonicalJson({ x: Number.NaN }), /NaN/);
  assert.equal(canonicalJson(undefined), undefined);
});
