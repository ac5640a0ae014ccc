// The pure run-progress logic: opening status from the latest verdicts, progress
// counts (per floor too), finding the next opening by tag, search and floor route, the
// mode reason, and an opening's line in the progress from its attempts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../core/procedures';
import {
  findOpening,
  latestByProcedure,
  modeReason,
  openingProgress,
  openingStatus,
  progressByFloor,
  progressOf,
  requiredProcedureIds,
  type OpeningStatus,
} from '../../core/runs/progress';
import type { Verdict } from '../../core/verdicts/types';
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

// An attempt as the database gives it, reduced to what progress reads; `supersededBy` is set when a retest replaced it.
const attempt = (id: number, procedureId: string, verdict: Verdict | null, supersededBy: number | null = null) => ({
  id,
  procedureId,
  supersededBy,
  end: verdict === null ? null : { verdict },
});

test('the latest attempt of a procedure is the one no retest superseded, whatever the order', () => {
  const latest = latestByProcedure([attempt(3, 'power-drop', 'pass'), attempt(1, 'power-drop', 'fail', 3), attempt(2, 'rex', null)]);
  assert.equal(latest.get('power-drop')?.id, 3);
  assert.equal(latest.get('rex')?.id, 2, 'an unfinished attempt is still the latest');
  assert.equal(latest.get('alarm-release'), undefined);
});

test("an opening's progress line: applicable procedures, required ones marked, the status from the latest verdicts", () => {
  const settings = resolveSettings({});
  const o = { ...GOOD, fail_mode: 'fail-safe' as const, fire_alarm_release: true };
  const untested = openingProgress(o, settings, [], 2);
  assert.equal(untested.status, 'untested');
  assert.equal(untested.openDeficiencies, 2);
  assert.equal(untested.openingId, o.opening_id);
  assert.deepEqual(
    untested.procedures.filter((p) => p.required).map((p) => p.id),
    ['power-drop', 'alarm-release'],
  );
  assert.ok(
    untested.procedures.some((p) => p.kind === 'checklist' && !p.required),
    'checklist items are listed, not required',
  );
  assert.ok(untested.procedures.every((p) => p.verdict === null));

  // A failed alarm release retested to a pass: the old fail no longer counts.
  const retested = [attempt(1, 'power-drop', 'pass'), attempt(2, 'alarm-release', 'fail', 3), attempt(3, 'alarm-release', 'pass')];
  const passed = openingProgress(o, settings, retested, 0);
  assert.equal(passed.status, 'pass');
  assert.equal(passed.procedures.find((p) => p.id === 'alarm-release')?.verdict, 'pass');

  assert.equal(openingProgress(o, settings, retested.slice(0, 1), 0).status, 'incomplete', 'alarm release not yet run');
  assert.equal(
    openingProgress(o, settings, [retested[0]!, attempt(2, 'alarm-release', 'fail')], 0).status,
    'fail',
    'before the retest, the fail stands',
  );
  assert.equal(
    openingProgress(o, settings, [...retested, attempt(4, 'check-mode-label', 'inconclusive')], 0).status,
    'inconclusive',
    'an inconclusive checklist item keeps the opening from passing',
  );
  assert.equal(
    openingProgress(o, settings, [attempt(5, 'procedure-that-does-not-apply', 'fail')], 0).status,
    'untested',
    'an attempt of a procedure that no longer applies is not counted',
  );
});

test('progress by floor, floors in schedule order', () => {
  const rows = [
    { floor: '2', status: 'pass' as const },
    { floor: '1', status: 'untested' as const },
    { floor: '2', status: 'fail' as const },
  ];
  assert.deepEqual(progressByFloor(rows), [
    { floor: '2', total: 2, tested: 2, passed: 1, failed: 1, inconclusive: 0, incomplete: 0, remaining: 0 },
    { floor: '1', total: 1, tested: 0, passed: 0, failed: 0, inconclusive: 0, incomplete: 0, remaining: 1 },
  ]);
});
