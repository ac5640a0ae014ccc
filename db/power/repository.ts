// Power supplies, load-model settings and door meter readings over `Db`.
import {
  DEFAULT_POWER_SETTINGS,
  SUPPLY_FIELDS,
  type PowerMeasurement,
  type PowerOpening,
  type PowerSettings,
  type PowerSupply,
} from '../../core/power';
import { stmt } from '../schedule/repository';
import type { Db, SqlValue } from '../sqlite';

type Row = Record<string, unknown>;

function rowToSupply(r: Row): PowerSupply {
  return {
    supply_id: r.supply_id as string,
    location: r.location as string,
    output_voltage: r.output_voltage as number,
    rated_current_a: r.rated_current_a as number,
    battery_ah: (r.battery_ah as number | null) ?? null,
    battery_count: r.battery_count as number,
    battery_voltage: r.battery_voltage as number,
    charger_current_a: (r.charger_current_a as number | null) ?? null,
    standby_hours: r.standby_hours as number,
    fire_alarm_release: r.fire_alarm_release === 1,
    notes: r.notes as string,
    extras: JSON.parse(r.extras as string) as Record<string, string>,
  };
}

function supplyParams(s: PowerSupply): SqlValue[] {
  return [...SUPPLY_FIELDS.map((f) => (typeof s[f] === 'boolean' ? (s[f] ? 1 : 0) : (s[f] as SqlValue))), JSON.stringify(s.extras)];
}

const COLS = [...SUPPLY_FIELDS, 'extras'];
const INSERT_SQL = `INSERT INTO power_supplies (site_id, position, updated_at, ${COLS.join(', ')}) VALUES (?, ?, ?, ${COLS.map(() => '?').join(', ')})`;

/** A site's supplies in sheet order. */
export function listSupplies(db: Db, siteId: number): PowerSupply[] {
  return stmt<Row>(db, 'SELECT * FROM power_supplies WHERE site_id = ? ORDER BY position, id').all(siteId).map(rowToSupply);
}

export function getSupply(db: Db, siteId: number, supplyId: string): PowerSupply | undefined {
  const r = stmt<Row>(db, 'SELECT * FROM power_supplies WHERE site_id = ? AND supply_id = ? COLLATE NOCASE').get(siteId, supplyId);
  return r && rowToSupply(r);
}

/** Replaces the site's whole supply list (an import), in one transaction. */
export function replaceSupplies(db: Db, siteId: number, supplies: readonly PowerSupply[], now: Date): void {
  db.transaction(() => {
    stmt(db, 'DELETE FROM power_supplies WHERE site_id = ?').run(siteId);
    const at = now.toISOString();
    supplies.forEach((s, i) => stmt(db, INSERT_SQL).run(siteId, i, at, ...supplyParams(s)));
  });
}

/**
 * Saves one supply from the form. `originalId` is the id it was loaded with (null = a new
 * supply); renaming onto another supply's id is refused by the caller before this.
 */
export function saveSupply(db: Db, siteId: number, originalId: string | null, s: PowerSupply, now: Date): void {
  db.transaction(() => {
    const at = now.toISOString();
    const existing =
      originalId === null
        ? undefined
        : stmt<{ id: number; position: number }>(
            db,
            'SELECT id, position FROM power_supplies WHERE site_id = ? AND supply_id = ? COLLATE NOCASE',
          ).get(siteId, originalId);
    if (existing) {
      stmt(db, `UPDATE power_supplies SET ${COLS.map((c) => `${c} = ?`).join(', ')}, updated_at = ? WHERE id = ?`).run(
        ...supplyParams(s),
        at,
        existing.id,
      );
      return;
    }
    const next =
      (stmt<{ m: number | null }>(db, 'SELECT MAX(position) AS m FROM power_supplies WHERE site_id = ?').get(siteId)?.m ?? -1) + 1;
    stmt(db, INSERT_SQL).run(siteId, next, at, ...supplyParams(s));
  });
}

export function deleteSupply(db: Db, siteId: number, supplyId: string): boolean {
  return stmt(db, 'DELETE FROM power_supplies WHERE site_id = ? AND supply_id = ? COLLATE NOCASE').run(siteId, supplyId).changes > 0;
}

export function getPowerSettings(db: Db, siteId: number): PowerSettings {
  const r = stmt<Row>(db, 'SELECT * FROM power_settings WHERE site_id = ?').get(siteId);
  if (!r) return { ...DEFAULT_POWER_SETTINGS };
  return {
    supplyDerating: r.supply_derating as number,
    batteryDerating: r.battery_derating as number,
    voltageTolerancePct: r.voltage_tolerance_pct as number,
    currentTolerancePct: r.current_tolerance_pct as number,
  };
}

export function setPowerSettings(db: Db, siteId: number, s: PowerSettings): void {
  stmt(
    db,
    `INSERT INTO power_settings (site_id, supply_derating, battery_derating, voltage_tolerance_pct, current_tolerance_pct) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (site_id) DO UPDATE SET supply_derating = excluded.supply_derating, battery_derating = excluded.battery_derating,
       voltage_tolerance_pct = excluded.voltage_tolerance_pct, current_tolerance_pct = excluded.current_tolerance_pct`,
  ).run(siteId, s.supplyDerating, s.batteryDerating, s.voltageTolerancePct, s.currentTolerancePct);
}

const MAY_HAVE_CURRENTS = /accessor|inrush/i;

/** Only the columns the load model reads, for every opening of a site (a narrow read: it reruns on every edit). */
export function listPowerOpenings(db: Db, siteId: number): PowerOpening[] {
  const rows = stmt<Row>(
    db,
    `SELECT opening_id, category, fail_mode, egress, fire_alarm_release, power_supply, lock_voltage, lock_current_ma, extras
       FROM openings WHERE site_id = ? ORDER BY position`,
  ).all(siteId);
  const out: PowerOpening[] = new Array<PowerOpening>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const extras = r.extras as string;
    out[i] = {
      opening_id: r.opening_id as string,
      category: r.category as PowerOpening['category'],
      fail_mode: r.fail_mode as PowerOpening['fail_mode'],
      egress: r.egress as PowerOpening['egress'],
      fire_alarm_release: r.fire_alarm_release === 1,
      power_supply: r.power_supply as string,
      lock_voltage: (r.lock_voltage as number | null) ?? null,
      lock_current_ma: (r.lock_current_ma as number | null) ?? null,
      // The model reads only accessory and inrush columns from extras: parse only rows that may have them.
      extras: MAY_HAVE_CURRENTS.test(extras) ? (JSON.parse(extras) as Record<string, string>) : {},
    };
  }
  return out;
}

export interface MeasurementRecord extends PowerMeasurement {
  id: number;
  expectedVoltage: number | null;
  expectedCurrentMa: number | null;
}

function toMeasurement(r: Row): MeasurementRecord {
  return {
    id: r.id as number,
    opening_id: r.opening_id as string,
    voltage: (r.voltage as number | null) ?? null,
    current_ma: (r.current_ma as number | null) ?? null,
    expectedVoltage: (r.expected_voltage as number | null) ?? null,
    expectedCurrentMa: (r.expected_current_ma as number | null) ?? null,
    at: r.at as string,
    technician: r.technician as string,
    note: r.note as string,
  };
}

export function recordMeasurement(
  db: Db,
  siteId: number,
  m: PowerMeasurement,
  expected: { voltage: number | null; currentMa: number | null },
): MeasurementRecord {
  const info = stmt(
    db,
    `INSERT INTO power_measurements (site_id, opening_id, voltage, current_ma, expected_voltage, expected_current_ma, at, technician, note)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(siteId, m.opening_id, m.voltage, m.current_ma, expected.voltage, expected.currentMa, m.at, m.technician, m.note);
  return { ...m, id: Number(info.lastInsertRowid), expectedVoltage: expected.voltage, expectedCurrentMa: expected.currentMa };
}

/** An opening's readings, newest first. */
export function listMeasurements(db: Db, siteId: number, openingId: string): MeasurementRecord[] {
  return stmt<Row>(db, 'SELECT * FROM power_measurements WHERE site_id = ? AND opening_id = ? ORDER BY id DESC')
    .all(siteId, openingId)
    .map(toMeasurement);
}

/** The newest reading of every measured opening of a site. */
export function latestMeasurements(db: Db, siteId: number): MeasurementRecord[] {
  return stmt<Row>(
    db,
    `SELECT m.* FROM power_measurements m
       JOIN (SELECT opening_id, MAX(id) AS id FROM power_measurements WHERE site_id = ? GROUP BY opening_id) last ON last.id = m.id
     ORDER BY m.opening_id`,
  )
    .all(siteId)
    .map(toMeasurement);
}
