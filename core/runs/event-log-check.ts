// What the event-log check (db/runs/verify.ts) found: one shape for the database layer, the API,
// the CLI and the report.
export interface ChainProblem {
  seq: number;
  reason: string;
}

export interface RowMismatch {
  /** runs, attempts, attempt_ends, step_results, deficiencies, deficiency_status or attachments. */
  table: string;
  /** The row's id (attempt_ends: attempt_id); null when a logged row is missing and its id was never logged. */
  rowId: number | null;
  /** The column that differs; null when the whole row is forged (no event) or missing (event, no row). */
  field: string | null;
  /** The event that recorded the row, when there is one. */
  seq: number | null;
  /** Short renderings (never a whole cell) of what the log and the table say; null when absent. */
  logged: string | null;
  stored: string | null;
  /** One line a person can read, naming table, row and field. */
  message: string;
}

/**
 * The result of verifyEventLog.
 * - ok: the chain is intact, every runs-table row agrees with the event that recorded it, every logged row
 *   exists, the append-only triggers are in place, and the anchor (if given) is still in the log.
 * - count: events read. headSeq/headHash: the last event (headHash null when the chain is broken).
 * - badSeq/reason: the first chain break (seq) and a one-line summary of the first problem of any kind.
 * - chain: every chain break (edited, missing, reordered or unlinked event).
 * - rows: every row that disagrees with the log (see RowMismatch).
 * - triggersMissing: append-only triggers that have been dropped (or replaced by ones that no longer abort).
 * - unchecked: fields the log cannot vouch for (written by an older DoorCx that did not log them).
 */
export interface EventLogCheck {
  ok: boolean;
  count: number;
  headSeq: number | null;
  headHash: string | null;
  badSeq: number | null;
  reason: string | null;
  chain: ChainProblem[];
  rows: RowMismatch[];
  triggersMissing: string[];
  unchecked: string[];
}
