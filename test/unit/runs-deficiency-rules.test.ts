// The pure deficiency rules: only a passing retest of the same opening fixes a
// deficiency; a passing retest closes only the open findings of its own procedure;
// the close-out counts by severity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countBySeverity, fixedByRetest, retestNote, retestProblem } from '../../core/runs/deficiencies';

const ended = (verdict: 'pass' | 'fail' | 'inconclusive') => ({ verdict });

test('a deficiency is fixed only by a finished, passing attempt at the same opening', () => {
  const d = { openingId: '1-102' };
  assert.equal(retestProblem({ id: 7, openingId: '1-102', end: ended('pass') }, d), null);
  assert.equal(retestProblem({ id: 7, openingId: '1-103', end: ended('pass') }, d), 'Attempt 7 tested opening 1-103, not 1-102.');
  assert.match(retestProblem({ id: 7, openingId: '1-102', end: ended('fail') }, d) ?? '', /did not pass \(fail\)/);
  assert.match(retestProblem({ id: 7, openingId: '1-102', end: ended('inconclusive') }, d) ?? '', /did not pass \(inconclusive\)/);
  assert.match(retestProblem({ id: 7, openingId: '1-102', end: null }, d) ?? '', /did not pass \(not finished\)/);
});

test('a passing retest closes only the open findings of its own procedure, never manual ones', () => {
  const defs = [
    { id: 1, source: 'step' as const, procedureId: 'power-drop', status: 'open' },
    { id: 2, source: 'step' as const, procedureId: 'alarm-release', status: 'open' },
    { id: 3, source: 'manual' as const, procedureId: null, status: 'open' },
    { id: 4, source: 'step' as const, procedureId: 'power-drop', status: 'accepted-by-ahj' },
    { id: 5, source: 'step' as const, procedureId: 'power-drop', status: 'open' },
    // A note a technician wrote about the same door while testing power-drop: closed by hand, not by the retest.
    { id: 6, source: 'manual' as const, procedureId: 'power-drop', status: 'open' },
  ];
  assert.deepEqual(
    fixedByRetest(defs, { procedureId: 'power-drop' }).map((d) => d.id),
    [1, 5],
  );
  assert.deepEqual(fixedByRetest(defs, { procedureId: 'rex' }), []);
});

test('the default note names the retest and when it passed', () => {
  assert.match(retestNote('Power-drop test', '2026-12-01T09:30:00.000Z'), /^retest passed \(Power-drop test, 1 Dec 2026, \d\d:\d\d\)$/);
});

test('counts by severity, every severity present', () => {
  assert.deepEqual(countBySeverity([{ severity: 'security' }, { severity: 'life-safety' }, { severity: 'security' }]), {
    'life-safety': 1,
    security: 2,
    compliance: 0,
    procurement: 0,
  });
  assert.deepEqual(countBySeverity([]), { 'life-safety': 0, security: 0, compliance: 0, procurement: 0 });
});
