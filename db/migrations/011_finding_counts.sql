-- An opening's rule findings are counted by severity on its own row instead of stored as
-- one opening_findings row each. What the table filters, sorts and counts on was already on
-- the row (finding_count, worst_rank, severity_mask); the per-severity counts were the only
-- thing read from opening_findings, and a finding's message and cited sections are rendered
-- from the opening on read. A 50,000-opening import wrote about 80,000 finding rows and
-- two indexes over them: about a third of its database work.
ALTER TABLE openings ADD COLUMN life_safety_findings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE openings ADD COLUMN security_findings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE openings ADD COLUMN compliance_findings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE openings ADD COLUMN procurement_findings INTEGER NOT NULL DEFAULT 0;

UPDATE openings SET
  life_safety_findings = (SELECT COUNT(*) FROM opening_findings f WHERE f.opening_ref = openings.id AND f.severity = 'life-safety'),
  security_findings = (SELECT COUNT(*) FROM opening_findings f WHERE f.opening_ref = openings.id AND f.severity = 'security'),
  compliance_findings = (SELECT COUNT(*) FROM opening_findings f WHERE f.opening_ref = openings.id AND f.severity = 'compliance'),
  procurement_findings = (SELECT COUNT(*) FROM opening_findings f WHERE f.opening_ref = openings.id AND f.severity = 'procurement')
WHERE finding_count > 0;

DROP TABLE opening_findings;
