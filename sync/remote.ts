// Results other devices pushed for this laptop's sites, as pulled: every attempt with its
// end (if any), marked with the device and the technician who ran it. They are read
// from sync_remote_records only: never mixed into this laptop's own runs or verdicts.
import type { RemoteResult } from '../core/sync/state';
import type { Db } from '../db/sqlite';

export type RemoteAttempt = RemoteResult;

// Ends and runs are looked up by uuid inside one site's records; the CTEs are built once per
// query (SQLite indexes them itself), not re-scanned per attempt.
const REMOTE_ATTEMPTS = `
  WITH site AS (SELECT server_site FROM sync_sites WHERE site_id = @siteId),
  ends AS MATERIALIZED (
    SELECT json_extract(body, '$.attempt_uuid') AS attempt_uuid, json_extract(body, '$.verdict') AS verdict,
      json_extract(body, '$.reason') AS reason
    FROM sync_remote_records WHERE kind = 'attempt-end' AND server_site = (SELECT server_site FROM site)),
  runs AS MATERIALIZED (
    SELECT uuid, json_extract(body, '$.technician') AS technician
    FROM sync_remote_records WHERE kind = 'run' AND server_site = (SELECT server_site FROM site)),
  attempts AS (
    SELECT a.uuid, json_extract(a.body, '$.opening_id') AS openingId, json_extract(a.body, '$.procedure_id') AS procedureId,
      json_extract(a.body, '$.started_at') AS startedAt, e.verdict, e.reason, coalesce(r.technician, '') AS technician,
      a.device_name AS deviceName, a.server_seq
    FROM sync_remote_records a
    LEFT JOIN ends e ON e.attempt_uuid = a.uuid
    LEFT JOIN runs r ON r.uuid = json_extract(a.body, '$.run_uuid')
    WHERE a.kind = 'attempt' AND a.server_site = (SELECT server_site FROM site))`;

export function listRemoteAttempts(db: Db, siteId: number): RemoteAttempt[] {
  return db
    .prepare<RemoteAttempt>(
      `${REMOTE_ATTEMPTS}
       SELECT uuid, openingId, procedureId, startedAt, verdict, reason, technician, deviceName FROM attempts ORDER BY server_seq`,
    )
    .all({ siteId });
}

/**
 * The latest attempt other devices made of each procedure at each opening (a retest there
 * replaces what came before, as it does here), optionally at one opening only; by opening,
 * then procedure. An attempt not ended yet (still running there, or interrupted) has verdict null.
 */
export function listRemoteLatest(db: Db, siteId: number, openingId?: string): RemoteAttempt[] {
  return db
    .prepare<RemoteAttempt>(
      `${REMOTE_ATTEMPTS},
       ranked AS (
         SELECT *, row_number() OVER (PARTITION BY openingId, procedureId ORDER BY startedAt DESC, server_seq DESC) AS n
         FROM attempts WHERE @openingId IS NULL OR openingId = @openingId)
       SELECT uuid, openingId, procedureId, startedAt, verdict, reason, technician, deviceName FROM ranked
       WHERE n = 1 ORDER BY openingId, procedureId`,
    )
    .all({ siteId, openingId: openingId ?? null });
}
