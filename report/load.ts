// Loads what a report says from the site's database: schedule, runs in scope,
// attempts with their committed steps, deficiencies with history and photos,
// the event log's head (after checking the whole chain), handwritten signatures.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../core/canonical-json';
import { buildReportModel, type BuiltModel, type InputAttempt, type ReportScope } from '../core/report/model';
import type { Opening } from '../core/schedule/types';
import { attachmentsDir, listAttachments, listAttemptHeadlines, listDeficiencies, listRuns, verifyEventLog } from '../db/runs';
import { currentHandwrittenSignatures, reportStepsOfRun } from '../db/reports/repository';
import { getSite, listOpenings } from '../db/schedule/repository';
import type { Db } from '../db/sqlite';
import { sha256 } from './hash';

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

export interface LoadOptions {
  siteId: number;
  scope: ReportScope;
  generatedAt: Date;
  dataDir: string;
  witness?: { name: string; title: string } | null;
  /** Attempts running right now (a report waits for them). */
  running?: ReadonlySet<number>;
  modeReason: (o: Opening) => string;
}

export function loadReportModel(db: Db, o: LoadOptions): BuiltModel {
  const site = getSite(db, o.siteId);
  if (!site) throw new ReportError(`There is no site ${o.siteId}.`);
  // The whole log is replayed first: its garbage is collected before the report's rows are read (lower peak memory).
  const chain = verifyEventLog(db);
  const allRuns = listRuns(db, o.siteId).reverse();
  for (const id of o.scope.runIds)
    if (!allRuns.some((r) => r.id === id)) throw new ReportError(`Run ${id} is not a run of site "${site.name}".`);
  const runs = o.scope.runIds.length ? allRuns.filter((r) => o.scope.runIds.includes(r.id)) : allRuns;
  const attempts: InputAttempt[] = runs.flatMap((run) => {
    const steps = reportStepsOfRun(db, run.id);
    return listAttemptHeadlines(db, run.id).map((a) => ({
      id: a.id,
      uuid: a.uuid,
      runId: a.runId,
      openingId: a.openingId,
      procedureId: a.procedureId,
      plan: a.plan,
      link: a.link,
      startedAt: a.startedAt,
      supersedes: a.supersedes,
      end: a.end,
      running: !a.end && (o.running?.has(a.id) ?? false),
      // The fields a report prints (a step's evidence trace is not one of them).
      steps: steps.get(a.id) ?? [],
    }));
  });
  const deficiencies = listDeficiencies(db, { siteId: o.siteId }).map((d) => ({
    id: d.id,
    uuid: d.uuid,
    runId: d.runId,
    openingId: d.openingId,
    procedureId: d.procedureId,
    severity: d.severity,
    description: d.description,
    source: d.source,
    createdAt: d.createdAt,
    createdBy: d.createdBy,
    history: d.history,
    photos: listAttachments(db, d.id).map((p) => ({ sha256: p.sha256, fileName: p.fileName, mimeType: p.mimeType, size: p.size })),
  }));
  const openings = listOpenings(db, o.siteId);
  const built = buildReportModel({
    generatedAt: o.generatedAt.toISOString(),
    site: { id: site.id, name: site.name },
    scope: o.scope,
    openings,
    modeReason: o.modeReason,
    runs: runs.map((r) => ({ id: r.id, technician: r.technician, startedAt: r.startedAt, settings: r.settings })),
    attempts,
    deficiencies,
    signatures: currentHandwrittenSignatures(db, o.siteId),
    witness: o.witness ?? null,
    scheduleHash: sha256(Buffer.from(canonicalJson(openings) ?? '[]', 'utf8')),
    eventLog: { head: chain.headHash, length: chain.count },
  });
  if (!chain.ok)
    built.blockers.push(`The event log is damaged at row ${chain.badSeq}: ${chain.reason}. A report cannot vouch for these results.`);
  const dir = attachmentsDir(o.dataDir);
  for (const d of built.model.deficiencies)
    for (const p of d.photos)
      if (!existsSync(join(dir, p.sha256)))
        built.blockers.push(
          `Photo "${p.fileName}" of deficiency #${d.id} (${d.openingId}) is missing: ${join(dir, p.sha256)} does not exist.`,
        );
  return built;
}
