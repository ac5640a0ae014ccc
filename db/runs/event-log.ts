// The append-only, hash-chained event log: every command, reading batch,
// confirmation and result. Each row's hash = sha256(prev_hash ‖ canonical JSON
// (RFC 8785) of the event), so changing, removing or reordering any row breaks
// every hash after it. The triggers of migration 002 refuse UPDATE and DELETE;
// verify.ts checks the chain and that the tables still say what the log recorded.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json';
import type { Db } from '../sqlite';

export const GENESIS_HASH = '0'.repeat(64);

export interface LogEvent {
  type: string;
  runId?: number | null;
  attemptId?: number | null;
  payload: unknown;
}

export interface LoggedEvent {
  seq: number;
  at: string;
  hash: string;
}

function canonical(value: unknown): string {
  const text = canonicalJson(value);
  if (text === undefined) throw new Error('event payload cannot be represented as JSON');
  return text;
}

export function eventHash(
  prevHash: string,
  e: { seq: number; at: string; type: string; runId: number | null; attemptId: number | null; payload: unknown },
): string {
  return (
    createHash('sha256')
      .update(prevHash)
      // Keys in canonical order, so a payload already in canonical order takes canonicalJson's fast path.
      .update(canonical({ at: e.at, attemptId: e.attemptId, payload: e.payload, runId: e.runId, seq: e.seq, type: e.type }))
      .digest('hex')
  );
}

/**
 * eventHash of an event as stored, from its payload text as it lies: the stored text is the
 * canonical text that was hashed, so no parse and re-serialisation is needed. A payload text
 * that is not canonical (re-spaced by hand, say) gives another hash; callers then check with
 * eventHash on the parsed payload, which forgives spacing.
 */
export function storedEventHash(
  prevHash: string,
  e: { seq: number; at: string; type: string; run_id: number | null; attempt_id: number | null; payload: string },
): string {
  const text = `{"at":${JSON.stringify(e.at)},"attemptId":${JSON.stringify(e.attempt_id)},"payload":${e.payload},"runId":${JSON.stringify(e.run_id)},"seq":${JSON.stringify(e.seq)},"type":${JSON.stringify(e.type)}}`;
  return createHash('sha256').update(prevHash).update(text).digest('hex');
}

/** Appends one event; call inside the transaction that records what it describes. */
export function appendEvent(db: Db, e: LogEvent, now: Date): LoggedEvent {
  const head = db.prepare<{ seq: number; hash: string }>('SELECT seq, hash FROM event_log ORDER BY seq DESC LIMIT 1').get();
  const seq = (head?.seq ?? 0) + 1;
  const prev = head?.hash ?? GENESIS_HASH;
  const at = now.toISOString();
  // Round-trip through JSON so what is hashed is exactly what is stored (undefined fields dropped, dates as text).
  const payload: unknown = JSON.parse(canonical(e.payload ?? null));
  const runId = e.runId ?? null;
  const attemptId = e.attemptId ?? null;
  const hash = eventHash(prev, { seq, at, type: e.type, runId, attemptId, payload });
  db.prepare('INSERT INTO event_log (seq, at, type, run_id, attempt_id, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    seq,
    at,
    e.type,
    runId,
    attemptId,
    canonical(payload),
    prev,
    hash,
  );
  return { seq, at, hash };
}
