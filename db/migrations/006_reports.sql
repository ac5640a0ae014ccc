-- Commissioning reports: handwritten signatures (strokes as vectors) and the
-- reports built, with the hashes that identify them. Append-only like the runs:
-- a new signature is a new row (the latest per role counts), a rebuilt report is
-- a new row.

CREATE TABLE handwritten_signatures (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites (id),
  role TEXT NOT NULL CHECK (role IN ('technician', 'witness')),
  name TEXT NOT NULL CHECK (length(trim(name)) > 0),
  title TEXT NOT NULL,
  -- JSON [[[x, y], …], …]: strokes in a 0..1 box, as drawn
  strokes TEXT NOT NULL,
  signed_at TEXT NOT NULL
);
CREATE INDEX handwritten_signatures_site ON handwritten_signatures (site_id, role, id);

CREATE TABLE reports (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites (id),
  file_path TEXT NOT NULL,
  -- sha256 of the signed file as written, and of the embedded model JSON
  file_sha256 TEXT NOT NULL,
  model_sha256 TEXT NOT NULL,
  scope TEXT NOT NULL,
  overall TEXT NOT NULL,
  draft INTEGER NOT NULL CHECK (draft IN (0, 1)),
  signer TEXT NOT NULL,
  event_log_head TEXT,
  event_log_length INTEGER NOT NULL,
  built_at TEXT NOT NULL
);
CREATE INDEX reports_site ON reports (site_id, id);

CREATE TRIGGER handwritten_signatures_no_update BEFORE UPDATE ON handwritten_signatures BEGIN SELECT RAISE(ABORT, 'signatures are append-only: sign again'); END;
CREATE TRIGGER handwritten_signatures_no_delete BEFORE DELETE ON handwritten_signatures BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports BEGIN SELECT RAISE(ABORT, 'reports are append-only: build a new one'); END;
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
