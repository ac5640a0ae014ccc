import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tableToOpenings, type RawTable } from '../../core/schedule/rows';
import { diffOpenings } from '../../core/schedule/format';
import { OPENING_FIELD_NAMES } from '../../core/schedule/schema';
import { GOOD } from '../fixtures/schedules/openings';

const table = (headers: string[], ...rows: string[][]): RawTable => ({
  headers,
  headerRow: 1,
  rows: rows.map((cells, i) => ({ rowNumber: i + 2, cells })),
});

test('a minimal file: aliases, defaults for absent columns, extras kept (trimmed)', () => {
  const r = tableToOpenings(table(['Mark', 'Category', 'Lock Type', 'FS/FSE', 'Heading'], ['1-101', 'Egress', 'Mag Lock', 'FS', ' H 02 ']));
  assert.deepEqual(r.errors, []);
  const o = r.openings[0]!;
  assert.equal(o.opening_id, '1-101');
  assert.equal(o.category, 'egress');
  assert.equal(o.lock_type, 'maglock');
  assert.equal(o.fail_mode, 'fail-safe');
  assert.equal(o.locking_arrangement, 'normal');
  assert.equal(o.egress, 'mechanical');
  assert.equal(o.ndaa_889, 'unknown');
  assert.equal(o.pd_address, null);
  assert.deepEqual(o.extras, { Heading: 'H 02' });
  assert.deepEqual(
    r.mapping.map((m) => m.column),
    ['opening_id', 'category', 'lock_type', 'fail_mode', null],
  );
});

test('every bad cell is reported with its row as the user sees it, the header as written, the value and why', () => {
  const r = tableToOpenings(
    table(
      ['Door No.', 'Category', 'Lock Type', 'Fail Safe/Secure', 'PD Address'],
      ['A', 'egress', 'maglock', 'FS', '1'],
      ['', '', '', '', ''],
      ['B', 'lobby', 'maglock', 'sideways', '200'],
      ['a', 'egress', 'maglock', 'FS', '2'],
    ),
  );
  assert.equal(r.openings.length, 1, 'only the good row is an opening, and nothing is applied with errors');
  const simple = r.errors.map((e) => [e.row, e.column, e.value]);
  assert.deepEqual(simple, [
    [4, 'Category', 'lobby'],
    [4, 'Fail Safe/Secure', 'sideways'],
    [4, 'PD Address', '200'],
    [5, 'Door No.', 'a'],
  ]);
  assert.match(r.errors[3]!.reason, /Duplicate opening id: row 2 has the same id/);
});

test('values beyond the last header and under a blank header are errors; blank ones are not', () => {
  const r = tableToOpenings(
    table(
      ['Mark', 'Category', 'Lock Type', 'FS/FSE', ''],
      ['A', 'egress', 'maglock', 'FS', '', '', ''],
      ['B', 'egress', 'maglock', 'FS', 'x', 'y'],
    ),
  );
  assert.deepEqual(
    r.errors.map((e) => [e.row, e.column]),
    [
      [3, '(column 6)'],
      [3, '(column 5)'],
    ],
  );
});

test('a header with no rows is an error', () => {
  const r = tableToOpenings(table(['Mark', 'Category', 'Lock Type', 'FS/FSE']));
  assert.match(r.errors[0]!.reason, /no openings/);
});

test('diffOpenings lists changed fields and extras by key', () => {
  const after = { ...GOOD, fail_mode: 'fail-secure' as const, extras: { Heading: 'H9' } };
  assert.deepEqual(diffOpenings(GOOD, after, OPENING_FIELD_NAMES), [
    { field: 'fail_mode', oldValue: 'fail-safe', newValue: 'fail-secure' },
    { field: 'extras.Heading', oldValue: '', newValue: 'H9' },
  ]);
});
