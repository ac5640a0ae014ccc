// Results other devices pushed for this laptop's sites, as pulled: every attempt with its
// end (if any), marked with the device and the technician who ran it. They are read
// from sync_remote_records only: never mixed into this laptop's own runs or verdicts.
import type { RemoteResult } from '../core/sync/state';
import type { Db } from '../db/sqlite';

export type RemoteAttempt = RemoteResult;

// One pass over the site's attempts and ends, grouped by attempt (an end names its attempt
// inside its body, so no index can join them: a per-attempt lookup made this quadratic);
// the run, for its technician, by its uuid (the primary key).
const REMOTE_ATTEMPTS = `
  WITH attempts AS (
    SELECT CASE kind WHEN 'attempt' THEN uuid ELSE json_extract(body, '$.attempt_uuid') END AS uuid,
      max(CASE kind WHEN 'attempt' THEN json_extract(body, '$.opening_id') END) AS openingId,
      max(CASE kind WHEN 'attempt' THEN json_extract(body, '$.procedure_id') END) AS procedureId,
      max(CASE kind WHEN 'attempt' THEN json_extract(body, '$.started_at') END) AS startedAt,
      max(CASE kind WHEN 'attempt' THEN json_extract(body, '$.run_uuid') END) AS runUuid,
      max(CASE kind WHEN 'attempt' THEN device_name END) AS deviceName,
      max(CASE kind WHEN 'attempt' THEN server_seq END) AS server_seq,
      max(CASE kind WHEN 'attempt-end' THEN json_extract(body, '$.verdict') END) AS verdict,
      max(CASE kind WHEN 'attempt-end' THEN json_extract(body, '$.reason') END) AS reason
    FROM sync_remote_records
    WHERE kind IN ('attempt', 'attempt-end') AND server_site = (SELECT server_site FROM sync_sites WHERE site_id = @siteId)
    GROUP BY 1
    HAVING server_seq IS NOT NULL),
  remote AS (
    SELECT a.uuid, a.openingId, a.procedureId, a.startedAt, a.verdict, a.reason, coalesce(json_extract(r.body, '$.technician'), '') AS technician,
      a.deviceName, a.server_seq
    FROM attempts a LEFT JOIN sync_remote_records r ON r.uuid = a.runUuid AND r.kind = 'run')`;

export function listRemoteAttempts(db: Db, siteId: number): RemoteAttempt[] {
  return db
    .prepare<RemoteAttempt>(
      `${REMOTE_ATTEMPTS}
       SELECT uuid, openingId, procedureId, startedAt, verdict, reason, technician, deviceName FROM remote ORDER BY server_seq`,
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
         FROM remote WHERE @openingId IS NULL OR openingId = @openingId)
       SELECT uuid, openingId, procedureId, startedAt, verdict, reason, technician, deviceName FROM ranked
       WHERE n = 1 ORDER BY openingId, procedureId`,
    )
    .all({ siteId, openingId: openingId ?? null });
}
