// Results other devices pushed for this laptop's sites, as pulled: every attempt with its
// end (if any), marked with the device and the technician who ran it.
import type { RemoteResult } from '../core/sync/state';
import type { Db } from '../db/sqlite';

export type RemoteAttempt = RemoteResult;

export function listRemoteAttempts(db: Db, siteId: number): RemoteAttempt[] {
  return db
    .prepare<RemoteAttempt>(
      `SELECT a.uuid, json_extract(a.body, '$.opening_id') AS openingId, json_extract(a.body, '$.procedure_id') AS procedureId,
         json_extract(a.body, '$.started_at') AS startedAt, json_extract(e.body, '$.verdict') AS verdict, json_extract(e.body, '$.reason') AS reason,
         coalesce(json_extract(r.body, '$.technician'), '') AS technician, a.device_name AS deviceName
       FROM sync_sites ss JOIN sync_remote_records a ON a.server_site = ss.server_site AND a.kind = 'attempt'
       LEFT JOIN sync_remote_records e ON e.kind = 'attempt-end' AND json_extract(e.body, '$.attempt_uuid') = a.uuid
       LEFT JOIN sync_remote_records r ON r.kind = 'run' AND r.uuid = json_extract(a.body, '$.run_uuid')
       WHERE ss.site_id = ? ORDER BY a.server_seq`,
    )
    .all(siteId);
}
