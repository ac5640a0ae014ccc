import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ARRANGEMENT_TESTS,
  EDITIONS,
  REQUIREMENTS,
  arrangementRequirementId,
  cite,
  getRequirement,
  threshold,
  withOverrides,
} from '../../core/requirements';
import { RULES, evaluateOpening, worstSeverity } from '../../core/rules';
import { LOCKING_ARRANGEMENTS, type Opening } from '../../core/schedule/types';
import { GOOD } from '../fixtures/schedules/openings';

/** A compliant opening: no rule fires. */
const clean: Opening = { ...GOOD };
const ids = (o: Partial<Opening>) => evaluateOpening({ ...clean, ...o }).map((f) => f.rule_id);

test('the baseline opening has no findings', () => {
  assert.deepEqual(evaluateOpening(clean), []);
});

test('maglock must be fail-safe (life-safety)', () => {
  assert.ok(
    ids({
      lock_type: 'maglock',
      fail_mode: 'fail-secure',
      locking_arrangement: 'normal',
      fire_alarm_release: false,
      egress: 'mechanical',
    }).includes('maglock-fail-secure'),
  );
  assert.ok(!ids({ lock_type: 'maglock', fail_mode: 'fail-safe' }).includes('maglock-fail-secure'));
  assert.ok(
    !ids({ lock_type: 'electric-strike', fail_mode: 'fail-secure', locking_arrangement: 'normal' }).includes('maglock-fail-secure'),
  );
  const f = evaluateOpening({ ...clean, fail_mode: 'fail-secure' }).find((x) => x.rule_id === 'maglock-fail-secure')!;
  assert.equal(f.severity, 'life-safety');
  assert.match(f.message, /only while powered/);
});

test('fire-alarm release on a fail-secure lock (life-safety)', () => {
  const base = { lock_type: 'electrified-mortise', locking_arrangement: 'normal', category: 'interior', egress: 'mechanical' } as const;
  assert.ok(ids({ ...base, fire_alarm_release: true, fail_mode: 'fail-secure' }).includes('fire-alarm-release-fail-secure'));
  assert.ok(!ids({ ...base, fire_alarm_release: false, fail_mode: 'fail-secure' }).includes('fire-alarm-release-fail-secure'));
  assert.ok(!ids({ ...base, fire_alarm_release: true, fail_mode: 'fail-safe' }).includes('fire-alarm-release-fail-secure'));
  const f = evaluateOpening({ ...clean, ...base, fire_alarm_release: true, fail_mode: 'fail-secure' }).find(
    (x) => x.rule_id === 'fire-alarm-release-fail-secure',
  )!;
  assert.equal(f.requirement, 'NFPA 72 21.9');
});

test('egress opening with electronic-only egress must be fail-safe (life-safety)', () => {
  const base = { lock_type: 'electric-strike', locking_arrangement: 'normal', fire_alarm_release: false } as const;
  assert.ok(ids({ ...base, category: 'egress', egress: 'electronic', fail_mode: 'fail-secure' }).includes('electronic-egress-fail-secure'));
  assert.ok(
    !ids({ ...base, category: 'egress', egress: 'mechanical', fail_mode: 'fail-secure' }).includes('electronic-egress-fail-secure'),
  );
  assert.ok(
    !ids({ ...base, category: 'interior', egress: 'electronic', fail_mode: 'fail-secure' }).includes('electronic-egress-fail-secure'),
  );
  assert.ok(!ids({ ...base, category: 'egress', egress: 'electronic', fail_mode: 'fail-safe' }).includes('electronic-egress-fail-secure'));
});

test('fail-secure with any arrangement other than normal (life-safety), citing that arrangement', () => {
  const base = { lock_type: 'electrified-mortise', fire_alarm_release: false, egress: 'mechanical', category: 'interior' } as const;
  for (const arr of LOCKING_ARRANGEMENTS) {
    const got = ids({ ...base, locking_arrangement: arr, fail_mode: 'fail-secure' }).includes('special-arrangement-fail-secure');
    assert.equal(got, arr !== 'normal', arr);
    assert.ok(!ids({ ...base, locking_arrangement: arr, fail_mode: 'fail-safe' }).includes('special-arrangement-fail-secure'));
  }
  const f = evaluateOpening({ ...clean, ...base, locking_arrangement: 'sensor-release', fail_mode: 'fail-secure' }).find(
    (x) => x.rule_id === 'special-arrangement-fail-secure',
  )!;
  assert.equal(f.requirement, 'IBC 2021 1010.2.12; NFPA 101 7.2.1.6.2');
  assert.match(f.message, /sensor-release/);
});

test('high-security room on fail-safe hardware (security)', () => {
  assert.ok(ids({ category: 'high-security', fail_mode: 'fail-safe' }).includes('high-security-fail-safe'));
  assert.ok(
    !ids({
      category: 'high-security',
      fail_mode: 'fail-secure',
      lock_type: 'electrified-mortise',
      locking_arrangement: 'normal',
      fire_alarm_release: false,
      egress: 'mechanical',
    }).includes('high-security-fail-safe'),
  );
  assert.ok(!ids({ category: 'interior', fail_mode: 'fail-safe' }).includes('high-security-fail-safe'));
});

test('perimeter door on fail-safe hardware (security, ranked below high-security)', () => {
  assert.ok(ids({ category: 'perimeter', fail_mode: 'fail-safe' }).includes('perimeter-fail-safe'));
  assert.ok(
    !ids({
      category: 'perimeter',
      fail_mode: 'fail-secure',
      lock_type: 'electrified-exit-device',
      locking_arrangement: 'normal',
      fire_alarm_release: false,
      egress: 'mechanical',
    }).includes('perimeter-fail-safe'),
  );
  const hs = RULES.find((r) => r.id === 'high-security-fail-safe')!;
  const pe = RULES.find((r) => r.id === 'perimeter-fail-safe')!;
  assert.equal(pe.severity, 'security');
  assert.ok(pe.priority > hs.priority);
});

test('egress or special-arrangement opening without a code basis (compliance)', () => {
  assert.ok(ids({ category: 'egress', code_basis: '' }).includes('code-basis-missing'));
  assert.ok(ids({ category: 'egress', code_basis: '   ' }).includes('code-basis-missing'));
  assert.ok(ids({ category: 'interior', locking_arrangement: 'delayed-egress-15', code_basis: '' }).includes('code-basis-missing'));
  assert.ok(!ids({ category: 'interior', locking_arrangement: 'normal', code_basis: '' }).includes('code-basis-missing'));
  assert.ok(!ids({ category: 'egress', code_basis: 'AHJ letter 2025-03' }).includes('code-basis-missing'));
});

test('NDAA 889 / TAA no or unknown (procurement)', () => {
  assert.ok(ids({ ndaa_889: 'no' }).includes('ndaa-889-not-cleared'));
  assert.ok(ids({ ndaa_889: 'unknown' }).includes('ndaa-889-not-cleared'));
  assert.ok(!ids({ ndaa_889: 'yes' }).includes('ndaa-889-not-cleared'));
  assert.ok(ids({ taa: 'no' }).includes('taa-not-compliant'));
  assert.ok(ids({ taa: 'unknown' }).includes('taa-not-compliant'));
  assert.ok(!ids({ taa: 'yes' }).includes('taa-not-compliant'));
  const f = evaluateOpening({ ...clean, taa: 'no' })[0]!;
  assert.equal(f.severity, 'procurement');
  assert.match(f.message, /"no"/);
  assert.equal(f.requirement, 'FAR 52.225-5');
});

test('findings come worst first; worstSeverity picks life-safety over the rest', () => {
  const fs = evaluateOpening({ ...clean, taa: 'no', code_basis: '', fail_mode: 'fail-secure' });
  assert.equal(fs[0]!.severity, 'life-safety');
  assert.equal(fs.at(-1)!.severity, 'procurement');
  assert.equal(worstSeverity(fs), 'life-safety');
  assert.equal(worstSeverity([]), null);
});

test('every rule cites requirements that exist', () => {
  for (const r of RULES)
    for (const id of r.requirements) {
      if (id.includes('{locking_arrangement}'))
        for (const a of LOCKING_ARRANGEMENTS) assert.ok(REQUIREMENTS.has(arrangementRequirementId(a)), a);
      else assert.ok(REQUIREMENTS.has(id), `${r.id} → ${id}`);
    }
});

test('requirements: DHR-1..4, SR-1..6, DE-1..7, CE-1..3, EL, FA-1..5 and NFPA 80 items exist with text', () => {
  const want = [
    ...[1, 2, 3, 4].map((n) => `DHR-${n}`),
    ...[1, 2, 3, 4, 5, 6].map((n) => `SR-${n}`),
    ...[1, 2, 3, 4, 5, 6, 7].map((n) => `DE-${n}`),
    ...[1, 2, 3].map((n) => `CE-${n}`),
    'EL',
    ...[1, 2, 3, 4, 5].map((n) => `FA-${n}`),
    'NFPA80-1',
    'NFPA80-14',
    'NFPA80-RECORD',
  ];
  for (const id of want) assert.ok(getRequirement(id).text.length > 10, id);
  for (const q of REQUIREMENTS.values())
    for (const e of Object.keys(q.sources)) assert.ok((EDITIONS as readonly string[]).includes(e), `${q.id}: ${e}`);
  for (const a of LOCKING_ARRANGEMENTS) for (const id of ARRANGEMENT_TESTS[a]) assert.ok(REQUIREMENTS.has(id), id);
});

test('cite: default editions, chosen editions, unconfirmed sections, basis fallback', () => {
  assert.equal(cite('SR-4'), 'IBC 2021 1010.2.12; NFPA 101 7.2.1.6.2');
  assert.equal(cite('LA-sensor-release', ['NFPA 101']), 'NFPA 101 7.2.1.6.2');
  assert.equal(cite('LA-sensor-release', ['IBC 2024']), 'IBC 2024 (section to confirm)');
  assert.equal(cite('DE-4', ['IBC 2021']), 'IBC 2021 1010.2.13');
  assert.equal(cite(['FA-1', 'FA-2']), 'NFPA 72 21.9');
  assert.match(cite('MODE-SECURE-ROOM'), /Owner's security requirement/);
  assert.throws(() => cite('NOPE-1'), /Unknown requirement id "NOPE-1"/);
});

test('thresholds are data a project can override (AHJ-approved 30 s delay, adopted IBC 2024 section)', () => {
  assert.equal(threshold('DE-4', 'maxDelay').value, 15);
  const project = withOverrides({ 'DE-4': { thresholds: { maxDelay: { value: 30 } }, sources: { 'IBC 2024': '1010.2.x-test' } } });
  assert.equal(threshold('DE-4', 'maxDelay', project).value, 30);
  assert.equal(threshold('DE-4', 'maxDelay').value, 15, 'the built-in table is untouched');
  assert.equal(cite('DE-4', ['IBC 2024'], project), 'IBC 2024 1010.2.x-test');
  assert.throws(() => withOverrides({ 'DE-4': { thresholds: { nope: { value: 1 } } } }), /no threshold "nope"/);
});
