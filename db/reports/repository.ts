// Reports storage: handwritten signatures (append-only; the latest per role
// counts) and the list of reports built with their hashes (migration 006).
import type { BuiltReport } from '../../core/report/built';
import type { InputStep } from '../../core/report/model';
import type { HandwrittenSignature } from '../../core/report/schema';
import { stepResultFields, type StepResultColumns } from '../runs/repository';
import type { Db } from '../sqlite';

export type ReportRow = BuiltReport;

type SigDbRow = { id: number; role: 'technician' | 'witness'; name: string; title: string; strokes: string; signed_at: string };
const toSig = (r: SigDbRow): HandwrittenSignature => ({
  id: r.id,
  role: r.role,
  name: r.name,
  title: r.title,
  signedAt: r.signed_at,
  strokes: JSON.parse(r.strokes) as HandwrittenSignature['strokes'],
});

export function addHandwrittenSignature(
  db: Db,
  siteId: number,
  s: Omit<HandwrittenSignature, 'id' | 'signedAt'>,
  now: Date,
): HandwrittenSignature {
  const id = Number(
    db
      .prepare('INSERT INTO handwritten_signatures (site_id, role, name, title, strokes, signed_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(siteId, s.role, s.name, s.title, JSON.stringify(s.strokes), now.toISOString()).lastInsertRowid,
  );
  return toSig(db.prepare<SigDbRow>('SELECT * FROM handwritten_signatures WHERE id = ?').get(id)!);
}

/** The latest signature per role for the site (what the next report carries). */
export function currentHandwrittenSignatures(db: Db, siteId: number): HandwrittenSignature[] {
  return db
    .prepare<SigDbRow>(
      `SELECT * FROM handwritten_signatures s WHERE site_id = ? AND id = (SELECT MAX(id) FROM handwritten_signatures t WHERE t.site_id = s.site_id AND t.role = s.role) ORDER BY role DESC`,
    )
    .all(siteId)
    .map(toSig);
}

type ReportDbRow = {
  id: number;
  site_id: number;
  file_path: string;
  file_sha256: string;
  model_sha256: string;
  scope: string;
  overall: string;
  draft: number;
  signer: string;
  event_log_head: string | null;
  event_log_length: number;
  built_at: string;
};
const toReport = (r: ReportDbRow): ReportRow => ({
  id: r.id,
  siteId: r.site_id,
  filePath: r.file_path,
  fileSha256: r.file_sha256,
  modelSha256: r.model_sha256,
  scope: r.scope,
  overall: r.overall,
  draft: r.draft === 1,
  signer: r.signer,
  eventLogHead: r.event_log_head,
  eventLogLength: r.event_log_length,
  builtAt: r.built_at,
});

export function recordReport(db: Db, r: Omit<ReportRow, 'id'>): ReportRow {
  const id = Number(
    db
      .prepare(
        `INSERT INTO reports (site_id, file_path, file_sha256, model_sha256, scope, overall, draft, signer, event_log_head, event_log_length, built_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.siteId,
        r.filePath,
        r.fileSha256,
        r.modelSha256,
        r.scope,
        r.overall,
        r.draft ? 1 : 0,
        r.signer,
        r.eventLogHead,
        r.eventLogLength,
        r.builtAt,
      ).lastInsertRowid,
  );
  return { ...r, id };
}

export function listReports(db: Db, siteId: number): ReportRow[] {
  return db.prepare<ReportDbRow>('SELECT * FROM reports WHERE site_id = ? ORDER BY id DESC').all(siteId).map(toReport);
}

export function getReport(db: Db, id: number): ReportRow | undefined {
  const r = db.prepare<ReportDbRow>('SELECT * FROM reports WHERE id = ?').get(id);
  return r ? toReport(r) : undefined;
}

/** Where an event-log hash sits in this database's chain (null = not in it). */
export function eventLogSeqOf(db: Db, hash: string): number | null {
  return db.prepare<{ seq: number }>('SELECT seq FROM event_log WHERE hash = ?').get(hash)?.seq ?? null;
}

/**
 * The step results a report prints, for every attempt of a run at once, by attempt id, in step order: the committed
 * ones (a row that a later row of the same attempt supersedes is left out, as committedSteps does), without the
 * evidence trace, which a report does not print (one query instead of one per attempt).
 */
export function reportStepsOfRun(db: Db, runId: number): Map<number, InputStep[]> {
  type Row = StepResultColumns & { id: number; attempt_id: number; supersedes: number | null };
  const rows = db
    .prepare<Row>(
      `SELECT s.id, s.attempt_id, s.step_index, s.step_id, s.kind, s.title, s.verdict, s.reason, s.measured_ms, s.resolution_ms,
         s.started_at, s.ended_at, s.person_evidence, s.supersedes
       FROM attempts a JOIN step_results s ON s.attempt_id = a.id WHERE a.run_id = ? ORDER BY s.attempt_id, s.step_index, s.id`,
    )
    .all(runId);
  const superseded = new Set(rows.filter((r) => r.supersedes !== null).map((r) => `${r.attempt_id}:${r.supersedes}`));
  const byAttempt = new Map<number, InputStep[]>();
  for (const r of rows) {
    if (superseded.has(`${r.attempt_id}:${r.id}`)) continue;
    let steps = byAttempt.get(r.attempt_id);
    if (!steps) byAttempt.set(r.attempt_id, (steps = []));
    steps.push(stepResultFields(r));
  }
  return byAttempt;
}
