// `doorcx power` in-process through runCli, over a real SQLite file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../cli/main';
import { tempDir } from '../support/tmp';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test('power: import supplies, the per-supply table and findings, --json, a rejected file', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'site.sqlite');
  const schedule = join(dir, 'tower.csv');
  writeFileSync(
    schedule,
    [
      'opening_id,category,lock_type,fail_mode,egress,power_supply,lock_voltage,lock_current_ma',
      'M1,interior,maglock,fail-safe,mechanical,PS-1,24,500',
      'M2,interior,maglock,fail-safe,mechanical,PS-1,24,500',
      'S1,perimeter,strike,fail-secure,mechanical,PS-1,24,800',
    ].join('\n'),
  );
  assert.equal((await cli('import', schedule, '--db', db)).code, 0);
  const supplies = join(dir, 'supplies.csv');
  // 1.5 A × 0.8 = 1.2 A: normal 1.0 A (83 %), peak 1.0 + 0.8 = 1.8 A (150 %). 7 Ah × 0.8 = 5.6 Ah ÷ 1 A = 5.6 h ≥ 4 h.
  writeFileSync(supplies, 'PSU,Volts,Amps,Battery,Batteries,Standby\nPS-1,24,"1,5 A",7 Ah,2,4 h\n');
  let r = await cli('power', '--db', db, '--site', 'tower', '--import', supplies);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Imported 1 supplies into "tower": 1 added/);
  assert.match(
    r.out,
    /PS-1\s+24 V\s+1\.50 A\s+1\.20 A\s+1\.00 A\s+83 %\s+1\.80 A\s+150 % OVER\s+5\.6 h\s+4 h\s+3 \(2 fail-safe, 1 fail-secure\)/,
  );
  assert.match(r.out, /\[compliance\] power-overload-peak PS-1: PS-1 is overloaded at peak load/);

  r = await cli('power', '--db', db, '--site', 'TOWER', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { supplies: { supplyId: string; peakMa: number; findings: string[] }[]; findings: { ruleId: string }[] };
  assert.deepEqual(
    j.supplies.map((s) => [s.supplyId, s.peakMa, s.findings]),
    [['PS-1', 1800, ['power-overload-peak']]],
  );

  writeFileSync(supplies, 'PSU,Volts,Amps\nPS-1,400,2\n');
  r = await cli('power', '--db', db, '--site', 'tower', '--import', supplies);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    /rejected \(1 problem\); nothing was imported:\n\s+row 2, column "Volts": value "400": Output voltage must be from 1 to 60 V/,
  );
  r = await cli('power', '--db', db, '--site', 'nowhere');
  assert.equal(r.code, 1);
  assert.match(r.err, /There is no site "nowhere"/);
  r = await cli('power', '--db', db);
  assert.equal(r.code, 2);
});
