// Results other devices pushed for this laptop's sites, as pulled: every attempt with its
// end (if any), marked with the device and the technician who ran it. They are read
// from sync_remote_records only: never mixed into this laptop's own runs or verdicts.
import type { RemoteResult } from '../core/sync/state';
import type { Db } from '../db/sqlite';

export type RemoteAttempt = RemoteResult;

// One pass over the site's attempts and ends (migration 012's columns, from its covering
// index), grouped by attempt; the run, for its technician, by its uuid (the primary key).
export const REMOTE_ATTEMPTS = `
  WITH attempts AS (
    SELECT attempt_uuid AS uuid,
      max(CASE kind WHEN 'attempt' THEN opening_id END) AS openingId,
      max(CASE kind WHEN 'attempt' THEN procedure_id END) AS procedureId,
      max(CASE kind WHEN 'attempt' THEN started_at END) AS startedAt,
      max(CASE kind WHEN 'attempt' THEN run_uuid END) AS runUuid,
      max(CASE kind WHEN 'attempt' THEN device_name END) AS deviceName,
      max(CASE kind WHEN 'attempt' THEN server_seq END) AS server_seq,
      max(CASE kind WHEN 'attempt-end' THEN verdict END) AS verdict,
      max(CASE kind WHEN 'attempt-end' THEN reason END) AS reason
    FROM sync_remote_records
    WHERE kind IN ('attempt', 'attempt-end') AND server_site = (SELECT server_site FROM sync_sites WHERE site_id = @siteId)
    GROUP BY 1
    HAVING server_seq IS NOT NULL),
  remote AS (
    SELECT a.uuid, a.openingId, a.procedureId, a.startedAt, a.verdict, a.reason, coalesce(r.technician, '') AS technician,
      a.deviceName, a.server_seq
    FROM attempts a LEFT JOIN sync_remote_records r ON r.uuid = a.runUuid AND r.kind = 'run')`;

/** A body field as json_extract gives it: JSON's scalars as they are, true/false as 1/0, objects and arrays as JSON text. */
function field(body: Record<string, unknown>, key: string): string | number | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return JSON.stringify(v);
}

export interface PulledRow {
  uuid: string;
  seq: number;
  kind: string;
  /** Null (never pulled: a device's events belong to no site) is not stored. */
  site: string | null;
  deviceName: string;
  body: Record<string, unknown>;
}

/** Stores pulled records (a record already here is left as it is), with the fields the runs views read taken out of the body. */
export function storePulled(db: Db, records: readonly PulledRow[]): void {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO sync_remote_records (uuid, server_seq, kind, server_site, device_name, body,
       attempt_uuid, opening_id, procedure_id, started_at, run_uuid, verdict, reason, technician)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of records) {
    const b = r.body;
    const attempt = r.kind === 'attempt';
    const end = r.kind === 'attempt-end';
    insert.run(
      r.uuid,
      r.seq,
      r.kind,
      r.site,
      r.deviceName,
      JSON.stringify(b),
      attempt ? r.uuid : end ? field(b, 'attempt_uuid') : null,
      attempt ? field(b, 'opening_id') : null,
      attempt ? field(b, 'procedure_id') : null,
      attempt ? field(b, 'started_at') : null,
      attempt ? field(b, 'run_uuid') : null,
      end ? field(b, 'verdict') : null,
      end ? field(b, 'reason') : null,
      r.kind === 'run' ? field(b, 'technician') : null,
    );
  }
}

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
