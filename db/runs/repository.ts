// Runs storage: runs, procedure attempts, step results, deficiencies, photos.
// Everything is insert-only (migration 002's triggers refuse UPDATE/DELETE), and
// each insert writes its event-log row in the same transaction, with every field
// of the row (and its id), so verify.ts can rebuild each row from the log and
// show any row changed, added or removed behind DoorCx's back.
import { randomUUID } from 'node:crypto';
import type { PlannedProcedure, ProjectSettings } from '../../core/procedures';
import type { StepRecord } from '../../core/runs/machine';
import type { Opening, Severity } from '../../core/schedule/types';
import type { Verdict } from '../../core/verdicts/types';
import type { Db } from '../sqlite';
import { appendEvent, type LogEvent } from './event-log';

export interface RunRow {
  id: number;
  uuid: string;
  siteId: number;
  technician: string;
  startedAt: string;
  settings: ProjectSettings;
}

export interface AttemptRow {
  id: number;
  uuid: string;
  runId: number;
  openingId: string;
  procedureId: string;
  opening: Opening;
  plan: PlannedProcedure;
  link: string | null;
  startedAt: string;
  supersedes: number | null;
  supersededBy: number | null;
  end: { verdict: Verdict; reason: string; endedAt: string } | null;
}

export interface StepRow extends StepRecord {
  id: number;
  uuid: string;
  attemptId: number;
  supersedes: number | null;
  recordedAt: string;
  deficiencyId: number | null;
}

export type DeficiencyStatus = 'open' | 'fixed-retested' | 'accepted-by-ahj';

export interface DeficiencyRow {
  id: number;
  uuid: string;
  siteId: number;
  runId: number | null;
  openingId: string;
  procedureId: string | null;
  stepResultId: number | null;
  severity: Severity;
  description: string;
  source: 'step' | 'manual';
  createdAt: string;
  createdBy: string;
  history: { status: DeficiencyStatus; note: string; at: string; by: string; retestAttemptId: number | null }[];
  /** Repeat failures of the same risk while the deficiency was open (the first one created it). */
  occurrences: { attemptId: number; stepResultId: number; at: string }[];
}

export interface AttachmentRow {
  id: number;
  deficiencyId: number;
  sha256: string;
  fileName: string;
  mimeType: string;
  size: number;
  createdAt: string;
}

export function logEvent(db: Db, e: LogEvent, now: Date): void {
  db.transaction(() => appendEvent(db, e, now));
}

type RunDbRow = { id: number; uuid: string; site_id: number; technician: string; started_at: string; settings: string };
const toRun = (r: RunDbRow): RunRow => ({
  id: r.id,
  uuid: r.uuid,
  siteId: r.site_id,
  technician: r.technician,
  startedAt: r.started_at,
  settings: JSON.parse(r.settings) as ProjectSettings,
});

export function createRun(db: Db, input: { siteId: number; technician: string; settings: ProjectSettings }, now: Date): RunRow {
  return db.transaction(() => {
    const uuid = randomUUID();
    const id = Number(
      db
        .prepare('INSERT INTO runs (uuid, site_id, technician, started_at, settings) VALUES (?, ?, ?, ?, ?)')
        .run(uuid, input.siteId, input.technician, now.toISOString(), JSON.stringify(input.settings)).lastInsertRowid,
    );
    appendEvent(
      db,
      { type: 'run-started', runId: id, payload: { uuid, siteId: input.siteId, technician: input.technician, settings: input.settings } },
      now,
    );
    return getRun(db, id)!;
  });
}

export function getRun(db: Db, runId: number): RunRow | undefined {
  const r = db.prepare<RunDbRow>('SELECT * FROM runs WHERE id = ?').get(runId);
  return r ? toRun(r) : undefined;
}

export function listRuns(db: Db, siteId?: number): RunRow[] {
  const rows =
    siteId === undefined
      ? db.prepare<RunDbRow>('SELECT * FROM runs ORDER BY id DESC').all()
      : db.prepare<RunDbRow>('SELECT * FROM runs WHERE site_id = ? ORDER BY id DESC').all(siteId);
  return rows.map(toRun);
}

type AttemptDbRow = {
  id: number;
  uuid: string;
  run_id: number;
  opening_id: string;
  procedure_id: string;
  opening_snapshot: string;
  plan: string;
  link: string | null;
  started_at: string;
  supersedes: number | null;
  superseded_by: number | null;
  verdict: Verdict | null;
  reason: string | null;
  ended_at: string | null;
};
const ATTEMPT_SELECT = `SELECT a.*, e.verdict, e.reason, e.ended_at,
  (SELECT MIN(n.id) FROM attempts n WHERE n.supersedes = a.id) AS superseded_by
  FROM attempts a LEFT JOIN attempt_ends e ON e.attempt_id = a.id`;
const toAttempt = (r: AttemptDbRow): AttemptRow => ({
  id: r.id,
  uuid: r.uuid,
  runId: r.run_id,
  openingId: r.opening_id,
  procedureId: r.procedure_id,
  opening: JSON.parse(r.opening_snapshot) as Opening,
  plan: JSON.parse(r.plan) as PlannedProcedure,
  link: r.link,
  startedAt: r.started_at,
  supersedes: r.supersedes,
  supersededBy: r.superseded_by,
  end: r.verdict ? { verdict: r.verdict, reason: r.reason ?? '', endedAt: r.ended_at ?? '' } : null,
});

export function createAttempt(
  db: Db,
  input: { runId: number; opening: Opening; plan: PlannedProcedure; link: string | null; supersedes: number | null },
  now: Date,
): AttemptRow {
  return db.transaction(() => {
    const uuid = randomUUID();
    const id = Number(
      db
        .prepare(
          'INSERT INTO attempts (uuid, run_id, opening_id, procedure_id, opening_snapshot, plan, link, started_at, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          uuid,
          input.runId,
          input.opening.opening_id,
          input.plan.id,
          JSON.stringify(input.opening),
          JSON.stringify(input.plan),
          input.link,
          now.toISOString(),
          input.supersedes,
        ).lastInsertRowid,
    );
    appendEvent(
      db,
      {
        type: 'attempt-started',
        runId: input.runId,
        attemptId: id,
        payload: {
          uuid,
          openingId: input.opening.opening_id,
          procedureId: input.plan.id,
          link: input.link,
          supersedes: input.supersedes,
          // logged whole so verification can vouch for the snapshot the verdicts were judged against
          opening: input.opening,
          plan: input.plan,
        },
      },
      now,
    );
    return getAttempt(db, id)!;
  });
}

export function getAttempt(db: Db, attemptId: number): AttemptRow | undefined {
  const r = db.prepare<AttemptDbRow>(`${ATTEMPT_SELECT} WHERE a.id = ?`).get(attemptId);
  return r ? toAttempt(r) : undefined;
}

export function listAttempts(db: Db, runId: number, openingId?: string): AttemptRow[] {
  const rows =
    openingId === undefined
      ? db.prepare<AttemptDbRow>(`${ATTEMPT_SELECT} WHERE a.run_id = ? ORDER BY a.id`).all(runId)
      : db.prepare<AttemptDbRow>(`${ATTEMPT_SELECT} WHERE a.run_id = ? AND a.opening_id = ? ORDER BY a.id`).all(runId, openingId);
  return rows.map(toAttempt);
}

/** An attempt as a report lists it: no opening snapshot, and of the plan only its headline. */
export type AttemptHeadline = Omit<AttemptRow, 'opening' | 'plan'> & {
  plan: Pick<PlannedProcedure, 'title' | 'kind' | 'citation' | 'criteria'>;
};

/**
 * A run's attempts for a report. SQLite reads the plan's headline out of its JSON, so a report over thousands of
 * attempts never holds (or parses) every plan and opening snapshot at once.
 */
export function listAttemptHeadlines(db: Db, runId: number): AttemptHeadline[] {
  type Row = Omit<AttemptDbRow, 'opening_snapshot' | 'plan'> & {
    title: string;
    kind: PlannedProcedure['kind'];
    citation: string;
    criteria: string;
  };
  return db
    .prepare<Row>(
      `SELECT a.id, a.uuid, a.run_id, a.opening_id, a.procedure_id, a.link, a.started_at, a.supersedes,
         json_extract(a.plan, '$.title') AS title, json_extract(a.plan, '$.kind') AS kind,
         json_extract(a.plan, '$.citation') AS citation, json_extract(a.plan, '$.criteria') AS criteria,
         e.verdict, e.reason, e.ended_at, (SELECT MIN(n.id) FROM attempts n WHERE n.supersedes = a.id) AS superseded_by
       FROM attempts a LEFT JOIN attempt_ends e ON e.attempt_id = a.id WHERE a.run_id = ? ORDER BY a.id`,
    )
    .all(runId)
    .map((r) => ({
      id: r.id,
      uuid: r.uuid,
      runId: r.run_id,
      openingId: r.opening_id,
      procedureId: r.procedure_id,
      plan: {
        title: r.title,
        kind: r.kind,
        citation: r.citation,
        criteria: r.criteria === null ? [] : (JSON.parse(r.criteria) as string[]),
      },
      link: r.link,
      startedAt: r.started_at,
      supersedes: r.supersedes,
      supersededBy: r.superseded_by,
      end: r.verdict ? { verdict: r.verdict, reason: r.reason ?? '', endedAt: r.ended_at ?? '' } : null,
    }));
}

/** Attempts with no recorded end: DoorCx stopped while they ran. */
export function unfinishedAttempts(db: Db, runId?: number): AttemptRow[] {
  const rows =
    runId === undefined
      ? db.prepare<AttemptDbRow>(`${ATTEMPT_SELECT} WHERE e.attempt_id IS NULL ORDER BY a.id`).all()
      : db.prepare<AttemptDbRow>(`${ATTEMPT_SELECT} WHERE e.attempt_id IS NULL AND a.run_id = ? ORDER BY a.id`).all(runId);
  return rows.map(toAttempt);
}

/** The columns of a stored step result that every reader shows. */
export interface StepResultColumns {
  step_index: number;
  step_id: string;
  kind: string;
  title: string;
  verdict: Verdict;
  reason: string;
  measured_ms: number | null;
  resolution_ms: number | null;
  started_at: number;
  ended_at: number;
  person_evidence: number;
}

/** Those columns as the app and the report name them. */
export function stepResultFields<R extends StepResultColumns>(r: R) {
  return {
    stepIndex: r.step_index,
    stepId: r.step_id,
    kind: r.kind as R['kind'],
    title: r.title,
    verdict: r.verdict,
    reason: r.reason,
    measuredMs: r.measured_ms,
    resolutionMs: r.resolution_ms,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    personEvidence: r.person_evidence === 1,
  };
}

type StepDbRow = StepResultColumns & {
  id: number;
  uuid: string;
  attempt_id: number;
  kind: StepRecord['kind'];
  evidence: string;
  deficiency: string | null;
  supersedes: number | null;
  recorded_at: string;
  deficiency_id: number | null;
};

export function listSteps(db: Db, attemptId: number): StepRow[] {
  return db
    .prepare<StepDbRow>(
      `SELECT s.*, COALESCE((SELECT MIN(d.id) FROM deficiencies d WHERE d.step_result_id = s.id),
          (SELECT MIN(o.deficiency_id) FROM deficiency_occurrences o WHERE o.step_result_id = s.id)) AS deficiency_id
       FROM step_results s WHERE s.attempt_id = ? ORDER BY s.step_index, s.id`,
    )
    .all(attemptId)
    .map((r) => ({
      id: r.id,
      uuid: r.uuid,
      attemptId: r.attempt_id,
      procedureId: '',
      ...stepResultFields(r),
      evidence: JSON.parse(r.evidence) as Record<string, unknown>,
      deficiency: r.deficiency ? (JSON.parse(r.deficiency) as StepRecord['deficiency']) : null,
      supersedes: r.supersedes,
      recordedAt: r.recorded_at,
      deficiencyId: r.deficiency_id,
    }));
}

/** The latest (non-superseded) result per step, in step order — what a machine resumes from. */
export function committedSteps(db: Db, attemptId: number, procedureId: string): StepRecord[] {
  const rows = listSteps(db, attemptId);
  const superseded = new Set(rows.map((r) => r.supersedes).filter((x): x is number => x !== null));
  return rows.filter((r) => !superseded.has(r.id)).map((r) => ({ ...r, procedureId }));
}

/**
 * Commits one step result (and, when it failed with a deficiency, the deficiency and its "open" status) with its
 * event-log row, in one transaction. The runner calls this BEFORE it sends the next command.
 */
export function recordStep(
  db: Db,
  input: { run: RunRow; attempt: AttemptRow; record: StepRecord; supersedes?: number | null; by: string },
  now: Date,
): { stepResultId: number; deficiencyId: number | null } {
  const { run, attempt, record: r } = input;
  return db.transaction(() => {
    const uuid = randomUUID();
    const stepResultId = Number(
      db
        .prepare(
          `INSERT INTO step_results (uuid, attempt_id, step_index, step_id, kind, title, verdict, reason, measured_ms, resolution_ms,
            started_at, ended_at, person_evidence, evidence, deficiency, supersedes, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          uuid,
          attempt.id,
          r.stepIndex,
          r.stepId,
          r.kind,
          r.title,
          r.verdict,
          r.reason,
          r.measuredMs,
          r.resolutionMs,
          r.startedAt,
          r.endedAt,
          r.personEvidence ? 1 : 0,
          JSON.stringify(r.evidence),
          r.deficiency ? JSON.stringify(r.deficiency) : null,
          input.supersedes ?? null,
          now.toISOString(),
        ).lastInsertRowid,
    );
    appendEvent(
      db,
      {
        type: 'step-result',
        runId: run.id,
        attemptId: attempt.id,
        payload: { ...r, uuid, id: stepResultId, supersedes: input.supersedes ?? null },
      },
      now,
    );
    let deficiencyId: number | null = null;
    // One deficiency per risk per attempt: a failed reading and the person's matching "no" are the same finding.
    const duplicate =
      r.deficiency != null &&
      db
        .prepare(
          `SELECT 1 FROM deficiencies d JOIN step_results s ON s.id = d.step_result_id WHERE s.attempt_id = ? AND d.description = ?
           UNION ALL
           SELECT 1 FROM deficiency_occurrences o JOIN deficiencies d ON d.id = o.deficiency_id WHERE o.attempt_id = ? AND d.description = ?`,
        )
        .get(attempt.id, r.deficiency.description, attempt.id, r.deficiency.description) !== undefined;
    // The same risk at the same opening, still open from an earlier attempt: a new occurrence of it.
    const open =
      r.verdict === 'fail' && r.deficiency && !duplicate
        ? openStepDeficiency(db, {
            siteId: run.siteId,
            openingId: attempt.openingId,
            procedureId: attempt.procedureId,
            description: r.deficiency.description,
          })
        : undefined;
    if (open) {
      deficiencyId = open.id;
      db.prepare('INSERT INTO deficiency_occurrences (deficiency_id, attempt_id, step_result_id, at) VALUES (?, ?, ?, ?)').run(
        open.id,
        attempt.id,
        stepResultId,
        now.toISOString(),
      );
      appendEvent(
        db,
        {
          type: 'deficiency-occurrence',
          runId: run.id,
          attemptId: attempt.id,
          payload: { deficiencyUuid: open.uuid, stepResultUuid: uuid },
        },
        now,
      );
    } else if (r.verdict === 'fail' && r.deficiency && !duplicate) {
      deficiencyId = insertDeficiency(
        db,
        {
          siteId: run.siteId,
          runId: run.id,
          openingId: attempt.openingId,
          procedureId: attempt.procedureId,
          stepResultId,
          severity: r.deficiency.severity,
          description: r.deficiency.description,
          source: 'step',
          createdBy: input.by,
        },
        now,
      );
    }
    return { stepResultId, deficiencyId };
  });
}

export function endAttempt(db: Db, attempt: AttemptRow, verdict: Verdict, reason: string, now: Date): void {
  db.transaction(() => {
    db.prepare('INSERT INTO attempt_ends (attempt_id, verdict, reason, ended_at) VALUES (?, ?, ?, ?)').run(
      attempt.id,
      verdict,
      reason,
      now.toISOString(),
    );
    appendEvent(db, { type: 'attempt-ended', runId: attempt.runId, attemptId: attempt.id, payload: { verdict, reason } }, now);
  });
}

function insertDeficiency(db: Db, d: Omit<DeficiencyRow, 'id' | 'uuid' | 'createdAt' | 'history' | 'occurrences'>, now: Date): number {
  const uuid = randomUUID();
  const id = Number(
    db
      .prepare(
        `INSERT INTO deficiencies (uuid, site_id, run_id, opening_id, procedure_id, step_result_id, severity, description, source, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        uuid,
        d.siteId,
        d.runId,
        d.openingId,
        d.procedureId,
        d.stepResultId,
        d.severity,
        d.description,
        d.source,
        now.toISOString(),
        d.createdBy,
      ).lastInsertRowid,
  );
  const statusId = Number(
    db
      .prepare('INSERT INTO deficiency_status (deficiency_id, status, note, at, by, retest_attempt_id) VALUES (?, ?, ?, ?, ?, NULL)')
      .run(id, 'open', '', now.toISOString(), d.createdBy).lastInsertRowid,
  );
  appendEvent(db, { type: 'deficiency-created', runId: d.runId, payload: { ...d, uuid, id, statusId } }, now);
  return id;
}

export function createDeficiency(
  db: Db,
  d: Omit<DeficiencyRow, 'id' | 'uuid' | 'createdAt' | 'history' | 'occurrences'>,
  now: Date,
): DeficiencyRow {
  return db.transaction(() => getDeficiency(db, insertDeficiency(db, d, now))!);
}

export function setDeficiencyStatus(
  db: Db,
  input: { deficiencyId: number; status: DeficiencyStatus; note: string; by: string; retestAttemptId: number | null },
  now: Date,
): DeficiencyRow {
  return db.transaction(() => {
    const statusId = Number(
      db
        .prepare('INSERT INTO deficiency_status (deficiency_id, status, note, at, by, retest_attempt_id) VALUES (?, ?, ?, ?, ?, ?)')
        .run(input.deficiencyId, input.status, input.note, now.toISOString(), input.by, input.retestAttemptId).lastInsertRowid,
    );
    const d = getDeficiency(db, input.deficiencyId)!;
    appendEvent(db, { type: 'deficiency-status', runId: d.runId, payload: { ...input, deficiencyUuid: d.uuid, statusId } }, now);
    return d;
  });
}

type DefDbRow = {
  id: number;
  uuid: string;
  site_id: number;
  run_id: number | null;
  opening_id: string;
  procedure_id: string | null;
  step_result_id: number | null;
  severity: Severity;
  description: string;
  source: 'step' | 'manual';
  created_at: string;
  created_by: string;
};

/** The open deficiency a step failure would repeat: same site, opening, procedure and risk. */
function openStepDeficiency(
  db: Db,
  k: { siteId: number; openingId: string; procedureId: string; description: string },
): DeficiencyRow | undefined {
  return db
    .prepare<DefDbRow>(
      `SELECT * FROM deficiencies WHERE site_id = ? AND opening_id = ? AND procedure_id = ? AND description = ? AND source = 'step' ORDER BY id`,
    )
    .all(k.siteId, k.openingId, k.procedureId, k.description)
    .map((r) => withHistory(db, r))
    .find((d) => currentStatus(d).status === 'open');
}

function withHistory(db: Db, r: DefDbRow): DeficiencyRow {
  const history = db
    .prepare<{ status: DeficiencyStatus; note: string; at: string; by: string; retest_attempt_id: number | null }>(
      'SELECT status, note, at, by, retest_attempt_id FROM deficiency_status WHERE deficiency_id = ? ORDER BY id',
    )
    .all(r.id)
    .map((h) => ({ status: h.status, note: h.note, at: h.at, by: h.by, retestAttemptId: h.retest_attempt_id }));
  return {
    id: r.id,
    uuid: r.uuid,
    siteId: r.site_id,
    runId: r.run_id,
    openingId: r.opening_id,
    procedureId: r.procedure_id,
    stepResultId: r.step_result_id,
    severity: r.severity,
    description: r.description,
    source: r.source,
    createdAt: r.created_at,
    createdBy: r.created_by,
    history,
    occurrences: db
      .prepare<{ attempt_id: number; step_result_id: number; at: string }>(
        'SELECT attempt_id, step_result_id, at FROM deficiency_occurrences WHERE deficiency_id = ? ORDER BY id',
      )
      .all(r.id)
      .map((o) => ({ attemptId: o.attempt_id, stepResultId: o.step_result_id, at: o.at })),
  };
}

export function getDeficiency(db: Db, id: number): DeficiencyRow | undefined {
  const r = db.prepare<DefDbRow>('SELECT * FROM deficiencies WHERE id = ?').get(id);
  return r ? withHistory(db, r) : undefined;
}

export function listDeficiencies(db: Db, filter: { siteId: number; runId?: number; openingId?: string }): DeficiencyRow[] {
  const where = ['site_id = ?'];
  const params: (string | number)[] = [filter.siteId];
  if (filter.runId !== undefined) {
    where.push('run_id = ?');
    params.push(filter.runId);
  }
  if (filter.openingId !== undefined) {
    where.push('opening_id = ?');
    params.push(filter.openingId);
  }
  return db
    .prepare<DefDbRow>(`SELECT * FROM deficiencies WHERE ${where.join(' AND ')} ORDER BY id`)
    .all(...params)
    .map((r) => withHistory(db, r));
}

export function currentStatus(d: DeficiencyRow): { status: DeficiencyStatus; note: string } {
  const last = d.history[d.history.length - 1];
  return { status: last?.status ?? 'open', note: last?.note ?? '' };
}

export function insertAttachment(db: Db, a: Omit<AttachmentRow, 'id' | 'createdAt'>, runId: number | null, now: Date): AttachmentRow {
  return db.transaction(() => {
    const id = Number(
      db
        .prepare('INSERT INTO attachments (deficiency_id, sha256, file_name, mime_type, size, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(a.deficiencyId, a.sha256, a.fileName, a.mimeType, a.size, now.toISOString()).lastInsertRowid,
    );
    appendEvent(db, { type: 'photo-attached', runId, payload: { ...a, id } }, now);
    return { ...a, id, createdAt: now.toISOString() };
  });
}

type AttDbRow = {
  id: number;
  deficiency_id: number;
  sha256: string;
  file_name: string;
  mime_type: string;
  size: number;
  created_at: string;
};
const toAtt = (r: AttDbRow): AttachmentRow => ({
  id: r.id,
  deficiencyId: r.deficiency_id,
  sha256: r.sha256,
  fileName: r.file_name,
  mimeType: r.mime_type,
  size: r.size,
  createdAt: r.created_at,
});

export function listAttachments(db: Db, deficiencyId: number): AttachmentRow[] {
  return db.prepare<AttDbRow>('SELECT * FROM attachments WHERE deficiency_id = ? ORDER BY id').all(deficiencyId).map(toAtt);
}

export function getAttachmentBySha(db: Db, sha256: string): AttachmentRow | undefined {
  const r = db.prepare<AttDbRow>('SELECT * FROM attachments WHERE sha256 = ? ORDER BY id LIMIT 1').get(sha256);
  return r ? toAtt(r) : undefined;
}
