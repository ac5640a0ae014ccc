-- Other devices' attempts, their ends and runs, as the runs views read them on every
-- refresh: the fields those views need, taken out of the JSON body once, when a record
-- is stored (json_extract parses the whole body on every read, and an attempt's body is
-- kilobytes). Untyped columns keep what json_extract gives, type and all.
ALTER TABLE sync_remote_records ADD COLUMN attempt_uuid;
ALTER TABLE sync_remote_records ADD COLUMN opening_id;
ALTER TABLE sync_remote_records ADD COLUMN procedure_id;
ALTER TABLE sync_remote_records ADD COLUMN started_at;
ALTER TABLE sync_remote_records ADD COLUMN run_uuid;
ALTER TABLE sync_remote_records ADD COLUMN verdict;
ALTER TABLE sync_remote_records ADD COLUMN reason;
ALTER TABLE sync_remote_records ADD COLUMN technician;

UPDATE sync_remote_records SET attempt_uuid = uuid, opening_id = json_extract(body, '$.opening_id'),
  procedure_id = json_extract(body, '$.procedure_id'), started_at = json_extract(body, '$.started_at'),
  run_uuid = json_extract(body, '$.run_uuid')
WHERE kind = 'attempt';
UPDATE sync_remote_records SET attempt_uuid = json_extract(body, '$.attempt_uuid'), verdict = json_extract(body, '$.verdict'),
  reason = json_extract(body, '$.reason')
WHERE kind = 'attempt-end';
UPDATE sync_remote_records SET technician = json_extract(body, '$.technician') WHERE kind = 'run';

-- Covering: a site's attempts and ends are read from the index alone, never from the rows
-- that hold the bodies.
CREATE INDEX sync_remote_attempts ON sync_remote_records (server_site, kind, attempt_uuid, opening_id, procedure_id, started_at,
  run_uuid, verdict, reason, device_name, server_seq) WHERE kind IN ('attempt', 'attempt-end');
