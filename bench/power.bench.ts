// Power analysis figures (printed, never asserted). Target: a 50,000-opening site over
// 2,000 supplies analysed in ≤ 100 ms (it reruns on every edit). Measured twice: the pure
// model (core/power) and the whole read from a SQLite file (narrow opening read + readings).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzePower, type PowerOpening, type PowerSupply } from '../core/power';
import { CATEGORIES, type Opening } from '../core/schedule/types';
import { migrate } from '../db/migrate';
import { replaceSupplies, sitePower } from '../db/power';
import { createSite, insertOpenings } from '../db/schedule';
import { openSqlite } from '../db/sqlite';
import { createApp } from '../app/index';

const OPENINGS = 50_000;
const SUPPLIES = 2_000;

function supplies(): PowerSupply[] {
  return Array.from({ length: SUPPLIES }, (_, i) => ({
    supply_id: `PS-${i + 1}`,
    location: `Closet ${i + 1}`,
    output_voltage: i % 3 === 0 ? 12 : 24,
    rated_current_a: [2, 4, 6, 10][i % 4]!,
    battery_ah: i % 10 === 0 ? null : [7, 12, 18][i % 3]!,
    battery_count: i % 10 === 0 ? 0 : 2,
    battery_voltage: 12,
    charger_current_a: 0.5,
    standby_hours: [0, 2, 4, 24][i % 4]!,
    fire_alarm_release: i % 2 === 0,
    notes: '',
    extras: {},
  }));
}

function openings(): Opening[] {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return Array.from({ length: OPENINGS }, (_, i): Opening => {
    const failSafe = rnd() < 0.5;
    return {
      opening_id: `O-${String(i).padStart(6, '0')}`,
      building: 'B1',
      floor: String(1 + (i % 12)),
      location: `Room ${i}`,
      door_type: '',
      frame_type: '',
      fire_rating_min: 0,
      category: CATEGORIES[i % 4]!,
      locking_arrangement: 'normal',
      lock_type: failSafe ? 'maglock' : 'electric-strike',
      fail_mode: failSafe ? 'fail-safe' : 'fail-secure',
      egress: rnd() < 0.3 ? 'electronic' : 'mechanical',
      fire_alarm_release: failSafe && rnd() < 0.4,
      hardware_set: '',
      // 1 % on no supply, 1 % on a supply missing from the list
      power_supply: i % 100 === 0 ? '' : i % 100 === 1 ? `PS-X${i % 37}` : `PS-${1 + (i % SUPPLIES)}`,
      lock_voltage: rnd() < 0.05 ? 12 : 24,
      lock_current_ma: rnd() < 0.02 ? null : 250 + (i % 6) * 50,
      pd_address: null,
      lock_output: null,
      alarm_output: null,
      dps_input: null,
      lock_status_input: null,
      rex_input: null,
      code_basis: 'IBC',
      ndaa_889: 'yes',
      taa: 'yes',
      notes: '',
      lock_status_active: 'secured',
      lock_output_active: 'power-on',
      alarm_output_active: 'alarm',
      dps_active: 'open',
      // a tenth of the doors carry accessory / inrush columns
      extras: i % 10 === 0 ? { 'Accessory current (mA)': '35', 'Inrush (mA)': '0.6 A' } : {},
    };
  });
}

/** Wall time and this process's CPU time per run (on a shared, loaded machine the CPU time is the steadier figure). */
function time(fn: () => unknown, runs: number): { best: number; median: number; cpuBest: number; cpuMedian: number } {
  for (let i = 0; i < 3; i++) fn(); // warm-up
  const t: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    fn();
    const used = process.cpuUsage(cpu);
    t.push(performance.now() - start);
    c.push((used.user + used.system) / 1000);
  }
  t.sort((a, b) => a - b);
  c.sort((a, b) => a - b);
  return { best: t[0]!, median: t[Math.floor(t.length / 2)]!, cpuBest: c[0]!, cpuMedian: c[Math.floor(c.length / 2)]! };
}

async function timeAsync(fn: () => Promise<unknown>, runs: number): Promise<ReturnType<typeof time>> {
  for (let i = 0; i < 2; i++) await fn();
  const t: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(cpu);
    t.push(performance.now() - start);
    c.push((used.user + used.system) / 1000);
  }
  t.sort((a, b) => a - b);
  c.sort((a, b) => a - b);
  return { best: t[0]!, median: t[Math.floor(t.length / 2)]!, cpuBest: c[0]!, cpuMedian: c[Math.floor(c.length / 2)]! };
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const fig = (r: ReturnType<typeof time>) =>
  `wall best ${ms(r.best)}, median ${ms(r.median)}; CPU best ${ms(r.cpuBest)}, median ${ms(r.cpuMedian)}`;
const ps = supplies();
const os = openings();
const narrow: PowerOpening[] = os;

const pure = time(() => analyzePower(narrow, ps), 20);
const a = analyzePower(narrow, ps);
console.log(
  `analyzePower (pure), ${OPENINGS} openings over ${SUPPLIES} supplies: ${fig(pure)} (target ≤ 100 ms); ${a.findings.length} findings`,
);

const dir = mkdtempSync(join(tmpdir(), 'doorcx-power-bench-'));
try {
  const db = openSqlite(join(dir, 'bench.sqlite'));
  migrate(db);
  const now = new Date('2026-01-01T00:00:00Z');
  const site = db.transaction(() => {
    const s = createSite(db, 'Bench', now);
    insertOpenings(db, s.id, os, now);
    return s;
  });
  replaceSupplies(db, site.id, ps, now);
  const full = time(() => sitePower(db, site.id), 10);
  db.close();
  // What the Power page waits for on every edit: the API call, validated and answered as JSON.
  const app = await createApp({ dbFile: join(dir, 'bench.sqlite'), dataDir: dir, demo: false });
  let json = 0;
  const api = await timeAsync(async () => {
    json = JSON.stringify(await app.call('getPower', { siteId: site.id })).length;
  }, 10);
  await app.close();
  console.log(`sitePower (SQLite file: narrow read + model + readings): ${fig(full)}`);
  console.log(`getPower through the app (handler + JSON): ${fig(api)}; answer ${(json / 1024).toFixed(0)} kB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
