-- A repeat failure of the same risk at the same opening is a new occurrence of the
-- open deficiency, not another identical deficiency. Append-only like the rest.

CREATE TABLE deficiency_occurrences (
  id INTEGER PRIMARY KEY,
  deficiency_id INTEGER NOT NULL REFERENCES deficiencies (id),
  attempt_id INTEGER NOT NULL REFERENCES attempts (id),
  step_result_id INTEGER NOT NULL REFERENCES step_results (id),
  at TEXT NOT NULL
);
CREATE INDEX deficiency_occurrences_def ON deficiency_occurrences (deficiency_id, id);
CREATE INDEX deficiency_occurrences_step ON deficiency_occurrences (step_result_id);

CREATE TRIGGER deficiency_occurrences_no_update BEFORE UPDATE ON deficiency_occurrences BEGIN SELECT RAISE(ABORT, 'deficiency_occurrences is append-only'); END;
CREATE TRIGGER deficiency_occurrences_no_delete BEFORE DELETE ON deficiency_occurrences BEGIN SELECT RAISE(ABORT, 'deficiency_occurrences is append-only'); END;
