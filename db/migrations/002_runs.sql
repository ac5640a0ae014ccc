-- Commissioning runs: procedure attempts, step results, deficiencies, photos and
-- the hash-chained event log. Recorded results are NEVER updated or deleted: the
-- triggers below abort any UPDATE or DELETE. A retest or correction is a new row
-- that supersedes the old one; a status change is a new status row.
-- Openings are referenced by their schedule id (text) plus a snapshot of the
-- opening as tested, so re-importing the schedule never touches recorded results.

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  site_id INTEGER NOT NULL REFERENCES sites (id),
  technician TEXT NOT NULL,
  started_at TEXT NOT NULL,
  -- ProjectSettings as JSON: edition, thresholds, AHJ note
  settings TEXT NOT NULL
);
CREATE INDEX runs_site ON runs (site_id, id);

-- One execution of one procedure on one opening.
CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  run_id INTEGER NOT NULL REFERENCES runs (id),
  opening_id TEXT NOT NULL,
  procedure_id TEXT NOT NULL,
  -- the opening and the planned procedure (steps, thresholds) exactly as tested
  opening_snapshot TEXT NOT NULL,
  plan TEXT NOT NULL,
  link TEXT,
  started_at TEXT NOT NULL,
  supersedes INTEGER REFERENCES attempts (id)
);
CREATE INDEX attempts_run_opening ON attempts (run_id, opening_id, procedure_id, id);
CREATE INDEX attempts_supersedes ON attempts (supersedes);

-- The end of an attempt (absent = still running, or interrupted by a crash).
CREATE TABLE attempt_ends (
  attempt_id INTEGER PRIMARY KEY REFERENCES attempts (id),
  verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'inconclusive')),
  reason TEXT NOT NULL,
  ended_at TEXT NOT NULL
);

CREATE TABLE step_results (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  attempt_id INTEGER NOT NULL REFERENCES attempts (id),
  step_index INTEGER NOT NULL,
  step_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'inconclusive')),
  reason TEXT NOT NULL,
  measured_ms REAL,
  resolution_ms REAL,
  -- wall-clock ms
  started_at REAL NOT NULL,
  ended_at REAL NOT NULL,
  person_evidence INTEGER NOT NULL CHECK (person_evidence IN (0, 1)),
  -- JSON: input trace, answers, commands
  evidence TEXT NOT NULL,
  -- JSON {severity, description} when the step failed
  deficiency TEXT,
  supersedes INTEGER REFERENCES step_results (id),
  recorded_at TEXT NOT NULL
);
CREATE INDEX step_results_attempt ON step_results (attempt_id, step_index, id);

CREATE TABLE deficiencies (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  site_id INTEGER NOT NULL REFERENCES sites (id),
  run_id INTEGER REFERENCES runs (id),
  opening_id TEXT NOT NULL,
  procedure_id TEXT,
  step_result_id INTEGER REFERENCES step_results (id),
  severity TEXT NOT NULL CHECK (severity IN ('life-safety', 'security', 'compliance', 'procurement')),
  description TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('step', 'manual')),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE INDEX deficiencies_site ON deficiencies (site_id, opening_id, id);

-- Status history; the current status is the latest row.
CREATE TABLE deficiency_status (
  id INTEGER PRIMARY KEY,
  deficiency_id INTEGER NOT NULL REFERENCES deficiencies (id),
  status TEXT NOT NULL CHECK (status IN ('open', 'fixed-retested', 'accepted-by-ahj')),
  note TEXT NOT NULL,
  at TEXT NOT NULL,
  by TEXT NOT NULL,
  retest_attempt_id INTEGER REFERENCES attempts (id),
  CHECK (status <> 'accepted-by-ahj' OR length(trim(note)) > 0),
  CHECK (status <> 'fixed-retested' OR retest_attempt_id IS NOT NULL)
);
CREATE INDEX deficiency_status_def ON deficiency_status (deficiency_id, id);

-- Photo files live beside the database (dataDir/attachments/<sha256>), referenced by hash.
CREATE TABLE attachments (
  id INTEGER PRIMARY KEY,
  deficiency_id INTEGER NOT NULL REFERENCES deficiencies (id),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  file_name TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX attachments_deficiency ON attachments (deficiency_id);
CREATE INDEX attachments_sha ON attachments (sha256);

-- Every command, reading batch, confirmation and result, chained:
-- hash = sha256(prev_hash || canonical JSON (RFC 8785) of {seq, at, type, runId, attemptId, payload}).
CREATE TABLE event_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  run_id INTEGER,
  attempt_id INTEGER,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE
);

CREATE TRIGGER runs_no_update BEFORE UPDATE ON runs BEGIN SELECT RAISE(ABORT, 'runs are append-only: start a new run'); END;
CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs BEGIN SELECT RAISE(ABORT, 'runs are append-only: recorded runs are never deleted'); END;
CREATE TRIGGER attempts_no_update BEFORE UPDATE ON attempts BEGIN SELECT RAISE(ABORT, 'attempts are append-only: a retest is a new attempt that supersedes the old one'); END;
CREATE TRIGGER attempts_no_delete BEFORE DELETE ON attempts BEGIN SELECT RAISE(ABORT, 'attempts are append-only: recorded attempts are never deleted'); END;
CREATE TRIGGER attempt_ends_no_update BEFORE UPDATE ON attempt_ends BEGIN SELECT RAISE(ABORT, 'attempt_ends are append-only'); END;
CREATE TRIGGER attempt_ends_no_delete BEFORE DELETE ON attempt_ends BEGIN SELECT RAISE(ABORT, 'attempt_ends are append-only'); END;
CREATE TRIGGER step_results_no_update BEFORE UPDATE ON step_results BEGIN SELECT RAISE(ABORT, 'step_results are append-only: a correction is a new row that supersedes the old one'); END;
CREATE TRIGGER step_results_no_delete BEFORE DELETE ON step_results BEGIN SELECT RAISE(ABORT, 'step_results are append-only: recorded results are never deleted'); END;
CREATE TRIGGER deficiencies_no_update BEFORE UPDATE ON deficiencies BEGIN SELECT RAISE(ABORT, 'deficiencies are append-only: change the status with a new status row'); END;
CREATE TRIGGER deficiencies_no_delete BEFORE DELETE ON deficiencies BEGIN SELECT RAISE(ABORT, 'deficiencies are append-only'); END;
CREATE TRIGGER deficiency_status_no_update BEFORE UPDATE ON deficiency_status BEGIN SELECT RAISE(ABORT, 'deficiency_status is append-only'); END;
CREATE TRIGGER deficiency_status_no_delete BEFORE DELETE ON deficiency_status BEGIN SELECT RAISE(ABORT, 'deficiency_status is append-only'); END;
CREATE TRIGGER attachments_no_update BEFORE UPDATE ON attachments BEGIN SELECT RAISE(ABORT, 'attachments are append-only'); END;
CREATE TRIGGER attachments_no_delete BEFORE DELETE ON attachments BEGIN SELECT RAISE(ABORT, 'attachments are append-only'); END;
CREATE TRIGGER event_log_no_update BEFORE UPDATE ON event_log BEGIN SELECT RAISE(ABORT, 'event_log is append-only'); END;
CREATE TRIGGER event_log_no_delete BEFORE DELETE ON event_log BEGIN SELECT RAISE(ABORT, 'event_log is append-only'); END;
