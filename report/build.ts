// Building a signed report: load → model → PDF (streamed to a temporary file) →
// PAdES signature → the final file, renamed into place only when everything
// worked, then recorded with its hashes. Any failure leaves no file and no row.
import { closeSync, createWriteStream, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { ReportModel, ReportScope } from '../core/report/model';
import type { Opening } from '../core/schedule/types';
import { recordReport, type ReportRow } from '../db/reports/repository';
import { readPhoto } from '../db/runs';
import type { Db } from '../db/sqlite';
import type { SigningIdentity } from './certificate';
import { loadReportModel, ReportError } from './load';
import { sha256 } from './hash';
import { renderReportPdf, type RenderedReport, type RenderProgress } from './pdf';
import { signPdf } from './sign';
import { verifyReport } from './verify';

export interface BuildOptions {
  siteId: number;
  scope: ReportScope;
  dataDir: string;
  outFile: string;
  /** The signer, or how to get it: asked only once the report is known to be buildable (no blockers). */
  identity: SigningIdentity | (() => SigningIdentity | Promise<SigningIdentity>);
  now: Date;
  witness?: { name: string; title: string } | null;
  running?: ReadonlySet<number>;
  modeReason: (o: Opening) => string;
  progress?: (phase: 'render' | 'sign' | 'done', done: number, total: number) => void;
}

export interface BuiltReport {
  row: ReportRow;
  model: ReportModel;
  bytes: number;
}

export function writeFileDurably(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Renders the model's PDF (unsigned) to a file. Same model + same photos → same bytes. */
export async function renderToFile(model: ReportModel, dataDir: string, file: string, progress?: RenderProgress): Promise<RenderedReport> {
  const out = createWriteStream(file);
  return renderReportPdf(model, { read: (sha) => readPhoto(dataDir, sha) }, out, progress);
}

export async function buildReport(db: Db, o: BuildOptions): Promise<BuiltReport> {
  const { model, blockers } = loadReportModel(db, {
    siteId: o.siteId,
    scope: o.scope,
    generatedAt: o.now,
    dataDir: o.dataDir,
    witness: o.witness,
    running: o.running,
    modeReason: o.modeReason,
  });
  if (blockers.length) throw new ReportError(`The report cannot be built: ${blockers.join(' ')}`);
  const identity = typeof o.identity === 'function' ? await o.identity() : o.identity;
  const unsigned = `${o.outFile}.${process.pid}.unsigned.tmp`;
  try {
    const rendered = await renderToFile(model, o.dataDir, unsigned, (done, total) => o.progress?.('render', done, total));
    const modelSha256 = rendered.jsonSha256;
    o.progress?.('sign', 0, 1);
    const signed = await signPdf(readFileSync(unsigned), identity, {
      reason: model.draft ? 'Commissioning report (DRAFT: not signed by hand by both parties)' : 'Commissioning report',
      location: model.site.name,
      signingTime: o.now,
    });
    // Check what was produced before it replaces anything.
    const check = verifyReport(signed, o.outFile, undefined, {
      built: { modelSha256, dataStreamSha256: rendered.jsonStreamSha256 },
    });
    if (!check.ok) throw new ReportError(`The signed report did not verify: ${check.problems.join(' ')}`);
    writeFileDurably(o.outFile, signed);
    const row = recordReport(db, {
      siteId: o.siteId,
      filePath: o.outFile,
      fileSha256: sha256(signed),
      modelSha256,
      scope: model.scope.description,
      overall: model.overall,
      draft: model.draft,
      signer: identity.name,
      eventLogHead: model.integrity.eventLogHead,
      eventLogLength: model.integrity.eventLogLength,
      builtAt: o.now.toISOString(),
    });
    o.progress?.('done', 1, 1);
    return { row, model, bytes: signed.length };
  } finally {
    rmSync(unsigned, { force: true });
  }
}

/** Adds a countersignature (e.g. the owner's representative) as an incremental update; the first signature stays valid. */
export async function countersignReport(file: string, outFile: string, identity: SigningIdentity, now: Date): Promise<Buffer> {
  const pdf = readFileSync(file);
  const before = verifyReport(pdf, file);
  if (!before.ok) throw new ReportError(`Only a valid report can be countersigned: ${before.problems.join(' ')}`);
  const signed = await signPdf(pdf, identity, { reason: 'Countersignature', location: before.report?.site ?? '', signingTime: now });
  const after = verifyReport(signed, outFile);
  if (!after.ok) throw new ReportError(`The countersigned report did not verify: ${after.problems.join(' ')}`);
  writeFileDurably(outFile, signed);
  return signed;
}
