// The pure run-progress logic: opening status from the latest verdicts, progress
// counts, finding the next opening by tag, search and floor route, the mode reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findOpening, modeReason, openingStatus, progressOf, requiredProcedureIds, type OpeningStatus } from '../../core/runs/progress';
import { GOOD } from '../fixtures/schedules/openings';

test('opening status: any fail wins, then inconclusive; pass needs every required procedure', () => {
  assert.equal(openingStatus([{ required: true, verdict: null }]), 'untested');
  assert.equal(
    openingStatus([
      { required: true, verdict: 'pass' },
      { required: false, verdict: 'fail' },
    ]),
    'fail',
  );
  assert.equal(
    openingStatus([
      { required: true, verdict: 'inconclusive' },
      { required: false, verdict: 'pass' },
    ]),
    'inconclusive',
  );
  assert.equal(
    openingStatus([
      { required: true, verdict: null },
      { required: false, verdict: 'pass' },
    ]),
    'incomplete',
    'a passed extra does not pass the opening',
  );
  assert.equal(
    openingStatus([
      { required: true, verdict: 'pass' },
      { required: false, verdict: null },
    ]),
    'pass',
  );
});

test('progress counts', () => {
  const rows = (['untested', 'pass', 'fail', 'inconclusive', 'incomplete', 'untested'] as OpeningStatus[]).map((status) => ({ status }));
  assert.deepEqual(progressOf(rows), { total: 6, tested: 4, passed: 1, failed: 1, inconclusive: 1, incomplete: 1, remaining: 2 });
});

test('finding the next opening: scanned tag, search, floor route that wraps', () => {
  const row = (openingId: string, floor: string, status: OpeningStatus, location = 'corridor') => ({ openingId, floor, status, location });
  const rows = [
    row('1-100', '1', 'pass'),
    row('1-101', '1', 'untested', 'Stair 1'),
    row('2-200', '2', 'untested'),
    row('1-102', '1', 'incomplete'),
  ];
  assert.equal(findOpening(rows, { tag: 'DOORCX:1-101' }).next?.openingId, '1-101');
  assert.equal(findOpening(rows, { tag: 'nope' }).next, null);
  assert.equal(findOpening(rows, { search: 'stair' }).next?.openingId, '1-101');
  assert.equal(findOpening(rows, { floor: '1', afterOpeningId: '1-101' }).next?.openingId, '1-102');
  assert.deepEqual(
    findOpening(rows, { floor: '1', afterOpeningId: '1-102' }).matches.map((r) => r.openingId),
    ['1-101', '1-102'],
    'the route wraps round to the start of the floor',
  );
});

test('mode reason and required procedures follow the schedule', () => {
  const o = { ...GOOD, fail_mode: 'fail-safe' as const, fire_alarm_release: true };
  assert.match(modeReason(o), /^Expected fail-safe .*fire alarm/);
  assert.deepEqual([...requiredProcedureIds(o)], ['power-drop', 'alarm-release']);
  assert.deepEqual([...requiredProcedureIds({ ...o, fire_alarm_release: false })], ['power-drop']);
});
