// Door label payloads: what a label's QR code carries (site and opening) and how the
// opening finder reads it back, including old labels, hand-typed ids, names that
// contain the payload's own separators, and labels from another site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doorLabelPayload, parseDoorTag, sameSite } from '../../core/runs/door-tag';
import { findOpening, type OpeningStatus } from '../../core/runs/progress';

test('a label payload round-trips site and opening, whatever characters they hold', () => {
  for (const [site, openingId] of [
    ['Demo - Riverside Clinic', '1-101'],
    ['Hôpital Saint-Éloi; aile=B', 'B;door=2'],
    ['東京 本社 100%', '3/301 A'],
    ['  spaced  ', 'x%41y'],
  ] as const) {
    const payload = doorLabelPayload(site, openingId);
    assert.match(payload, /^DOORCX:site=[\x21-\x7e]*;door=[\x21-\x7e]+$/, 'plain printable ASCII, as a keyboard-wedge scanner types it');
    assert.deepEqual(parseDoorTag(payload), { site, openingId });
  }
});

test('old labels, typed ids and damaged payloads', () => {
  assert.deepEqual(parseDoorTag('DOORCX:1-101'), { site: null, openingId: '1-101' });
  assert.deepEqual(parseDoorTag('  doorcx:1-101 '), { site: null, openingId: '1-101' });
  assert.deepEqual(parseDoorTag('1-101'), { site: null, openingId: '1-101' });
  assert.deepEqual(parseDoorTag('doorcx:SITE=Demo;DOOR=1-101'), { site: 'Demo', openingId: '1-101' }, 'a scanner in caps-lock mode');
  // A broken escape is not silently read as some other door: the text stays as it is.
  assert.deepEqual(parseDoorTag('DOORCX:site=Demo%E0;door=1-101'), { site: null, openingId: 'DOORCX:site=Demo%E0;door=1-101' });
  assert.ok(sameSite('Caf\u00e9', 'Cafe\u0301'), 'composed and decomposed accents are the same name');
  assert.ok(!sameSite('Demo', 'demo '));
});

test('the finder opens a labelled door only on its own site', () => {
  const row = (openingId: string) => ({ openingId, floor: '1', status: 'untested' as OpeningStatus, location: 'corridor' });
  const rows = [row('1-101'), row('1-102')];
  const label = doorLabelPayload('Riverside', '1-101');
  assert.equal(findOpening(rows, { tag: label }, 'Riverside').next?.openingId, '1-101');
  const other = findOpening(rows, { tag: doorLabelPayload('Lakeside', '1-101') }, 'Riverside');
  assert.equal(other.next, null, 'the same door mark on another site is a different door');
  assert.deepEqual(other.matches, []);
  assert.equal(other.otherSite, 'Lakeside');
  assert.equal(findOpening(rows, { tag: label }).otherSite, 'Riverside', 'with no site to compare, a labelled tag opens nothing');
  assert.equal(findOpening(rows, { tag: 'DOORCX:1-102' }, 'Riverside').next?.openingId, '1-102');
  assert.equal(findOpening(rows, { tag: doorLabelPayload('Riverside', '9-999') }, 'Riverside').next, null);
  assert.equal(findOpening(rows, { tag: doorLabelPayload('Riverside', '9-999') }, 'Riverside').otherSite, undefined);
});
