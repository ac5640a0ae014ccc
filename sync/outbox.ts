// The outbox is the append-only tables themselves. Each source below reads one table
// past its cursor (the last local id the server acknowledged for this enrolment) and
// turns rows into wire records: local integer keys become the UUIDs of the rows they
// point at, so the server never sees a device's private numbering (except inside the
// event log, whose hashed content must stay exactly as written).
import { hash, randomUUID } from 'node:crypto';
import { derivedUuid, type RecordKind, type WireRecord } from '../core/sync/wire';
import type { Db } from '../db/sqlite';

export const sha256 = (text: string): string => hash('sha256', text, 'hex');

/**
 * JSON text as the database holds it (an event's payload): encodePush writes it into the
 * push as it is, without parsing it and writing it again; anything else that serialises
 * a record gets the parsed value.
 */
export class StoredJson {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text) as unknown;
  }
}

interface Source {
  table: string;
  kind: RecordKind;
  /** Words for the Sync page's pending counts. */
  label: string;
  /** Highest local id now (the snapshot a sync drains up to). */
  maxSql: string;
  /** Rows with from < id <= to, oldest first, at most `limit`; each row has `_id` and `_site` (server site or null). */
  rowsSql: string;
  toRecord(row: Record<string, unknown>, origin: string): WireRecord;
}

const s = (v: unknown): string => String(v);
const refs = (...ids: unknown[]): string[] => ids.filter((x): x is string => typeof x === 'string');

/**
 * Parents before children: pushing in this order, each up to one snapshot, never sends an orphan.
 * Body keys come in code-unit order (the SELECT lists are sorted so): the server then writes a
 * body's canonical text by JSON.stringify as it is, without sorted copies.
 */
export const SOURCES: Source[] = [
  {
    table: 'runs',
    kind: 'run',
    label: 'runs',
    maxSql: 'SELECT coalesce(max(id), 0) AS m FROM runs',
    rowsSql: `SELECT r.id AS _id, ss.server_site AS _site, r.uuid, r.technician, r.started_at, r.settings
      FROM runs r LEFT JOIN sync_sites ss ON ss.site_id = r.site_id WHERE r.id > ? AND r.id <= ? ORDER BY r.id LIMIT ?`,
    toRecord: (r) => ({
      kind: 'run',
      uuid: s(r.uuid),
      site: s(r._site),
      refs: [],
      body: { settings: r.settings, started_at: r.started_at, technician: r.technician },
    }),
  },
  {
    table: 'attempts',
    kind: 'attempt',
    label: 'attempts',
    maxSql: 'SELECT coalesce(max(id), 0) AS m FROM attempts',
    rowsSql: `SELECT a.id AS _id, ss.server_site AS _site, a.uuid, a.link, a.opening_id, a.opening_snapshot, a.plan,
        a.procedure_id, r.uuid AS run_uuid, a.started_at, sup.uuid AS supersedes_uuid
      FROM attempts a JOIN runs r ON r.id = a.run_id LEFT JOIN sync_sites ss ON ss.site_id = r.site_id
      LEFT JOIN attempts sup ON sup.id = a.supersedes WHERE a.id > ? AND a.id <= ? ORDER BY a.id LIMIT ?`,
    toRecord: (r) => {
      const { _id, _site, uuid, ...body } = r;
      return { kind: 'attempt', uuid: s(uuid), site: s(_site), refs: refs(r.run_uuid, r.supersedes_uuid), body };
    },
  },
  {
    table: 'attempt_ends',
    kind: 'attempt-end',
    label: 'attempt ends',
    maxSql: 'SELECT coalesce(max(id), 0) AS m FROM sync_end_journal',
    rowsSql: `SELECT j.id AS _id, ss.server_site AS _site, e.attempt_id, a.uuid AS attempt_uuid, e.verdict, e.reason, e.ended_at
      FROM sync_end_journal j JOIN attempt_ends e ON e.attempt_id = j.attempt_id JOIN attempts a ON a.id = e.attempt_id
      JOIN runs r ON r.id = a.run_id LEFT JOIN sync_sites ss ON ss.site_id = r.site_id WHERE j.id > ? AND j.id <= ? ORDER BY j.id LIMIT ?`,
    toRecord: (r, origin) => ({
      kind: 'attempt-end',
      uuid: derivedUuid(sha256, origin, 'attempt_ends', Number(r.attempt_id)),
      site: s(r._site),
      refs: refs(r.attempt_uuid),
      body: { attempt_uuid: r.attempt_uuid, ended_at: r.ended_at, reason: r.reason, verdict: r.verdict },
    }),
  },
  {
    table: 'step_results',
    kind: 'step-result',
    label: 'step results',
    maxSql: 'SELECT coalesce(max(id), 0) AS m FROM step_results',
    rowsSql: `SELECT st.id AS _id, ss.server_site AS _site, st.uuid, a.uuid AS attempt_uuid, st.deficiency, st.ended_at, st.evidence, st.kind,
        st.measured_ms, st.person_evidence, st.reason, st.recorded_at, st.resolution_ms, st.started_at, st.step_id, st.step_index,
        sup.uuid AS supersedes_uuid, st.title, st.verdict
      FROM step_results st JOIN attempts a ON a.id = st.attempt_id JOIN runs r ON r.id = a.run_id
      LEFT JOIN sync_sites ss ON ss.site_id = r.site_id LEFT JOIN step_results sup ON sup.id = st.supersedes
      WHERE st.id > ? AND st.id <= ? ORDER BY st.id LIMIT ?`,
    toRecord: (r) => {
      const { _id, _site, uuid, ...body } = r;
      return { kind: 'step-result', uuid: s(uuid), site: s(_site), refs: refs(r.attempt_uuid, r.supersedes_uuid), body };
    },
  },
  {
    table: 'deficiencies',
    kind: 'deficiency',
    label: 'deficiencies',
    maxSql: 'SELECT coalesce(max(id), 0) AS m FROM deficiencies',
    rowsSql: `SELECT d.id AS _id, ss.server_site AS _site, d.uuid, d.created_at, d.created_by, d.description, d.opening_id, d.procedure_id,
        r.uuid AS run_uuid, d.severity, d.source, st.uuid AS step_result_uuid
      FROM deficiencies d LEFT JOIN sync_sites ss ON ss.site_id = d.site_id LEFT JOIN runs r ON r.id = d.run_id
      LEFT JOIN step_results st ON st.id = d.step_result_id WHERE d.id > ? AND d.id <= ? ORDER BY d.id LIMIT ?`,
    toRecord: (r) => {
      const { _id, _site, uuid, ...body } = r;
      return { kind: 'deficiency', uuid: s(uuid), site: s(_site), refs: refs(r.run_uuid, r.step_result_uuid), body };
    },
  },
  {
    // A repeat failure of the same risk at the same opening, recorded against the deficiency
    // still open from an earlier attempt (its parents are all older rows of the tables above).
    table: 'deficiency_occurrences',
    kind: 'deficiency-occurrence',
    label: 'repeat failures of open deficiencies',
    maxSql: 'SELECT coalesce(max(id), 0) AS m FROM deficiency_occurrences',
    rowsSql: `SELECT o.id AS _id, ss.server_site AS _site, o.at, a.uuid AS attempt_uuid, d.uuid AS deficiency_uuid, st.uuid AS step_result_uuid
      FROM deficiency_occurrences o JOIN deficiencies d ON d.id = o.deficiency_id JOIN attempts a ON a.id = o.attempt_id
      JOIN step_results st ON st.id = o.step_result_id LEFT JOIN sync_sites ss ON ss.site_id = d.site_id
      WHERE o.id > ? AND o.id <= ? ORDER BY o.id LIMIT ?`,
    toRecord: (r, origin) => {
      const { _id, _site, ...body } = r;
      return {
        kind: 'deficiency-occurrence',
        uuid: derivedUuid(sha256, origin, 'deficiency_occurrences', Number(_id)),
        site: s(_site),
        refs: refs(r.deficiency_uuid, r.attempt_uuid, r.step_result_uuid),
        body,
      };
    },
  },
  {
    table: 'deficiency_status',
    kind: 'deficiency-status',
    label: 'deficiency status changes',
    maxSql: 'SELECT coalesce(max(id), 0) AS m FROM deficiency_status',
    rowsSql: `SELECT x.id AS _id, ss.server_site AS _site, x.at, x.by, d.uuid AS deficiency_uuid, x.note, a.uuid AS retest_attempt_uuid, x.status
      FROM deficiency_status x JOIN deficiencies d ON d.id = x.deficiency_id LEFT JOIN sync_sites ss ON ss.site_id = d.site_id
      LEFT JOIN attempts a ON a.id = x.retest_attempt_id WHERE x.id > ? AND x.id <= ? ORDER BY x.id LIMIT ?`,
    toRecord: (r, origin) => {
      const { _id, _site, ...body } = r;
      return {
        kind: 'deficiency-status',
        uuid: derivedUuid(sha256, origin, 'deficiency_status', Number(_id)),
        site: s(_site),
        refs: refs(r.deficiency_uuid, r.retest_attempt_uuid),
        body,
      };
    },
  },
  {
    table: 'event_log',
    kind: 'event',
    label: 'event-log entries',
    maxSql: 'SELECT coalesce(max(seq), 0) AS m FROM event_log',
    rowsSql: `SELECT seq AS _id, NULL AS _site, seq, at, type, run_id, attempt_id, payload, prev_hash, hash
      FROM event_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
    toRecord: (r, origin) => ({
      kind: 'event',
      uuid: derivedUuid(sha256, origin, 'event_log', Number(r.seq)),
      site: null,
      refs: [],
      body: {
        at: s(r.at),
        attemptId: r.attempt_id as number | null,
        hash: s(r.hash),
        payload: new StoredJson(s(r.payload)),
        prevHash: s(r.prev_hash),
        runId: r.run_id as number | null,
        seq: Number(r.seq),
        type: s(r.type),
      },
    }),
  },
  {
    // Field edits made on the laptop since the schedule version it last applied go up as
    // proposals with that base version; the office decides (nothing is overwritten).
    table: 'opening_edits',
    kind: 'proposal',
    label: 'schedule edits (proposals)',
    maxSql: 'SELECT coalesce(max(id), 0) AS m FROM opening_edits',
    rowsSql: `SELECT e.id AS _id, ss.server_site AS _site, e.at, ss.applied_version AS base_version, e.editor, e.field, e.new_value, e.old_value, e.opening_id
      FROM opening_edits e JOIN sync_sites ss ON ss.site_id = e.site_id
      WHERE e.id > ? AND e.id <= ? AND e.source = 'form' ORDER BY e.id LIMIT ?`,
    toRecord: (r, origin) => {
      const { _id, _site, ...body } = r;
      return { kind: 'proposal', uuid: derivedUuid(sha256, origin, 'opening_edits', Number(_id)), site: s(_site), refs: [], body };
    },
  },
  {
    // Last: nothing refers to an attachment, and its photo must be on the server before it,
    // so everything else goes up while the photos upload.
    table: 'attachments',
    kind: 'attachment',
    label: 'photos',
    maxSql: 'SELECT coalesce(max(id), 0) AS m FROM attachments',
    rowsSql: `SELECT x.id AS _id, ss.server_site AS _site, x.created_at, d.uuid AS deficiency_uuid, x.file_name, x.mime_type, x.sha256, x.size
      FROM attachments x JOIN deficiencies d ON d.id = x.deficiency_id LEFT JOIN sync_sites ss ON ss.site_id = d.site_id
      WHERE x.id > ? AND x.id <= ? ORDER BY x.id LIMIT ?`,
    toRecord: (r, origin) => {
      const { _id, _site, ...body } = r;
      return {
        kind: 'attachment',
        uuid: derivedUuid(sha256, origin, 'attachments', Number(_id)),
        site: s(_site),
        refs: refs(r.deficiency_uuid),
        body,
      };
    },
  },
];

export function getOrigin(db: Db): string {
  const row = db.prepare<{ origin: string }>('SELECT origin FROM sync_device WHERE id = 1').get();
  if (row) return row.origin;
  const origin = randomUUID();
  db.prepare('INSERT OR IGNORE INTO sync_device (id, origin) VALUES (1, ?)').run(origin);
  return db.prepare<{ origin: string }>('SELECT origin FROM sync_device WHERE id = 1').get()!.origin;
}

export type Cursors = Record<string, number>;

/** About how much JSON a row makes (its text values dominate), without serialising it. */
function rowBytes(row: Record<string, unknown>): number {
  let n = 200;
  for (const k in row) {
    const v = row[k];
    n += k.length + 8 + (typeof v === 'string' ? v.length : 0);
  }
  return n;
}

export function readCursors(db: Db, deviceId: string): Cursors {
  const rows = db
    .prepare<{ table_name: string; acked_id: number }>('SELECT table_name, acked_id FROM sync_cursors WHERE device_id = ?')
    .all(deviceId);
  const c: Cursors = {};
  for (const src of SOURCES) c[src.table] = 0;
  for (const r of rows) c[r.table_name] = r.acked_id;
  return c;
}

/** Highest id per table now: one sync drains up to here, so every parent it needs is inside. */
export function snapshot(db: Db): Cursors {
  return db.transaction(() => Object.fromEntries(SOURCES.map((src) => [src.table, db.prepare<{ m: number }>(src.maxSql).get()!.m])));
}

/** Rows past the cursor per table (the Sync page's pending counts). */
export function pendingCounts(db: Db, deviceId: string | null): { table: string; label: string; pending: number }[] {
  const cursors = deviceId ? readCursors(db, deviceId) : Object.fromEntries(SOURCES.map((x) => [x.table, 0]));
  return SOURCES.map((src) => {
    const idCol = src.table === 'event_log' ? 'seq' : 'id';
    const from = src.table === 'attempt_ends' ? 'sync_end_journal' : src.table;
    const extra = src.table === 'opening_edits' ? " AND source = 'form' AND site_id IN (SELECT site_id FROM sync_sites)" : '';
    const n = db.prepare<{ n: number }>(`SELECT count(*) AS n FROM ${from} WHERE ${idCol} > ?${extra}`).get(cursors[src.table]!)!.n;
    return { table: src.table, label: src.label, pending: n };
  });
}

export interface Batch {
  records: WireRecord[];
  /** Cursor values to store once the server acknowledges this batch. */
  advance: Cursors;
  /** Rows of sites not yet on the server (the caller publishes them first). */
  unlinkedSites: boolean;
}

/**
 * The next batch: tables drained in parent order up to `upTo`, at most `maxRecords`
 * records and about `maxBytes` of JSON. Empty when everything up to the snapshot is acknowledged.
 */
export function nextBatch(db: Db, origin: string, cursors: Cursors, upTo: Cursors, maxRecords: number, maxBytes: number): Batch {
  const records: WireRecord[] = [];
  const advance: Cursors = { ...cursors };
  let bytes = 0;
  for (const src of SOURCES) {
    let from = cursors[src.table]!;
    const to = upTo[src.table]!;
    while (from < to && records.length < maxRecords && bytes < maxBytes) {
      const rows = db.prepare<Record<string, unknown>>(src.rowsSql).all(from, to, Math.min(500, maxRecords - records.length));
      if (rows.length === 0) {
        from = to; // only skipped rows were left (edits of unlinked sites, imports)
        break;
      }
      for (const row of rows) {
        if (src.kind !== 'event' && row._site === null) return { records, advance, unlinkedSites: true };
        const rec = src.toRecord(row, origin);
        records.push(rec);
        bytes += rowBytes(row);
        from = Number(row._id);
        advance[src.table] = from;
        if (records.length >= maxRecords || bytes >= maxBytes) break;
      }
    }
    if (from >= to) advance[src.table] = Math.max(advance[src.table]!, to);
    if (from < to) break; // a later table may hold children of what is still unsent here
  }
  return { records, advance, unlinkedSites: false };
}

export function storeCursors(db: Db, deviceId: string, advance: Cursors): void {
  const up = db.prepare(
    `INSERT INTO sync_cursors (device_id, table_name, acked_id) VALUES (?, ?, ?)
     ON CONFLICT (device_id, table_name) DO UPDATE SET acked_id = max(acked_id, excluded.acked_id)`,
  );
  db.transaction(() => {
    for (const [table, id] of Object.entries(advance)) up.run(deviceId, table, id);
  });
}
