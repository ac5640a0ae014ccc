import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEADER_ALIASES, matchHeader, matchHeaders } from '../../core/schedule/columns';
import {
  normalizeArrangement,
  normalizeCategory,
  normalizeCurrentMa,
  normalizeFailMode,
  normalizeFireRating,
  normalizeLockType,
  normalizeText,
  normalizeTriState,
  normalizeVoltage,
  normalizeYesNo,
  squash,
} from '../../core/schedule/normalize';
import { OPENING_FIELD_NAMES, REQUIRED_FIELDS } from '../../core/schedule/schema';

test('squash ignores case, spaces, punctuation, accents and a BOM', () => {
  assert.equal(squash('\uFEFFFail Safe / Secure'), 'failsafesecure');
  assert.equal(squash('Opening #'), 'opening');
  assert.equal(squash('Door No.'), 'doorno');
  assert.equal(squash('Bâtiment'), 'batiment');
});

test('header aliases used by real exports map to canonical columns', () => {
  const cases: [string, string][] = [
    ['Opening #', 'opening_id'],
    ['Door No.', 'opening_id'],
    ['Mark', 'opening_id'],
    ['Door Number', 'opening_id'],
    ['\uFEFFopening_id', 'opening_id'],
    ['OPENING ID', 'opening_id'],
    ['Fail Safe/Secure', 'fail_mode'],
    ['FS/FSE', 'fail_mode'],
    ['Failsafe', 'fail_mode'],
    ['HW Set', 'hardware_set'],
    ['Hardware Group', 'hardware_set'],
    ['Fire Rating', 'fire_rating_min'],
    ['Rating', 'fire_rating_min'],
    ['Level', 'floor'],
    ['Room Name', 'location'],
    ['NDAA §889', 'ndaa_889'],
    ['lock-current-ma', 'lock_current_ma'],
  ];
  for (const [header, field] of cases) assert.equal(matchHeader(header).column, field, header);
  assert.match(matchHeader('Door No.').how, /alias "Door No\."/);
  assert.equal(matchHeader('opening_id').how, 'canonical name');
});

test('a supplier "Heading" is not taken for the hardware set: it is kept as an extra', () => {
  assert.equal(matchHeader('Heading').column, null);
  assert.equal(matchHeader('Installer').column, null);
});

test('every canonical column has aliases and no alias is claimed twice', () => {
  const seen = new Map<string, string>();
  for (const f of OPENING_FIELD_NAMES) {
    assert.ok(HEADER_ALIASES[f], f);
    for (const a of [f, ...HEADER_ALIASES[f]]) {
      const prev = seen.get(squash(a));
      assert.ok(prev === undefined || prev === f, `${a}: ${prev} vs ${f}`);
      seen.set(squash(a), f);
    }
  }
});

test('matchHeaders reports two headers for one field and missing required columns', () => {
  const r = matchHeaders(['Mark', 'Door No.', 'Category'], REQUIRED_FIELDS);
  assert.ok(r.problems.some((p) => p.column === 'Door No.' && /both mean opening_id/.test(p.reason)));
  assert.ok(r.problems.some((p) => p.column === 'lock_type' && /Required column lock_type is missing/.test(p.reason)));
  assert.ok(r.problems.some((p) => p.column === 'fail_mode'));
  assert.ok(!r.problems.some((p) => p.column === 'category'));
});

test('fail mode values', () => {
  for (const v of ['FS', 'Fail Safe', 'fail safe', 'fail-safe', 'FAILSAFE', ' fs ', 'Fail Open'])
    assert.equal(normalizeFailMode(v), 'fail-safe', v);
  for (const v of ['FSE', 'Fail Secure', 'fail-secure', 'failsecure', 'Fail Closed']) assert.equal(normalizeFailMode(v), 'fail-secure', v);
  assert.equal(normalizeFailMode('sometimes'), 'sometimes');
  assert.equal(normalizeFailMode(''), undefined);
});

test('lock type, category and arrangement values', () => {
  assert.equal(normalizeLockType('Mag Lock'), 'maglock');
  assert.equal(normalizeLockType('EM Lock'), 'maglock');
  assert.equal(normalizeLockType('Strike'), 'electric-strike');
  assert.equal(normalizeLockType('EL Mortise'), 'electrified-mortise');
  assert.equal(normalizeLockType('Exit Device'), 'electrified-exit-device');
  assert.equal(normalizeLockType('Cylindrical'), 'electrified-cylindrical');
  assert.equal(normalizeCategory('High Security'), 'high-security');
  assert.equal(normalizeCategory('Exterior'), 'perimeter');
  assert.equal(normalizeArrangement('DHR'), 'door-hardware-release');
  assert.equal(normalizeArrangement('Sensor Release'), 'sensor-release');
  assert.equal(normalizeArrangement('Delayed Egress 30s'), 'delayed-egress-30');
  assert.equal(normalizeArrangement('Stair Re-entry'), 'stair-reentry');
  // Ambiguous: 15 or 30 s? Left as typed, so the schema rejects it.
  assert.equal(normalizeArrangement('Delayed Egress'), 'Delayed Egress');
});

test('yes/no and yes/no/unknown values', () => {
  for (const v of ['yes', 'Y', 'true', 'X', '1', 'TRUE']) assert.equal(normalizeYesNo(v), true, v);
  for (const v of ['no', 'N', 'false', '0']) assert.equal(normalizeYesNo(v), false, v);
  assert.equal(normalizeYesNo(''), undefined);
  assert.equal(normalizeYesNo('maybe'), 'maybe');
  assert.equal(normalizeTriState('Y'), 'yes');
  assert.equal(normalizeTriState('n'), 'no');
  assert.equal(normalizeTriState('TBD'), 'unknown');
  assert.equal(normalizeTriState('?'), 'unknown');
  assert.equal(normalizeTriState(''), undefined);
});

test('fire rating: minutes, hours, dashes, not rated', () => {
  const cases: [string, unknown][] = [
    ['90', 90],
    ['90 min', 90],
    ['90min', 90],
    ['1.5 hr', 90],
    ['1 1/2 hr', 90],
    ['3/4 hr', 45],
    ['20-min', 20],
    ['3 HR', 180],
    ['1 hour', 60],
    ['', 0],
    ['NR', 0],
    ['none', 0],
    ['-', 0],
    ['3 days', '3 days'],
  ];
  for (const [v, want] of cases) assert.equal(normalizeFireRating(v), want, v);
});

test('voltage and current with units', () => {
  assert.equal(normalizeVoltage('24 VDC'), 24);
  assert.equal(normalizeVoltage('12V'), 12);
  assert.equal(normalizeVoltage(''), null);
  assert.equal(normalizeCurrentMa('0.3 A'), 300);
  assert.equal(normalizeCurrentMa('500 mA'), 500);
  assert.equal(normalizeCurrentMa('lots'), 'lots');
});

test('text is trimmed and line breaks become \\n', () => {
  assert.equal(normalizeText('  a  '), 'a');
  assert.equal(normalizeText('one\r\ntwo\rthree'), 'one\ntwo\nthree');
  assert.equal(normalizeText(undefined), '');
});

test('docs/schedule-import.md lists every header alias', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../docs/schedule-import.md', import.meta.url), 'utf8');
  for (const f of OPENING_FIELD_NAMES) for (const a of HEADER_ALIASES[f]) assert.ok(doc.includes(`\`${a}\``), `${f}: ${a}`);
});
