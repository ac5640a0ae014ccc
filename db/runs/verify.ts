// Tamper evidence for recorded results. The hash chain alone only proves the log
// is intact; someone with the file can drop the triggers and edit the tables the
// screens and reports read. So verification also replays the log: every runs-table
// row is rebuilt from the event that recorded it and compared field by field with
// the row as stored. A row the log does not know, a logged row that is gone, or a
// field that differs is reported by table, row id and field.
//
// What this cannot see: a log and tables rewritten together with the hashes
// recomputed, or the latest events removed together with their rows. Only a head
// hash kept elsewhere (the signed report) shows those: pass it as `anchor`.
import { canonicalJson } from '../../core/canonical-json';
import type { Db } from '../sqlite';
import { eventHash, GENESIS_HASH, storedEventHash } from './event-log';
import type { ChainProblem, EventLogCheck, RowMismatch } from '../../core/runs/event-log-check';

export type { ChainProblem, EventLogCheck, RowMismatch };

export interface VerifyOptions {
  /** A head recorded outside the database (e.g. in a signed report): the log must still hold this event with this hash. */
  anchor?: { seq: number; hash: string };
  /**
   * The hash chain (and the anchor) only: no replay of the tables, no trigger check. For a signed
   * report's verify, whose data is the report's own: the question there is only whether its head
   * is in an intact chain. Building a report replays everything, since it prints the tables.
   */
  chainOnly?: boolean;
}

const TABLES = ['runs', 'attempts', 'attempt_ends', 'step_results', 'deficiencies', 'deficiency_status', 'attachments'] as const;
type Table = (typeof TABLES)[number];

const TRIGGERS = [...TABLES, 'event_log'].flatMap((t) => [`${t}_no_update`, `${t}_no_delete`]);

/** Columns holding JSON: compared as canonical JSON so key order and spacing do not matter. */
const JSON_COLUMNS = new Set(['settings', 'opening_snapshot', 'plan', 'evidence', 'deficiency']);

type Fields = Record<string, unknown>;
interface Expected {
  seq: number;
  /** Row id when the log knows it. */
  id: number | null;
  fields: Fields;
}
type Row = Record<string, unknown> & { id: number };

const MAX_SHOWN = 60;

/** A short rendering of a value for a message: never a whole cell. */
export function shortValue(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : (canonicalJson(v) ?? 'a value that is not JSON');
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length} characters)` : text;
}

function canonicalOf(v: unknown): string {
  return canonicalJson(v === undefined ? null : v) ?? 'null';
}

/**
 * Whether two parsed JSON values have the same canonical text, compared as trees (no text built):
 * null when a value is not plain JSON data (then the canonical texts are compared).
 */
function jsonEqual(a: unknown, b: unknown): boolean | null {
  if (a === b) return typeof a !== 'number' || Number.isFinite(a) ? true : null;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    const plain = (v: unknown) =>
      v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    return plain(a) && plain(b) ? false : null;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    let same = true;
    for (let i = 0; i < a.length; i++) {
      const e = jsonEqual(a[i], bb[i]);
      if (e === null) return null;
      same &&= e;
    }
    return same;
  }
  for (const v of [a, b]) {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return null;
  }
  const ka = Object.keys(a);
  const ob = b as Record<string, unknown>;
  if (ka.length !== Object.keys(ob).length) return false;
  let same = true;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(ob, k)) return false;
    const e = jsonEqual((a as Record<string, unknown>)[k], ob[k]);
    if (e === null) return null;
    same &&= e;
  }
  return same;
}

function sameValue(column: string, logged: unknown, stored: unknown): boolean {
  if (JSON_COLUMNS.has(column)) {
    if (stored === null || stored === undefined) return logged === null || logged === undefined;
    if (typeof stored !== 'string') return false;
    try {
      const parsed: unknown = JSON.parse(stored);
      return jsonEqual(parsed, logged === undefined ? null : logged) ?? canonicalOf(parsed) === canonicalOf(logged);
    } catch {
      return false;
    }
  }
  return (logged ?? null) === (stored ?? null);
}

type Payload = Record<string, unknown>;
const has = (p: Payload, k: string) => Object.prototype.hasOwnProperty.call(p, k);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Re-computes the whole chain, then rebuilds every runs-table row from the log and compares it with the table. */
export function verifyEventLog(db: Db, options: VerifyOptions = {}): EventLogCheck {
  const chain: ChainProblem[] = [];
  const unchecked = new Set<string>();
  // Rows the log says exist, by table: keyed by uuid (or id where the table has no uuid), plus rows matched by order.
  const byKey = new Map<Table, Map<string, Expected>>(TABLES.map((t) => [t, new Map()]));
  const ordered: { table: 'deficiency_status' | 'attachments'; group: string; e: Expected }[] = [];
  // Only the replay needs it.
  const defIdByUuid = new Map(
    options.chainOnly
      ? []
      : db
          .prepare<{ id: number; uuid: string }>('SELECT id, uuid FROM deficiencies')
          .all()
          .map((r) => [r.uuid, r.id]),
  );

  let prev = GENESIS_HASH;
  let expectSeq = 1;
  let count = 0;
  let headSeq: number | null = null;
  let anchorSeen = false;
  const rows = db
    .prepare<{
      seq: number;
      at: string;
      type: string;
      run_id: number | null;
      attempt_id: number | null;
      payload: string;
      prev_hash: string;
      hash: string;
    }>('SELECT seq, at, type, run_id, attempt_id, payload, prev_hash, hash FROM event_log ORDER BY seq')
    .iterate();
  for (const r of rows) {
    count++;
    headSeq = r.seq;
    if (options.anchor && r.seq === options.anchor.seq) {
      anchorSeen = true;
      if (r.hash !== options.anchor.hash)
        chain.push({ seq: r.seq, reason: `event ${r.seq} is not the one recorded elsewhere (its hash differs): the log was rewritten` });
    }
    // The stored text is what was hashed: most events are checked without parsing it.
    const hashedAsStored = storedEventHash(prev, r) === r.hash;
    let payload: unknown;
    let parsed = true;
    if (!hashedAsStored || !options.chainOnly)
      try {
        payload = JSON.parse(r.payload);
      } catch {
        parsed = false;
      }
    if (r.seq !== expectSeq) {
      const gap = r.seq > expectSeq ? (r.seq - 1 === expectSeq ? `event ${expectSeq} is` : `events ${expectSeq}–${r.seq - 1} are`) : null;
      chain.push({ seq: r.seq, reason: gap ? `${gap} missing (next is ${r.seq})` : `event ${r.seq} is out of order` });
    } else if (r.prev_hash !== prev) chain.push({ seq: r.seq, reason: `event ${r.seq} does not link to the event before it` });
    else if (!parsed) chain.push({ seq: r.seq, reason: `event ${r.seq} payload is not JSON` });
    else if (
      !hashedAsStored &&
      eventHash(prev, { seq: r.seq, at: r.at, type: r.type, runId: r.run_id, attemptId: r.attempt_id, payload }) !== r.hash
    )
      chain.push({ seq: r.seq, reason: `event ${r.seq} was altered: its hash does not match its content` });
    prev = r.hash;
    expectSeq = r.seq + 1;
    if (!options.chainOnly && parsed && payload !== null && typeof payload === 'object') expect(r, payload as Payload);
  }
  if (options.anchor && !anchorSeen)
    chain.push({
      seq: options.anchor.seq,
      reason: `event ${options.anchor.seq}, recorded elsewhere as the head of the log, is gone: the log was truncated`,
    });
  if (options.chainOnly) {
    const reason = chain[0]?.reason ?? null;
    const headHash = chain.length === 0 && count > 0 ? prev : null;
    return {
      ok: reason === null,
      count,
      headSeq,
      headHash,
      badSeq: chain[0]?.seq ?? null,
      reason,
      chain,
      rows: [],
      triggersMissing: [],
      unchecked: [],
    };
  }

  function put(table: Table, key: string, e: Expected): void {
    byKey.get(table)!.set(key, e);
  }

  function expect(r: { seq: number; at: string; type: string; run_id: number | null; attempt_id: number | null }, p: Payload): void {
    const seq = r.seq;
    switch (r.type) {
      case 'run-started':
        if (r.run_id === null) return;
        put('runs', `id:${r.run_id}`, {
          seq,
          id: r.run_id,
          fields: { uuid: p.uuid, site_id: p.siteId, technician: p.technician, started_at: r.at, settings: p.settings },
        });
        return;
      case 'attempt-started': {
        if (r.attempt_id === null) return;
        const fields: Fields = {
          uuid: p.uuid,
          run_id: r.run_id,
          opening_id: p.openingId,
          procedure_id: p.procedureId,
          link: p.link,
          started_at: r.at,
          supersedes: p.supersedes,
        };
        for (const [col, key] of [
          ['opening_snapshot', 'opening'],
          ['plan', 'plan'],
        ] as const)
          if (has(p, key)) fields[col] = p[key];
          else unchecked.add(`attempts.${col} (attempts recorded before it was logged)`);
        put('attempts', `id:${r.attempt_id}`, { seq, id: r.attempt_id, fields });
        return;
      }
      case 'attempt-ended':
        if (r.attempt_id === null) return;
        put('attempt_ends', `id:${r.attempt_id}`, {
          seq,
          id: r.attempt_id,
          fields: { verdict: p.verdict, reason: p.reason, ended_at: r.at },
        });
        return;
      case 'step-result':
        put('step_results', `uuid:${String(p.uuid)}`, {
          seq,
          id: num(p.id),
          fields: {
            uuid: p.uuid,
            attempt_id: r.attempt_id,
            step_index: p.stepIndex,
            step_id: p.stepId,
            kind: p.kind,
            title: p.title,
            verdict: p.verdict,
            reason: p.reason,
            measured_ms: p.measuredMs,
            resolution_ms: p.resolutionMs,
            started_at: p.startedAt,
            ended_at: p.endedAt,
            person_evidence: p.personEvidence === true ? 1 : 0,
            evidence: p.evidence,
            deficiency: p.deficiency ?? null,
            supersedes: p.supersedes,
            recorded_at: r.at,
          },
        });
        return;
      case 'deficiency-created': {
        const id = num(p.id) ?? defIdByUuid.get(String(p.uuid)) ?? null;
        put('deficiencies', `uuid:${String(p.uuid)}`, {
          seq,
          id: num(p.id),
          fields: {
            uuid: p.uuid,
            site_id: p.siteId,
            run_id: p.runId,
            opening_id: p.openingId,
            procedure_id: p.procedureId,
            step_result_id: p.stepResultId,
            severity: p.severity,
            description: p.description,
            source: p.source,
            created_at: r.at,
            created_by: p.createdBy,
          },
        });
        // Every deficiency starts with an "open" status row written in the same transaction.
        ordered.push({
          table: 'deficiency_status',
          group: String(id),
          e: {
            seq,
            id: num(p.statusId),
            fields: { deficiency_id: id, status: 'open', note: '', at: r.at, by: p.createdBy, retest_attempt_id: null },
          },
        });
        return;
      }
      case 'deficiency-status':
        ordered.push({
          table: 'deficiency_status',
          group: String(p.deficiencyId),
          e: {
            seq,
            id: num(p.statusId),
            fields: {
              deficiency_id: p.deficiencyId,
              status: p.status,
              note: p.note,
              at: r.at,
              by: p.by,
              retest_attempt_id: p.retestAttemptId,
            },
          },
        });
        return;
      case 'photo-attached':
        ordered.push({
          table: 'attachments',
          group: String(p.deficiencyId),
          e: {
            seq,
            id: num(p.id),
            fields: {
              deficiency_id: p.deficiencyId,
              sha256: p.sha256,
              file_name: p.fileName,
              mime_type: p.mimeType,
              size: p.size,
              created_at: r.at,
            },
          },
        });
        return;
      default:
        return; // readings, commands, answers: no table row of their own
    }
  }

  const mismatches: RowMismatch[] = [];
  const compare = (table: Table, row: Row, e: Expected): void => {
    const rowId = table === 'attempt_ends' ? (row.attempt_id as number) : row.id;
    if (e.id !== null && table !== 'attempt_ends' && e.id !== row.id)
      mismatches.push(fieldMismatch(table, rowId, 'id', e.seq, e.id, row.id));
    for (const [col, logged] of Object.entries(e.fields))
      if (!sameValue(col, logged, row[col])) mismatches.push(fieldMismatch(table, rowId, col, e.seq, logged, row[col]));
  };

  // Tables with a key in the log (uuid, or the id the event names).
  for (const table of ['runs', 'attempts', 'attempt_ends', 'step_results', 'deficiencies'] as const) {
    const want = byKey.get(table)!;
    const idCol = table === 'attempt_ends' ? 'attempt_id' : 'id';
    const keyOf = (row: Row) =>
      table === 'runs' || table === 'attempts' || table === 'attempt_ends' ? `id:${String(row[idCol])}` : `uuid:${String(row.uuid)}`;
    for (const row of db.prepare<Row>(`SELECT * FROM ${table} ORDER BY ${idCol}`).iterate()) {
      const key = keyOf(row);
      const e = want.get(key);
      if (!e) mismatches.push(forged(table, row[idCol] as number));
      else {
        want.delete(key);
        compare(table, row, e);
      }
    }
    for (const e of want.values()) mismatches.push(missing(table, e));
  }

  // Tables without a uuid: matched by the id the event logged, else in order within their deficiency.
  for (const table of ['deficiency_status', 'attachments'] as const) {
    const actual = db.prepare<Row>(`SELECT * FROM ${table} ORDER BY id`).all();
    const byId = new Map(actual.map((r) => [r.id, r]));
    const claimed = new Set<number>();
    const mine = ordered.filter((o) => o.table === table);
    for (const { e } of mine)
      if (e.id !== null) {
        const row = byId.get(e.id);
        if (row) {
          claimed.add(row.id);
          compare(table, row, e);
        } else mismatches.push(missing(table, e));
      }
    const rest = new Map<string, Row[]>();
    for (const r of actual)
      if (!claimed.has(r.id)) {
        const g = String(r.deficiency_id);
        rest.set(g, [...(rest.get(g) ?? []), r]);
      }
    for (const { group, e } of mine) {
      if (e.id !== null) continue;
      const row = rest.get(group)?.shift();
      if (row) compare(table, row, e);
      else mismatches.push(missing(table, e));
    }
    for (const left of rest.values()) for (const r of left) mismatches.push(forged(table, r.id));
  }

  // A trigger counts only if it still aborts what it is named after (a same-named no-op would not).
  const triggerSql = new Map(
    db
      .prepare<{ name: string; sql: string | null }>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
      .all()
      .map((r) => [r.name, (r.sql ?? '').replace(/\s+/g, ' ')]),
  );
  const triggersMissing = TRIGGERS.filter((t) => {
    const [, table, op] = /^(\w+)_no_(update|delete)$/.exec(t)!;
    const sql = triggerSql.get(t);
    return !sql || !new RegExp(`BEFORE ${op} ON ${table} BEGIN SELECT RAISE\\(ABORT, '[^']+'\\); END$`, 'i').test(sql);
  });

  const reason =
    chain[0]?.reason ??
    mismatches[0]?.message ??
    (triggersMissing.length ? `the append-only triggers were removed: ${triggersMissing.join(', ')}` : null);
  return {
    ok: reason === null,
    count,
    headSeq,
    headHash: chain.length === 0 && count > 0 ? prev : null,
    badSeq: chain[0]?.seq ?? null,
    reason,
    chain,
    rows: mismatches,
    triggersMissing,
    unchecked: [...unchecked],
  };
}

function fieldMismatch(table: string, rowId: number, field: string, seq: number, logged: unknown, stored: unknown): RowMismatch {
  const l = shortValue(logged);
  const s = shortValue(stored);
  return {
    table,
    rowId,
    field,
    seq,
    logged: l,
    stored: s,
    message: `${table} row ${rowId}, field ${field}: the table says ${s} but event ${seq} recorded ${l}`,
  };
}

function forged(table: string, rowId: number): RowMismatch {
  return {
    table,
    rowId,
    field: null,
    seq: null,
    logged: null,
    stored: null,
    message: `${table} row ${rowId} is not in the event log: it was added outside DoorCx`,
  };
}

function missing(table: string, e: Expected): RowMismatch {
  return {
    table,
    rowId: e.id,
    field: null,
    seq: e.seq,
    logged: null,
    stored: null,
    message: `${table} row ${e.id ?? '(id not logged)'} recorded by event ${e.seq} is missing from the table: it was deleted`,
  };
}
