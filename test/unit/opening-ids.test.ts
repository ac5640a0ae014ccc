// Look-alike opening ids: invisible characters, non-breaking hyphens, fullwidth
// forms are normalised; what cannot be made plain is refused naming the row and
// the character; ids that only look alike are duplicates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeOpeningId, openingIdKey, openingIdProblem } from '../../core/schedule/normalize';
import { tableToOpenings } from '../../core/schedule/rows';
import { parseField } from '../../core/schedule/schema';

test('normalised: zero-width characters, BOM, bidi marks, soft hyphens, dashes, fullwidth forms, non-breaking spaces', () => {
  for (const [typed, plain] of [
    ['1\u2011102', '1-102'], // non-breaking hyphen
    ['1\u2010102', '1-102'],
    ['1\u2013102', '1-102'], // en dash
    ['1\u2212102', '1-102'], // minus sign
    ['1-1\u200B02', '1-102'], // zero-width space
    ['\uFEFF1-102', '1-102'],
    ['1-10\u200D2\u200C', '1-102'],
    ['\u202E1-102\u202C', '1-102'],
    ['1-\u00AD102', '1-102'],
    ['１－１０２Ａ', '1-102A'], // fullwidth
    ['Stair\u00A0A', 'Stair A'],
    ['Stair\u2007A', 'Stair A'],
    ['  1-102 ', '1-102'],
  ] as const) {
    assert.equal(normalizeOpeningId(typed), plain, JSON.stringify(typed));
    assert.deepEqual(parseField('opening_id', typed), { ok: true, value: plain }, JSON.stringify(typed));
  }
});

test('refused, naming the character: controls, private use, Latin mixed with Greek or Cyrillic look-alikes', () => {
  const refuse = (id: string, re: RegExp) => {
    const r = parseField('opening_id', id);
    assert.equal(r.ok, false, JSON.stringify(id));
    if (!r.ok) assert.match(r.reason, re);
  };
  refuse('1-102\u0007', /invisible or control character \(U\+0007\)/);
  refuse('1-\uE000102', /U\+E000/);
  refuse('\u0410-1A', /mixes Latin letters with "А" \(U\+0410, Cyrillic\)/);
  refuse('B-\u039F1', /U\+039F, Greek/);
  refuse('1-\n102', /one line/);
  // Whole ids in one script are ids, not look-alikes.
  assert.equal(openingIdProblem('А-1'), null);
  assert.equal(openingIdProblem('Δ-1'), null);
  assert.equal(openingIdProblem('Tür-1'), null);
  assert.deepEqual(parseField('opening_id', 'Ü-1'), { ok: true, value: 'Ü-1' });
});

test('in a file: every look-alike problem names its row; ids that only look alike are duplicates', () => {
  const headers = ['Mark', 'category', 'lock_type', 'fail_mode'];
  const row = (rowNumber: number, id: string) => ({ rowNumber, cells: [id, 'egress', 'maglock', 'fail-safe'] });
  const r = tableToOpenings({
    headers,
    headerRow: 1,
    rows: [row(2, '1-102'), row(3, '1\u2011102'), row(4, 'A-1'), row(5, '\u0410-1'), row(6, 'c\u0410-7'), row(7, '1-103')],
  });
  assert.deepEqual(
    r.errors.map((e) => [e.row, e.column, e.reason]),
    [
      [3, 'Mark', 'Duplicate opening id: row 2 has the same id'],
      [5, 'Mark', 'Duplicate opening id: row 4 has "A-1", which looks the same'],
      [6, 'Mark', 'Opening id mixes Latin letters with "А" (U+0410, Cyrillic), which looks like a Latin letter: retype the id'],
    ],
  );
  assert.deepEqual(
    r.openings.map((o) => o.opening_id),
    ['1-102', 'A-1', '1-103'],
  );
  assert.equal(openingIdKey('А-1'), openingIdKey('a-1'));
  assert.equal(openingIdKey('1-102  A'), openingIdKey('1-102 a'));
  // An id that is already its own key (lower-case printable ASCII, single spaces) is taken as it is.
  assert.equal(openingIdKey('1-102 a'), '1-102 a');
  assert.equal(openingIdKey('1-102  a'), '1-102 a');
  assert.equal(openingIdKey('Α-1'), 'a-1');
});
