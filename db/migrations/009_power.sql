-- Power sizing (core/power): a site's lock power supplies, its load-model settings, and the
-- lock voltage / current measured at each door. Shipped migrations are never edited.

CREATE TABLE power_supplies (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  -- the id openings name in their power_supply column (matched ignoring case)
  supply_id TEXT NOT NULL,
  -- order in the imported sheet, so export and the Power page follow it
  position INTEGER NOT NULL,
  location TEXT NOT NULL DEFAULT '',
  output_voltage REAL NOT NULL CHECK (output_voltage >= 1 AND output_voltage <= 60),
  rated_current_a REAL NOT NULL CHECK (rated_current_a > 0 AND rated_current_a <= 100),
  battery_ah REAL CHECK (battery_ah >= 0 AND battery_ah <= 1000),
  battery_count INTEGER NOT NULL DEFAULT 0 CHECK (battery_count BETWEEN 0 AND 100),
  battery_voltage REAL NOT NULL DEFAULT 12 CHECK (battery_voltage >= 1 AND battery_voltage <= 60),
  charger_current_a REAL CHECK (charger_current_a >= 0 AND charger_current_a <= 50),
  standby_hours REAL NOT NULL DEFAULT 0 CHECK (standby_hours >= 0 AND standby_hours <= 168),
  fire_alarm_release INTEGER NOT NULL CHECK (fire_alarm_release IN (0, 1)),
  notes TEXT NOT NULL DEFAULT '',
  extras TEXT NOT NULL DEFAULT '{}',
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX power_supplies_site_supply ON power_supplies (site_id, supply_id COLLATE NOCASE);

-- One row per site that changed the defaults (80 % supply and battery derating, ±10 % V, ±20 % mA).
CREATE TABLE power_settings (
  site_id INTEGER PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
  supply_derating REAL NOT NULL CHECK (supply_derating > 0 AND supply_derating <= 1),
  battery_derating REAL NOT NULL CHECK (battery_derating > 0 AND battery_derating <= 1),
  voltage_tolerance_pct REAL NOT NULL CHECK (voltage_tolerance_pct >= 0 AND voltage_tolerance_pct <= 100),
  current_tolerance_pct REAL NOT NULL CHECK (current_tolerance_pct >= 0 AND current_tolerance_pct <= 100)
);

-- Meter readings typed at the door. Append-only: a newer reading of an opening supersedes
-- the older ones, which stay as its record. The schedule's values at the time are kept
-- beside the reading, so the comparison stands after the schedule is edited.
CREATE TABLE power_measurements (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  opening_id TEXT NOT NULL,
  voltage REAL,
  current_ma REAL,
  expected_voltage REAL,
  expected_current_ma INTEGER,
  at TEXT NOT NULL,
  technician TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX power_measurements_opening ON power_measurements (site_id, opening_id, id);
