-- Door schedule workspace: sites, openings, computed rule findings, edit history, settings.
-- Shipped migrations are never edited: change the schema in a new numbered file.

CREATE TABLE sites (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sites_name ON sites (name COLLATE NOCASE);

-- One row per opening (door assembly). Every canonical schedule column, plus the
-- columns the import did not recognise (extras, JSON object header → value).
CREATE TABLE openings (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  opening_id TEXT NOT NULL,
  -- order of the row in the imported file, so export and the default table order follow the schedule
  position INTEGER NOT NULL,
  building TEXT NOT NULL DEFAULT '',
  floor TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  door_type TEXT NOT NULL DEFAULT '',
  frame_type TEXT NOT NULL DEFAULT '',
  fire_rating_min INTEGER NOT NULL DEFAULT 0 CHECK (fire_rating_min BETWEEN 0 AND 240),
  category TEXT NOT NULL CHECK (category IN ('egress', 'perimeter', 'high-security', 'interior')),
  locking_arrangement TEXT NOT NULL CHECK (
    locking_arrangement IN ('normal', 'door-hardware-release', 'sensor-release', 'delayed-egress-15', 'delayed-egress-30',
      'controlled-egress', 'elevator-lobby', 'stair-reentry')
  ),
  lock_type TEXT NOT NULL CHECK (
    lock_type IN ('maglock', 'electric-strike', 'electrified-mortise', 'electrified-exit-device', 'electrified-cylindrical', 'other')
  ),
  fail_mode TEXT NOT NULL CHECK (fail_mode IN ('fail-safe', 'fail-secure')),
  egress TEXT NOT NULL CHECK (egress IN ('mechanical', 'electronic')),
  fire_alarm_release INTEGER NOT NULL CHECK (fire_alarm_release IN (0, 1)),
  hardware_set TEXT NOT NULL DEFAULT '',
  power_supply TEXT NOT NULL DEFAULT '',
  lock_voltage REAL,
  lock_current_ma INTEGER,
  pd_address INTEGER CHECK (pd_address BETWEEN 0 AND 126),
  lock_output INTEGER CHECK (lock_output BETWEEN 0 AND 255),
  alarm_output INTEGER CHECK (alarm_output BETWEEN 0 AND 255),
  dps_input INTEGER CHECK (dps_input BETWEEN 0 AND 255),
  lock_status_input INTEGER CHECK (lock_status_input BETWEEN 0 AND 255),
  rex_input INTEGER CHECK (rex_input BETWEEN 0 AND 255),
  code_basis TEXT NOT NULL DEFAULT '',
  ndaa_889 TEXT NOT NULL CHECK (ndaa_889 IN ('yes', 'no', 'unknown')),
  taa TEXT NOT NULL CHECK (taa IN ('yes', 'no', 'unknown')),
  notes TEXT NOT NULL DEFAULT '',
  lock_status_active TEXT NOT NULL DEFAULT 'secured' CHECK (lock_status_active IN ('secured', 'released')),
  dps_active TEXT NOT NULL DEFAULT 'open' CHECK (dps_active IN ('open', 'closed')),
  extras TEXT NOT NULL DEFAULT '{}',
  -- bumped on every change; a form saved against an older version is a conflict
  version INTEGER NOT NULL DEFAULT 1,
  -- denormalised from opening_findings so the table sorts and colours rows without a join
  finding_count INTEGER NOT NULL DEFAULT 0,
  worst_severity TEXT,
  -- 0 = life-safety … 3 = procurement, 4 = no finding (sorts worst first)
  worst_rank INTEGER NOT NULL DEFAULT 4,
  -- bit i set = at least one finding of severity i (same order), so a severity filter is one expression
  severity_mask INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  UNIQUE (site_id, opening_id)
);
-- One narrow copy of what the table filters and searches on, in schedule order: a page
-- of a filtered/searched table and its total count read this index, not the wide rows.
-- (Few indexes on purpose: each one is paid for on every imported row.)
CREATE INDEX openings_table ON openings (
  site_id, position, category, fail_mode, lock_type, locking_arrangement, severity_mask, opening_id, location, notes
);
CREATE INDEX openings_site_worst ON openings (site_id, worst_rank, position);
CREATE INDEX openings_site_pd ON openings (site_id, pd_address);

-- Rule results, recomputed on import and on every edit (core/rules), stored so the
-- table can filter and count by severity in SQL. The message and cited sections are a
-- pure function of the opening and the rule, so they are rendered on read rather than
-- stored 50,000 times over.
CREATE TABLE opening_findings (
  id INTEGER PRIMARY KEY,
  opening_ref INTEGER NOT NULL REFERENCES openings (id) ON DELETE CASCADE,
  site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('life-safety', 'security', 'compliance', 'procurement'))
);
CREATE INDEX opening_findings_opening ON opening_findings (opening_ref);
CREATE INDEX opening_findings_site_severity ON opening_findings (site_id, severity, opening_ref);

-- Who changed which field when. Kept by (site, opening id) text so history survives
-- an opening being removed by a re-import.
CREATE TABLE opening_edits (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  opening_id TEXT NOT NULL,
  at TEXT NOT NULL,
  editor TEXT NOT NULL,
  field TEXT NOT NULL,
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('form', 'import'))
);
CREATE INDEX opening_edits_opening ON opening_edits (site_id, opening_id, id);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
