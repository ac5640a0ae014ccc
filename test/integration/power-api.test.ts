// Power sizing over real SQLite files, through the app's API: supplies imported from CSV and
// from the schedule workbook's second sheet, all-or-nothing rejection, the analysis, the
// edit form, export → re-import, meter readings, and the schedule's power-supply filter.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { ApiError, type FieldIssue } from '../../app/contract';
import { createApp, type App } from '../../app/index';
import { tempDir } from '../support/tmp';

const NOW = new Date('2026-03-01T10:00:00Z');
const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64');

const SCHEDULE = [
  'opening_id,category,lock_type,fail_mode,egress,fire_alarm_release,power_supply,lock_voltage,lock_current_ma,code_basis',
  'M1,egress,maglock,fail-safe,electronic,yes,PS-1,24,600,IBC',
  'M2,egress,maglock,fail-safe,electronic,yes,PS-1,24,600,IBC',
  'M3,egress,maglock,fail-safe,electronic,yes,PS-1,24,600,IBC',
  'M4,egress,maglock,fail-safe,electronic,yes,PS-1,24,600,IBC',
  'S1,perimeter,strike,fail-secure,mechanical,no,PS-2,12,250,',
  'S2,perimeter,strike,fail-secure,mechanical,no,PS-2,12,250,',
  'X1,interior,strike,fail-secure,mechanical,no,PS-7,12,250,',
].join('\n');

// PS-1: 24 V, 3.5 A → 2.8 A derated; 4 × 600 = 2.4 A standby. 2 × 12 Ah 12 V = one 24 V string, 9.6 Ah usable → 4 h; needs 5 h.
// PS-2: "1,5 A" = 1.5 A → 1.2 A derated; peak 2 × 250 = 0.5 A.
const SUPPLIES = [
  'Power Supply;Location;Volts;Rated Current;Battery (Ah);Batteries;Standby;FA Release',
  'PS-1;Closet 1;24 VDC;3500 mA;12 Ah;2;5 h;yes',
  'PS-2;Closet 2;12;1,5 A;;;;no',
].join('\r\n');

async function open(t: { after: (fn: () => void) => void }): Promise<{ app: App; file: string; dir: string }> {
  const dir = tempDir(t);
  const file = join(dir, 'doorcx.sqlite');
  const app = await createApp({ dbFile: file, dataDir: dir, demo: false, now: () => NOW });
  t.after(() => void app.close());
  return { app, file, dir };
}

async function site(app: App): Promise<number> {
  const input = { fileName: 'site.csv', contentBase64: b64(SCHEDULE), siteName: 'Tower' };
  const p = (await app.call('previewImport', input)) as { diffHash: string; errors: unknown[] };
  assert.deepEqual(p.errors, []);
  const r = (await app.call('applyImport', { ...input, confirmDiffHash: p.diffHash })) as { siteId: number };
  return r.siteId;
}

async function rejects(p: Promise<unknown>, code: string): Promise<ApiError> {
  let caught: unknown;
  await p.catch((e: unknown) => (caught = e));
  assert.ok(caught instanceof ApiError, `expected an ApiError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

const power = async (app: App, siteId: number) => await app.call('getPower', { siteId });

test('supplies from CSV (semicolons, units, decimal comma): loads, battery hours and findings per supply', async (t) => {
  const { app, dir } = await open(t);
  const siteId = await site(app);
  const preview = await app.call('previewSupplies', { siteId, fileName: 'ps.csv', contentBase64: b64(SUPPLIES) });
  assert.deepEqual(preview.errors, []);
  assert.deepEqual(preview.added, ['PS-1', 'PS-2']);
  // A preview writes nothing.
  assert.equal((await power(app, siteId)).supplies.length, 0);
  const r = await app.call('importSupplies', { siteId, fileName: 'ps.csv', contentBase64: b64(SUPPLIES) });
  assert.deepEqual(r, { count: 2, added: 2, changed: 0, removed: 0 });

  const p = await power(app, siteId);
  const [ps1, ps2] = p.supplies;
  assert.equal(ps1!.supply.rated_current_a, 3.5);
  assert.equal(ps1!.normalMa, 2400);
  assert.equal(ps1!.deratedMa, 2800);
  assert.ok(Math.abs(ps1!.batteryHours! - 4) < 1e-9);
  assert.equal(ps2!.supply.rated_current_a, 1.5);
  assert.equal(ps2!.peakMa, 500);
  assert.equal(ps2!.openingCount, 2);
  assert.deepEqual(
    p.findings.map((f) => [f.rule_id, f.supplyId]),
    [
      ['power-battery-short-fail-safe', 'PS-1'],
      ['power-unknown-supply', 'PS-7'],
    ],
  );
  assert.match(p.findings[0]!.message, /^After 4 h on battery these fail-safe doors unlock: M1, M2, M3, M4/);

  // The data survive closing and reopening the file.
  await app.close();
  const again = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: false, now: () => NOW });
  t.after(() => void again.close());
  assert.equal((await power(again, siteId)).supplies.length, 2);
});

test('a bad supplies file is rejected whole, naming row and column; the stored list is untouched', async (t) => {
  const { app } = await open(t);
  const siteId = await site(app);
  await app.call('importSupplies', { siteId, fileName: 'ps.csv', contentBase64: b64(SUPPLIES) });
  const bad = [
    'Supply ID,Output Voltage,Rated Current,Battery Ah,Battery Count,Standby Hours',
    'PS-1,400 V,3,7,2,4',
    'PS-2,24,-2 A,,,',
    'PS-3,24,3,0,2,4',
    'ps-1,24,3,,,',
    'PS-4,24,lots,,,',
  ].join('\n');
  const err = await rejects(app.call('importSupplies', { siteId, fileName: 'bad.csv', contentBase64: b64(bad) }), 'import-rejected');
  const issues = err.details as FieldIssue[];
  assert.deepEqual(
    issues.map((i) => [i.row, i.column]),
    [
      [2, 'Output Voltage'],
      [3, 'Rated Current'],
      [4, 'Battery Ah'],
      [5, 'Supply ID'],
      [6, 'Rated Current'],
    ],
  );
  assert.match(issues[0]!.reason, /from 1 to 60 V/);
  assert.match(issues[1]!.reason, /cannot be negative/);
  assert.match(issues[3]!.reason, /Duplicate supply id: row 2/);
  const p = await power(app, siteId);
  assert.deepEqual(
    p.supplies.map((s) => s.supply.supply_id),
    ['PS-1', 'PS-2'],
  );
  assert.equal(p.supplies[0]!.supply.output_voltage, 24);
});

test('the supplies sheet of the schedule workbook; export → re-import gives the same supplies', async (t) => {
  const { app } = await open(t);
  const siteId = await site(app);
  const wb = new ExcelJS.Workbook();
  const sched = wb.addWorksheet('Door Schedule');
  sched.addRow(['opening_id', 'category']);
  sched.addRow(['M1', 'egress']);
  const ps = wb.addWorksheet('Power Supplies');
  ps.addRow(['PSU', 'Output Voltage', 'Output Current (mA)', 'Battery', 'Battery Count', 'Standby Time', 'FACP', 'Model']);
  ps.addRow(['PS-1', 24, 4000, '7 Ah', 2, '30 min', 'yes', 'AL400']);
  ps.addRow(['PS-2', '12 V', 1500, null, null, null, 'no', null]);
  const bytes = Buffer.from(await wb.xlsx.writeBuffer());
  const preview = await app.call('previewSupplies', {
    siteId,
    fileName: 'schedule.xlsx',
    contentBase64: b64(bytes),
  });
  assert.deepEqual(preview.errors, []);
  assert.equal(preview.sheet, 'Power Supplies');
  await app.call('importSupplies', { siteId, fileName: 'schedule.xlsx', contentBase64: b64(bytes) });
  const first = (await power(app, siteId)).supplies.map((s) => s.supply);
  // A bare number under "(mA)" is milliamps; minutes are converted to hours; unknown columns kept.
  assert.equal(first[0]!.rated_current_a, 4);
  assert.equal(first[0]!.standby_hours, 0.5);
  assert.deepEqual(first[0]!.extras, { Model: 'AL400' });
  assert.equal(first[1]!.rated_current_a, 1.5);

  for (const format of ['csv', 'xlsx'] as const) {
    const f = (await app.call('exportSupplies', { siteId, format })) as { fileName: string; contentBase64: string };
    await app.call('deleteSupply', { siteId, supplyId: 'PS-2' });
    const r = await app.call('importSupplies', { siteId, fileName: f.fileName, contentBase64: f.contentBase64 });
    assert.deepEqual(r, { count: 2, added: 1, changed: 0, removed: 0 }, format);
    assert.deepEqual(
      (await power(app, siteId)).supplies.map((s) => s.supply),
      first,
      format,
    );
  }

  // A workbook of several sheets with none named for supplies is refused with the reason.
  const other = new ExcelJS.Workbook();
  other.addWorksheet('A').addRow(['x']);
  other.addWorksheet('B').addRow(['y']);
  const p2 = await app.call('previewSupplies', {
    siteId,
    fileName: 'x.xlsx',
    contentBase64: b64(Buffer.from(await other.xlsx.writeBuffer())),
  });
  assert.match(p2.errors[0]!.reason, /none is named for power supplies/);
});

test('the form: each bad field named, no duplicate ids, a fix clears the overload finding', async (t) => {
  const { app } = await open(t);
  const siteId = await site(app);
  const base = { supply_id: 'PS-2', output_voltage: '12', rated_current_a: '0.5 A', fire_alarm_release: false };
  await app.call('saveSupply', { siteId, originalId: null, supply: base });
  // 2 × 250 mA released at once = 500 mA > 0.5 A × 0.8 = 400 mA: over at peak only.
  let p = await power(app, siteId);
  assert.deepEqual(
    p.findings.filter((f) => f.supplyId === 'PS-2').map((f) => f.rule_id),
    ['power-overload-peak'],
  );
  assert.ok(p.supplies[0]!.peakRatio > 1 && p.supplies[0]!.normalRatio <= 1);

  const err = await rejects(
    app.call('saveSupply', { siteId, originalId: 'PS-2', supply: { ...base, rated_current_a: '-1', standby_hours: 'forever' } }),
    'validation',
  );
  assert.deepEqual(
    (err.details as FieldIssue[]).map((i) => i.field),
    ['rated_current_a', 'standby_hours'],
  );
  await app.call('saveSupply', {
    siteId,
    originalId: null,
    supply: { ...base, supply_id: 'PS-1', output_voltage: 24, rated_current_a: 4 },
  });
  await rejects(app.call('saveSupply', { siteId, originalId: 'PS-1', supply: { ...base, supply_id: 'ps-2' } }), 'validation');

  await app.call('saveSupply', { siteId, originalId: 'PS-2', supply: { ...base, rated_current_a: '1 A' } });
  p = await power(app, siteId);
  assert.deepEqual(
    p.findings.filter((f) => f.supplyId === 'PS-2'),
    [],
  );
  // Settings change the derating: at 40 % of 1 A the 500 mA peak is over again.
  await app.call('setPowerSettings', {
    siteId,
    supplyDeratingPct: 40,
    batteryDeratingPct: 80,
    voltageTolerancePct: 10,
    currentTolerancePct: 20,
  });
  p = await power(app, siteId);
  assert.deepEqual(
    p.findings.filter((f) => f.supplyId === 'PS-2').map((f) => f.rule_id),
    ['power-overload-peak'],
  );
});

test('meter readings at the door: units, out-of-tolerance finding, kept as the opening record; power-supply filter', async (t) => {
  const { app } = await open(t);
  const siteId = await site(app);
  await app.call('importSupplies', { siteId, fileName: 'ps.csv', contentBase64: b64(SUPPLIES) });
  const bad = await rejects(
    app.call('recordPowerMeasurement', { siteId, openingId: 'M1', voltage: 'about 24', current: '-5 mA', technician: 'ana' }),
    'validation',
  );
  assert.deepEqual(
    (bad.details as FieldIssue[]).map((i) => i.field),
    ['voltage', 'current'],
  );
  const ok = await app.call('recordPowerMeasurement', {
    siteId,
    openingId: 'M1',
    voltage: '23,6 V',
    current: '0.58 A',
    technician: 'ana',
  });
  assert.equal(ok.voltage, 23.6);
  assert.equal(ok.currentMa, 580);
  assert.deepEqual(ok.problems, []);
  const low = await app.call('recordPowerMeasurement', {
    siteId,
    openingId: 'M1',
    voltage: '19.9 V',
    current: '',
    technician: 'ana',
  });
  assert.equal(low.finding?.rule_id, 'power-measured-mismatch');
  const p = await power(app, siteId);
  const f = p.findings.find((x) => x.rule_id === 'power-measured-mismatch');
  assert.match(f!.message, /At M1 on 2026-03-01 \(ana\): 19\.9 V measured at the lock, the schedule says 24 V/);
  assert.equal(f!.supplyId, 'PS-1');
  const history = await app.call('listPowerMeasurements', { siteId, openingId: 'M1' });
  assert.deepEqual(
    history.map((h) => h.voltage),
    [19.9, 23.6],
  );

  const on = (powerSupply: string | null) => app.call('queryOpenings', { siteId, powerSupply });
  assert.deepEqual(
    (await on('ps-2')).rows.map((r) => r.opening_id),
    ['S1', 'S2'],
  );
  assert.equal((await on('')).total, 7);
  assert.equal((await on('PS-9')).total, 0);
});
