// The runs feature's rows as the API shows them (app/contract/runs.ts): attempts
// with their status and steps, each opening's line in the progress, run summaries,
// deficiencies with their current status and photos.
import { openingProgress, progressOf } from '../../../core/runs/progress';
import {
  currentStatus,
  listAttachments,
  listAttempts,
  listDeficiencies,
  listSteps,
  type AttachmentRow,
  type AttemptRow,
  type DeficiencyRow,
  type RunRow,
} from '../../../db/runs';
import { getSite, listOpenings } from '../../../db/schedule';
import type { Db } from '../../../db/sqlite';
import type { Attachment, AttemptDetail, AttemptSummary, Deficiency, OpeningProgressRow, RunSummary } from '../../contract/runs';
import type { RunsState } from './state';

/** Finished, running now, or cut short (a crash, or the app closed) and not resumed. */
function attemptStatus(state: RunsState, a: AttemptRow): AttemptSummary['status'] {
  return a.end ? 'finished' : state.active.has(a.id) ? 'running' : 'interrupted';
}

export function attemptSummary(state: RunsState, a: AttemptRow): AttemptSummary {
  return {
    id: a.id,
    uuid: a.uuid,
    runId: a.runId,
    openingId: a.openingId,
    procedureId: a.procedureId,
    procedureTitle: a.plan.title,
    startedAt: a.startedAt,
    endedAt: a.end?.endedAt ?? null,
    status: attemptStatus(state, a),
    verdict: a.end?.verdict ?? null,
    reason: a.end?.reason ?? null,
    supersedes: a.supersedes,
    supersededBy: a.supersededBy,
  };
}

/** The summary with its recorded steps and, while it runs, its open prompts and live state. */
export function attemptDetail(db: Db, state: RunsState, a: AttemptRow): AttemptDetail {
  return {
    ...attemptSummary(state, a),
    steps: listSteps(db, a.id).map((s) => ({
      id: s.id,
      stepIndex: s.stepIndex,
      stepId: s.stepId,
      kind: s.kind,
      title: s.title,
      verdict: s.verdict,
      reason: s.reason,
      measuredMs: s.measuredMs,
      resolutionMs: s.resolutionMs,
      startedAt: new Date(s.startedAt).toISOString(),
      endedAt: new Date(s.endedAt).toISOString(),
      personEvidence: s.personEvidence,
      evidence: s.evidence,
      deficiencyId: s.deficiencyId,
      supersedes: s.supersedes,
    })),
    openPrompts: state.active.get(a.id)?.runner.openPrompts ?? [],
    link: a.link,
    live: state.active.get(a.id)?.runner.live ?? null,
  };
}

/** Every opening of the run's site (schedule order) with its status and open deficiencies. */
export function openingRows(db: Db, run: RunRow): OpeningProgressRow[] {
  const byOpening = new Map<string, AttemptRow[]>();
  for (const a of listAttempts(db, run.id)) byOpening.set(a.openingId, [...(byOpening.get(a.openingId) ?? []), a]);
  const open = new Map<string, number>();
  for (const d of listDeficiencies(db, { siteId: run.siteId }))
    if (currentStatus(d).status === 'open') open.set(d.openingId, (open.get(d.openingId) ?? 0) + 1);
  return listOpenings(db, run.siteId).map((o) =>
    openingProgress(o, run.settings, byOpening.get(o.opening_id) ?? [], open.get(o.opening_id) ?? 0),
  );
}

export function runSummary(db: Db, run: RunRow, rows: OpeningProgressRow[] = openingRows(db, run)): RunSummary {
  return {
    id: run.id,
    uuid: run.uuid,
    siteId: run.siteId,
    siteName: getSite(db, run.siteId)?.name ?? '',
    technician: run.technician,
    startedAt: run.startedAt,
    settings: { edition: run.settings.edition, thresholds: { ...run.settings.thresholds }, ahjNote: run.settings.ahjNote },
    progress: progressOf(rows),
  };
}

export function attachmentView(a: AttachmentRow): Attachment {
  return { id: a.id, sha256: a.sha256, fileName: a.fileName, mimeType: a.mimeType, size: a.size, createdAt: a.createdAt };
}

export function deficiencyView(db: Db, d: DeficiencyRow): Deficiency {
  const cur = currentStatus(d);
  return { ...d, status: cur.status, statusNote: cur.note, photos: listAttachments(db, d.id).map(attachmentView) };
}
