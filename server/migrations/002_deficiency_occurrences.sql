-- Repeat failures of an open deficiency ('deficiency-occurrence' records) arrive like every
-- other record: into `records`, by UUID, their parents (the deficiency, the attempt and
-- the step result) checked on arrival. What the office view needs is every record that
-- hangs off a deficiency (its occurrences and status changes), found by the deficiency's
-- UUID, which both kinds carry first in `refs`. A partial index: pushes of other kinds
-- pay nothing for it.
CREATE INDEX records_deficiency_children ON records ((refs[1]), seq)
  WHERE kind IN ('deficiency-occurrence', 'deficiency-status');
