import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CATALOG,
  DEFAULT_SETTINGS,
  PROCEDURE_IDS,
  SettingsError,
  procedureFor,
  proceduresFor,
  resolveSettings,
  whyNotApplicable,
} from '../../core/procedures';
import { ARRANGEMENT_TESTS, REQUIREMENTS } from '../../core/requirements';
import { LOCKING_ARRANGEMENTS, type Opening } from '../../core/schedule/types';
import { makeOpening } from '../support/runs-harness';

const ids = (o: Opening) => proceduresFor(o, DEFAULT_SETTINGS).map((p) => p.id);

test('every catalogue entry has a known id and every requirement it verifies exists in core/requirements', () => {
  assert.deepEqual(new Set(CATALOG.map((d) => d.id)), new Set(PROCEDURE_IDS));
  for (const arrangement of LOCKING_ARRANGEMENTS)
    for (const o of [
      makeOpening({ locking_arrangement: arrangement, fire_rating_min: 90 }),
      makeOpening({ locking_arrangement: arrangement, fail_mode: 'fail-secure', egress: 'mechanical' }),
    ])
      for (const p of proceduresFor(o, DEFAULT_SETTINGS)) {
        assert.ok(p.requirementIds.length > 0, `${p.id} verifies something`);
        for (const id of p.requirementIds) assert.ok(REQUIREMENTS.has(id), `${p.id} cites unknown requirement ${id}`);
        assert.ok(p.citation.length > 0 && p.reason.startsWith('Applies'));
      }
});

test("each arrangement's testable requirements are covered by a procedure that applies to it", () => {
  for (const arrangement of LOCKING_ARRANGEMENTS) {
    const o = makeOpening({ locking_arrangement: arrangement, fire_alarm_release: true });
    const covered = new Set(proceduresFor(o, DEFAULT_SETTINGS).flatMap((p) => p.requirementIds));
    for (const id of ARRANGEMENT_TESTS[arrangement]) assert.ok(covered.has(id), `${arrangement}: ${id} has no procedure`);
    assert.ok(covered.has(`LA-${arrangement}`), `${arrangement}: the arrangement itself is verified`);
  }
});

test('applicability: fire alarm, sensor release, delayed egress, rated doors, REX wiring', () => {
  const sr = makeOpening();
  assert.deepEqual(
    ids(sr).filter((i) => !i.startsWith('check-')),
    ['power-drop', 'alarm-release', 'rex', 'manual-release', 'relock'],
  );
  assert.ok(ids(sr).includes('check-sr-device') && ids(sr).includes('check-mode-label') && !ids(sr).includes('check-nfpa80'));
  const perimeter = makeOpening({
    fail_mode: 'fail-secure',
    locking_arrangement: 'normal',
    fire_alarm_release: false,
    egress: 'mechanical',
    rex_input: null,
  });
  assert.deepEqual(ids(perimeter), ['power-drop', 'relock', 'check-mode-label', 'check-mechanical-egress', 'check-lock-power']);
  const de = makeOpening({ locking_arrangement: 'delayed-egress-30', fire_rating_min: 90 });
  assert.ok(ids(de).includes('delayed-egress') && ids(de).includes('check-de-signage') && ids(de).includes('check-nfpa80'));
  assert.equal(whyNotApplicable({ requiresBinding: ['rex_input'] }, perimeter), 'rex_input is not wired');
  assert.throws(
    () => procedureFor(perimeter, 'alarm-release', DEFAULT_SETTINGS),
    /does not apply to opening T-1: not released by the fire alarm/,
  );
  assert.throws(() => procedureFor(perimeter, 'nope', DEFAULT_SETTINGS), /Unknown procedure "nope"/);
});

test('power-drop steps follow the scheduled mode and carry the project thresholds', () => {
  const settings = resolveSettings({ thresholds: { releaseMs: 1500, holdWindowMs: 12_000 } });
  const fs = procedureFor(makeOpening(), 'power-drop', settings);
  assert.deepEqual(
    fs.steps.map((s) => s.id),
    ['precheck', 'drop-power', 'release', 'stay-released', 'door-opened', 'restore-power', 'relock'],
  );
  const release = fs.steps.find((s) => s.id === 'release');
  assert.ok(release?.kind === 'watch' && release.ms === 1500 && release.expect === 'release');
  assert.match(fs.criteria[0]!, /within 1\.5 s/);
  const fsec = procedureFor(
    makeOpening({ fail_mode: 'fail-secure', egress: 'mechanical', locking_arrangement: 'normal' }),
    'power-drop',
    settings,
  );
  const hold = fsec.steps.find((s) => s.id === 'hold');
  assert.ok(
    hold?.kind === 'watch' && hold.expect === 'stay-secured' && hold.ms === 12_000 && hold.attempt?.watch === 'rex',
    'the hold window includes a release attempt',
  );
  const drop = fsec.steps.find((s) => s.id === 'drop-power');
  assert.ok(drop?.kind === 'output' && drop.durationMs > 12_000, 'the PD keeps power off for the whole window, then restores it itself');
  assert.ok(fsec.steps.some((s) => s.id === 'mechanical-egress'));
});

test('alarm-release without an alarm output asks the technician to trip the panel and to silence (not reset)', () => {
  const p = procedureFor(makeOpening({ alarm_output: null }), 'alarm-release', DEFAULT_SETTINGS);
  assert.ok(p.steps.some((s) => s.id === 'silence-not-reset'));
  const wired = procedureFor(makeOpening(), 'alarm-release', DEFAULT_SETTINGS);
  assert.ok(!wired.steps.some((s) => s.id === 'silence-not-reset'));
});

test('delayed egress uses 15 s or 30 s by arrangement; NFPA 80 items come from the requirement table', () => {
  const d15 = procedureFor(makeOpening({ locking_arrangement: 'delayed-egress-15' }), 'delayed-egress', DEFAULT_SETTINGS);
  const d30 = procedureFor(makeOpening({ locking_arrangement: 'delayed-egress-30' }), 'delayed-egress', DEFAULT_SETTINGS);
  const ms = (p: typeof d15) => {
    const step = p.steps.find((s) => s.id === 'release');
    return step?.kind === 'watch' ? step.ms : null;
  };
  assert.equal(ms(d15), 15_000);
  assert.equal(ms(d30), 30_000);
  const nfpa = procedureFor(makeOpening({ fire_rating_min: 60 }), 'check-nfpa80', DEFAULT_SETTINGS);
  assert.equal(nfpa.steps.length, [...REQUIREMENTS.keys()].filter((k) => /^NFPA80-\d+$/.test(k)).length);
});

test('settings: bad thresholds are named; code minimums need a recorded AHJ decision', () => {
  assert.throws(
    () => resolveSettings({ thresholds: { releaseMs: -1, bogus: 3 } }),
    (e: unknown) => e instanceof SettingsError && e.issues.map((i) => i.field).join() === 'thresholds.releaseMs,thresholds.bogus',
  );
  assert.throws(() => resolveSettings({ thresholds: { manualReleaseHoldMs: 10_000 } }), /SR-4 minimum of 30000 ms/);
  assert.throws(() => resolveSettings({ thresholds: { delayedEgress15Ms: 20_000 } }), /DE-4 maximum/);
  const s = resolveSettings({ thresholds: { manualReleaseHoldMs: 10_000 }, ahjNote: 'AHJ letter 2026-03-02' });
  assert.equal(s.thresholds.manualReleaseHoldMs, 10_000);
  assert.equal(resolveSettings({ edition: 'IBC 2024' }).edition, 'IBC 2024');
  assert.match(procedureFor(makeOpening(), 'power-drop', resolveSettings({ edition: 'IBC 2024' })).citation, /IBC 2024/);
});
