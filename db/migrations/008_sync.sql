-- Sync with the company server. The outbox is the append-only tables themselves:
-- sync_cursors says, per server enrolment and table, up to which local id the server
-- has acknowledged. Nothing here is a copy of a local result.

-- This database's own id (its event chain and derived record ids are keyed by it) and
-- the enrolment: server URL, device id and token (the token is the device's secret).
CREATE TABLE sync_device (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  origin TEXT NOT NULL,
  server_url TEXT,
  device_id TEXT,
  device_name TEXT,
  token TEXT,
  enrolled_at TEXT
);

CREATE TABLE sync_cursors (
  device_id TEXT NOT NULL,
  table_name TEXT NOT NULL,
  acked_id INTEGER NOT NULL,
  PRIMARY KEY (device_id, table_name)
);

-- A local site linked to its server site, the schedule version last applied from the
-- server, and a newer version waiting for the technician to accept its diff.
CREATE TABLE sync_sites (
  site_id INTEGER PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
  server_site TEXT NOT NULL UNIQUE,
  applied_version INTEGER NOT NULL DEFAULT 0,
  offered_version INTEGER,
  offered_csv TEXT
);

-- Server sites granted to this device that are not on this laptop yet (accepting one imports it).
CREATE TABLE sync_offered_sites (
  server_site TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  csv TEXT NOT NULL
);

-- Results other devices pushed for the sites this device holds, as the server sent them.
CREATE TABLE sync_remote_records (
  uuid TEXT PRIMARY KEY,
  server_seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  server_site TEXT NOT NULL,
  device_name TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX sync_remote_site ON sync_remote_records (server_site, kind, server_seq);

-- One row: the pull cursor and what the last sync did (for the pill and the Sync page).
CREATE TABLE sync_status (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pull_seq INTEGER NOT NULL DEFAULT 0,
  last_success_at TEXT,
  last_error TEXT,
  last_error_at TEXT
);
INSERT INTO sync_status (id) VALUES (1);

-- attempt_ends is keyed by its attempt, and attempts end in any order: this journal gives
-- ends an arrival order the outbox cursor can follow (filled by the trigger, existing ends
-- first in the order they ended).
CREATE TABLE sync_end_journal (
  id INTEGER PRIMARY KEY,
  attempt_id INTEGER NOT NULL UNIQUE REFERENCES attempt_ends (attempt_id)
);
INSERT INTO sync_end_journal (attempt_id) SELECT attempt_id FROM attempt_ends ORDER BY ended_at, attempt_id;
CREATE TRIGGER sync_end_journal_add AFTER INSERT ON attempt_ends BEGIN
  INSERT INTO sync_end_journal (attempt_id) VALUES (NEW.attempt_id);
END;
