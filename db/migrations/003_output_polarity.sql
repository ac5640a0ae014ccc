-- Output polarity beside the input polarities: some installations drop lock power
-- (or signal the fire alarm) with the output ON, through a normally-closed contact.
-- Existing openings keep the usual wiring (ON = lock power present / alarm simulated).
ALTER TABLE openings ADD COLUMN lock_output_active TEXT NOT NULL DEFAULT 'power-on'
  CHECK (lock_output_active IN ('power-on', 'power-off'));
ALTER TABLE openings ADD COLUMN alarm_output_active TEXT NOT NULL DEFAULT 'alarm'
  CHECK (alarm_output_active IN ('alarm', 'no-alarm'));
