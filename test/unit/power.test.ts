// The load model on worked examples computed by hand (the arithmetic is in the comments),
// the supplies sheet parser, and the meter-reading comparison.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  analyzePower,
  checkMeasurement,
  DEFAULT_POWER_SETTINGS,
  parseMeasuredCurrent,
  parseMeasuredVoltage,
  parseSupplyField,
  tableToSupplies,
  validateSupply,
  type PowerSupply,
} from '../../core/power';
import type { Opening } from '../../core/schedule/types';
import { GOOD } from '../fixtures/schedules/openings';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, msg ?? `${a} ≠ ${b}`);

function supply(p: Partial<PowerSupply> & Pick<PowerSupply, 'supply_id'>): PowerSupply {
  return {
    location: '',
    output_voltage: 24,
    rated_current_a: 3,
    battery_ah: null,
    battery_count: 0,
    battery_voltage: 12,
    charger_current_a: null,
    standby_hours: 0,
    fire_alarm_release: true,
    notes: '',
    extras: {},
    ...p,
  };
}
const maglock = (id: string, ps: string, ma: number, more: Partial<Opening> = {}): Opening => ({
  ...GOOD,
  opening_id: id,
  power_supply: ps,
  lock_current_ma: ma,
  ...more,
});
const strike = (id: string, ps: string, ma: number, more: Partial<Opening> = {}): Opening => ({
  ...GOOD,
  opening_id: id,
  power_supply: ps,
  lock_type: 'electric-strike',
  fail_mode: 'fail-secure',
  category: 'perimeter',
  locking_arrangement: 'normal',
  egress: 'mechanical',
  fire_alarm_release: false,
  lock_current_ma: ma,
  ...more,
});

test('only fail-safe maglocks: 4 × 500 mA on a 3 A supply with 2 × 7 Ah batteries', () => {
  const ps = supply({ supply_id: 'PS-A', rated_current_a: 3, battery_ah: 7, battery_count: 2, standby_hours: 2 });
  const doors = ['M1', 'M2', 'M3', 'M4'].map((id) => maglock(id, 'PS-A', 500));
  const a = analyzePower(doors, [ps]);
  const r = a.supplies[0]!;
  // Maglocks hold on standby: 4 × 500 = 2000 mA, and nothing more at peak (no fail-secure lock to release).
  assert.equal(r.normalMa, 2000);
  assert.equal(r.peakMa, 2000);
  // 3 A × 80 % = 2.4 A derated.
  assert.equal(r.deratedMa, 2400);
  close(r.normalRatio, 2000 / 2400);
  // 24 V needs two 12 V batteries in series: one string of 7 Ah, × 0.8 = 5.6 Ah; 5.6 Ah ÷ 2 A = 2.8 h ≥ 2 h.
  close(r.usableAh, 5.6);
  close(r.batteryHours!, 2.8);
  assert.equal(r.failSafeCount, 4);
  assert.deepEqual(r.openingIds, ['M1', 'M2', 'M3', 'M4']);
  assert.deepEqual(a.findings, []);
});

test('only fail-secure strikes on a supply released by the fire alarm: no standby lock load, inrush at peak', () => {
  const ps = supply({ supply_id: 'PS-B', output_voltage: 12, rated_current_a: 3, battery_ah: 7, battery_count: 1, standby_hours: 4 });
  const doors = [
    strike('S1', 'PS-B', 240, { lock_voltage: 12, extras: { 'Inrush (mA)': '400' } }),
    strike('S2', 'PS-B', 240, { lock_voltage: 12, extras: { Inrush: '0.4 A' } }),
    strike('S3', 'PS-B', 240, { lock_voltage: 12, extras: { 'Accessory current (mA)': '30 mA' } }),
    strike('S4', 'PS-B', 240, { lock_voltage: 12 }),
    strike('S5', 'PS-B', 240, { lock_voltage: 12 }),
    strike('S6', 'PS-B', 240, { lock_voltage: 12 }),
  ];
  const r = analyzePower(doors, [ps]).supplies[0]!;
  // Standby: strikes at rest draw nothing; S3's REX/DPS accessories draw 30 mA.
  assert.equal(r.normalMa, 30);
  // Peak: S1, S2 at their 400 mA inrush; S3 240 + 30; S4–S6 3 × 240 = 720 → 400 + 400 + 270 + 720 = 1790 mA.
  assert.equal(r.peakMa, 1790);
  // 3 A × 0.8 = 2400 mA ≥ 1790: no overload.
  assert.equal(r.deratedMa, 2400);
  // One 12 V battery makes the 12 V output: 7 × 0.8 = 5.6 Ah ÷ 0.03 A = 186.7 h.
  close(r.batteryHours!, 5.6 / 0.03);
  assert.equal(r.failSecureCount, 6);
  assert.deepEqual(r.findings, []);
});

test('mixed supply over derated capacity at peak only (compliance), life-safety when egress needs the release', () => {
  const ps = supply({ supply_id: 'PS-C', rated_current_a: 2 });
  const doors = [
    maglock('M1', 'PS-C', 500),
    maglock('M2', 'PS-C', 500),
    strike('E1', 'PS-C', 300, { lock_type: 'electrified-mortise' }),
    strike('E2', 'PS-C', 300, { lock_type: 'electrified-mortise' }),
    strike('E3', 'PS-C', 300, { lock_type: 'electrified-mortise' }),
  ];
  const a = analyzePower(doors, [ps]);
  const r = a.supplies[0]!;
  // Normal: the maglocks only, 2 × 500 = 1000 mA ≤ 2 A × 0.8 = 1600 mA.
  assert.equal(r.normalMa, 1000);
  // Peak: + 3 × 300 released = 1900 mA > 1600 mA.
  assert.equal(r.peakMa, 1900);
  assert.deepEqual(
    a.findings.map((f) => [f.rule_id, f.severity]),
    [['power-overload-peak', 'compliance']],
  );
  assert.match(a.findings[0]!.message, /PS-C is overloaded at peak load.*1\.90 A, more than 1\.60 A \(80 % of its 2 A rating\)/);

  // The same supply where E3 is an egress door released electronically: a trapped-person risk.
  const egress = doors.map((o) => (o.opening_id === 'E3' ? { ...o, category: 'egress' as const, egress: 'electronic' as const } : o));
  const f = analyzePower(egress, [ps]).findings;
  assert.deepEqual(
    f.map((x) => [x.rule_id, x.severity]),
    [['power-overload-peak', 'life-safety']],
  );
  assert.match(f[0]!.message, /trapping people behind E3/);

  // Over at normal load too: reported once, as a normal-load overload.
  const heavy = [...doors, maglock('M3', 'PS-C', 700)];
  assert.deepEqual(
    analyzePower(heavy, [ps]).findings.map((x) => [x.rule_id, x.severity]),
    [['power-overload-normal', 'security']],
  );
});

test('a battery one hour short: fail-safe doors unlock after 4 h of a 5 h requirement; release-dependent fail-secure doors lose their release', () => {
  const ps = supply({ supply_id: 'PS-D', rated_current_a: 4, battery_ah: 12, battery_count: 2, standby_hours: 5 });
  const doors = [
    ...['M1', 'M2', 'M3', 'M4'].map((id) => maglock(id, 'PS-D', 600)),
    strike('X1', 'PS-D', 300, { category: 'egress', egress: 'electronic' }),
    strike('P1', 'PS-D', 300),
  ];
  const a = analyzePower(doors, [ps]);
  const r = a.supplies[0]!;
  // Standby 4 × 600 = 2400 mA (the strikes at rest draw nothing); 12 Ah × 1 string × 0.8 = 9.6 Ah; 9.6 ÷ 2.4 = 4 h < 5 h.
  assert.equal(r.normalMa, 2400);
  close(r.usableAh, 9.6);
  close(r.batteryHours!, 4);
  assert.deepEqual(
    a.findings.map((f) => [f.rule_id, f.severity, f.openingIds.join(' ')]),
    [
      ['power-battery-short-fail-secure', 'life-safety', 'X1'],
      ['power-battery-short-fail-safe', 'security', 'M1 M2 M3 M4'],
    ],
  );
  assert.match(a.findings[1]!.message, /^After 4 h on battery these fail-safe doors unlock: M1, M2, M3, M4\. The site requires 5 h/);
  assert.match(a.findings[0]!.message, /electric release of these fail-secure doors stops working.*X1/);
  // One more 12 Ah string (4 batteries): 19.2 Ah ÷ 2.4 A = 8 h, no finding.
  assert.deepEqual(analyzePower(doors, [{ ...ps, battery_count: 4 }]).findings, []);
});

test('no battery with a standby requirement, and batteries that cannot make up the output voltage', () => {
  const none = analyzePower([maglock('M1', 'PS-E', 500)], [supply({ supply_id: 'PS-E', standby_hours: 4 })]);
  assert.deepEqual(
    none.findings.map((f) => f.rule_id),
    ['power-battery-short-fail-safe'],
  );
  assert.match(none.findings[0]!.message, /no usable battery, so as soon as mains power fails these fail-safe doors unlock: M1/);
  // One 12 V battery on a 24 V output: no full string.
  const half = analyzePower(
    [maglock('M1', 'PS-F', 500)],
    [supply({ supply_id: 'PS-F', battery_ah: 7, battery_count: 1, standby_hours: 1 })],
  );
  assert.deepEqual(half.findings.map((f) => f.rule_id).sort(), ['power-battery-short-fail-safe', 'power-battery-strings']);
  assert.equal(half.supplies[0]!.usableAh, 0);
});

test('voltage mismatch, opening on no supply or an unknown supply, fire-alarm door on a supply the alarm does not release, unknown current', () => {
  const ps = supply({ supply_id: 'PS-1', fire_alarm_release: false });
  const doors = [
    maglock('A', 'PS-1', 500, { lock_voltage: 12 }),
    maglock('B', '', 500),
    maglock('C', 'PS-9', 500),
    maglock('D', 'ps-1', 500, { fire_alarm_release: false }),
    maglock('E', 'PS-1', 0, { lock_current_ma: null, fire_alarm_release: false }),
  ];
  const a = analyzePower(doors, [ps]);
  const byRule = new Map(a.findings.map((f) => [f.rule_id, f]));
  // A is fail-safe with fire_alarm_release (GOOD) on PS-1, which the alarm does not release.
  assert.deepEqual(byRule.get('power-fa-supply-not-released')?.openingIds, ['A']);
  assert.equal(byRule.get('power-fa-supply-not-released')?.severity, 'life-safety');
  assert.deepEqual(byRule.get('power-voltage-mismatch')?.openingIds, ['A']);
  assert.match(byRule.get('power-voltage-mismatch')!.message, /PS-1 puts out 24 V.*A \(12 V\)/);
  assert.deepEqual(byRule.get('power-no-supply')?.openingIds, ['B']);
  assert.deepEqual(byRule.get('power-unknown-supply')?.openingIds, ['C']);
  assert.match(byRule.get('power-unknown-supply')!.message, /Supply "PS-9" feeds C/);
  assert.deepEqual(byRule.get('power-current-unknown')?.openingIds, ['E']);
  // Supply ids match ignoring case ("ps-1" is PS-1).
  assert.deepEqual(a.supplies[0]!.openingIds, ['A', 'D', 'E']);
  // Findings come worst first, with a citation.
  assert.equal(a.findings[0]!.severity, 'life-safety');
  assert.ok(a.findings.every((f) => f.requirement.length > 0));
  // A site with no supply list at all: "no supply" is not reported on every door, an unknown id still is.
  const bare = analyzePower(doors, []);
  assert.deepEqual(bare.findings.map((f) => f.rule_id).sort(), ['power-unknown-supply', 'power-unknown-supply']);
});

test('supply cells: units and decimal commas converted, absurd values refused with the reason', () => {
  const amps = (v: string, bare?: 'ma') => parseSupplyField('rated_current_a', v, bare);
  assert.deepEqual(amps('500 mA'), { ok: true, value: 0.5 });
  assert.deepEqual(amps('0.5 A'), { ok: true, value: 0.5 });
  assert.deepEqual(amps('1,5 A'), { ok: true, value: 1.5 });
  assert.deepEqual(amps('2'), { ok: true, value: 2 });
  assert.deepEqual(amps('1500', 'ma'), { ok: true, value: 1.5 });
  const neg = amps('-2 A');
  assert.ok(!neg.ok && /cannot be negative/.test(neg.reason));
  const huge = amps('500');
  assert.ok(!huge.ok && /from 0 to 100 A.*500 mA/.test(huge.reason));
  const volts = parseSupplyField('output_voltage', '400 V');
  assert.ok(!volts.ok && /from 1 to 60 V/.test(volts.reason));
  assert.deepEqual(parseSupplyField('output_voltage', '24 VDC'), { ok: true, value: 24 });
  assert.deepEqual(parseSupplyField('battery_ah', '7000 mAh'), { ok: true, value: 7 });
  assert.deepEqual(parseSupplyField('standby_hours', '30 min'), { ok: true, value: 0.5 });
  assert.deepEqual(parseSupplyField('fire_alarm_release', 'Y'), { ok: true, value: true });
  const words = parseSupplyField('battery_ah', 'seven');
  assert.ok(!words.ok && /Battery capacity must be a number in Ah/.test(words.reason));
});

test('supplies sheet: aliases, all-or-nothing errors naming row and column, duplicates, 0 Ah with a standby requirement', () => {
  const good = tableToSupplies({
    headers: ['PSU', 'Location', 'Volts', 'Rated Current (mA)', 'Battery (Ah)', 'Batteries', 'Standby', 'FA Release', 'Model'],
    headerRow: 1,
    rows: [
      { rowNumber: 2, cells: ['PS-1', 'Closet 1', '24 V', '2500', '7', '2', '4 h', 'yes', 'AL600'] },
      { rowNumber: 3, cells: ['PS-2', 'Closet 2', '12', '1,5 A', '', '', '', 'no', ''] },
    ],
  });
  assert.deepEqual(good.errors, []);
  assert.equal(good.supplies[0]!.rated_current_a, 2.5);
  assert.equal(good.supplies[0]!.standby_hours, 4);
  assert.deepEqual(good.supplies[0]!.extras, { Model: 'AL600' });
  assert.equal(good.supplies[1]!.rated_current_a, 1.5);
  assert.equal(good.supplies[1]!.battery_ah, null);

  const badSheet = tableToSupplies({
    headers: ['Supply ID', 'Output Voltage', 'Rated Current', 'Battery Ah', 'Battery Count', 'Standby Hours'],
    headerRow: 1,
    rows: [
      { rowNumber: 2, cells: ['PS-1', '24', '-3', '7', '2', '4'] },
      { rowNumber: 3, cells: ['PS-2', '24', '3', '0', '2', '4'] },
      { rowNumber: 4, cells: ['ps-1', '24', '3', '', '', ''] },
    ],
  });
  assert.deepEqual(badSheet.supplies, []);
  assert.deepEqual(
    badSheet.errors.map((e) => [e.row, e.column]),
    [
      [2, 'Rated Current'],
      [3, 'Battery Ah'],
      [4, 'Supply ID'],
    ],
  );
  assert.match(badSheet.errors[1]!.reason, /0 Ah battery cannot give the 4 h standby/);
  assert.match(badSheet.errors[2]!.reason, /Duplicate supply id: row 2/);

  const missing = tableToSupplies({ headers: ['Name', 'Location'], headerRow: 1, rows: [] });
  assert.deepEqual(
    missing.errors.map((e) => e.column),
    ['output_voltage', 'rated_current_a'],
  );
});

test('the form validator names each bad field', () => {
  const r = validateSupply({ supply_id: 'PS-1', output_voltage: '24', rated_current_a: 'lots', standby_hours: '-1' });
  assert.ok(!r.ok);
  assert.deepEqual(
    r.issues.map((i) => i.field),
    ['rated_current_a', 'standby_hours'],
  );
  const ok = validateSupply({ supply_id: 'PS-1', output_voltage: 24, rated_current_a: '750 mA', fire_alarm_release: true });
  assert.ok(ok.ok && ok.supply.rated_current_a === 0.75 && ok.supply.fire_alarm_release);
});

test('meter readings at the door against the schedule and tolerance', () => {
  assert.deepEqual(parseMeasuredVoltage('23,8 VDC'), { ok: true, value: 23.8 });
  assert.deepEqual(parseMeasuredCurrent('0.48 A'), { ok: true, value: 480 });
  assert.deepEqual(parseMeasuredCurrent('480'), { ok: true, value: 480 });
  assert.ok(!parseMeasuredCurrent('-5 mA').ok);
  const m = { opening_id: '1-101', voltage: 23.8, current_ma: 480, at: '2026-12-01T10:00:00Z', technician: 'ana', note: '' };
  // 23.8 vs 24 V = −0.8 %; 480 vs 500 mA = −4 %: within ±10 % / ±20 %.
  assert.deepEqual(checkMeasurement(GOOD, m, DEFAULT_POWER_SETTINGS).problems, []);
  // 20.4 V is −15 %: a starved lock.
  const low = checkMeasurement(GOOD, { ...m, voltage: 20.4 }, DEFAULT_POWER_SETTINGS);
  close(low.voltageDiffPct!, -15);
  assert.match(low.problems[0]!, /20\.4 V measured at the lock, the schedule says 24 V \(-15 %, tolerance ±10 %\): a starved lock/);
  // 650 mA is +30 %.
  assert.match(checkMeasurement(GOOD, { ...m, current_ma: 650 }, DEFAULT_POWER_SETTINGS).problems[0]!, /650 mA measured.*\+?30 %/);
});

test('attacks on a clean result: unscheduled values are "not compared", not "within tolerance"; oversized batteries do not count', () => {
  const m = { opening_id: '1-101', voltage: 24, current_ma: 500, at: '2026-12-01T10:00:00Z', technician: 'ana', note: '' };
  const blank = checkMeasurement({ ...GOOD, lock_voltage: null, lock_current_ma: null }, m, DEFAULT_POWER_SETTINGS);
  assert.deepEqual(blank.problems, []);
  assert.deepEqual(blank.within, []);
  assert.deepEqual(blank.notCompared, ['voltage: the schedule gives no lock voltage', 'current: the schedule gives no lock current']);
  assert.deepEqual(checkMeasurement(GOOD, m, DEFAULT_POWER_SETTINGS).within, ['voltage within ±10 %', 'current within ±20 %']);
  // Exactly at the tolerance passes; just beyond it does not.
  assert.deepEqual(checkMeasurement(GOOD, { ...m, voltage: 21.6 }, DEFAULT_POWER_SETTINGS).problems, []);
  assert.equal(checkMeasurement(GOOD, { ...m, voltage: 21.5 }, DEFAULT_POWER_SETTINGS).problems.length, 1);

  // A 24 V battery cannot back a 12 V output, however big.
  const a = analyzePower(
    [maglock('M1', 'PS-G', 500, { lock_voltage: 12 })],
    [supply({ supply_id: 'PS-G', output_voltage: 12, battery_ah: 100, battery_count: 1, battery_voltage: 24, standby_hours: 1 })],
  );
  assert.equal(a.supplies[0]!.usableAh, 0);
  assert.deepEqual(a.findings.map((f) => f.rule_id).sort(), ['power-battery-short-fail-safe', 'power-battery-strings']);
  assert.match(a.findings.find((f) => f.rule_id === 'power-battery-strings')!.message, /24 V batteries on a 12 V output/);
  // A third 12 V battery on 24 V makes no second string: still one 7 Ah string.
  const odd = analyzePower([maglock('M1', 'PS-H', 500)], [supply({ supply_id: 'PS-H', battery_ah: 7, battery_count: 3 })]);
  close(odd.supplies[0]!.usableAh, 5.6);
  // A supply exactly at its derated capacity is not over it; one milliamp more is.
  const at = (ma: number) => analyzePower([maglock('M1', 'PS-I', ma)], [supply({ supply_id: 'PS-I', rated_current_a: 1 })]).findings;
  assert.deepEqual(at(800), []);
  assert.deepEqual(
    at(801).map((f) => f.rule_id),
    ['power-overload-normal'],
  );
});
