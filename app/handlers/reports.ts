// Reports: the handlers behind app/contract/reports.ts. The work is in report/
// (model loading, PDF, signatures, verification); this file maps its errors to
// API errors and keeps one build per site at a time. The PDF and signature code
// (pdfkit, node-forge) is loaded on first use, so starting the app does not pay for it.
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { resultsCsv } from '../../core/report/csv';
import { addHandwrittenSignature, currentHandwrittenSignatures, getReport, listReports } from '../../db/reports/repository';
import { getSite } from '../../db/schedule';
import { sha256 } from '../../report/hash';
import { loadReportModel, ReportError } from '../../report/load';
import { PassThrough } from 'node:stream';
import type { AppContext } from '../context';
import { ApiError } from '../contract/errors';
import type { ReportPreview, reportsInputs } from '../contract/reports';
import type { FeatureHandlers } from './index';
import { modeReason } from '../../core/runs/progress';
import type { RunsState } from './runs';

type Scope = { siteId: number; runIds: number[]; floors: string[]; openingIds: string[]; witness: { name: string; title: string } | null };

const slug = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(/[^\w-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'site';
const stamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** Turns report/ errors into API errors the UI shows as they are. */
function apiErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ReportError || (err instanceof Error && err.name === 'CertificateError'))
      throw new ApiError('validation', err.message);
    throw err;
  }
}

export function createReportsHandlers(ctx: AppContext, runs: RunsState): FeatureHandlers<keyof typeof reportsInputs> {
  const db = ctx.db;
  const building = new Set<number>();

  const siteOrThrow = (siteId: number) => {
    const site = getSite(db, siteId);
    if (!site) throw new ApiError('not-found', `There is no site with id ${siteId}.`);
    return site;
  };
  const preview = (s: Scope, at = ctx.now()): ReportPreview => {
    siteOrThrow(s.siteId);
    return apiErrors(() =>
      loadReportModel(db, {
        siteId: s.siteId,
        scope: { runIds: s.runIds, floors: s.floors, openingIds: s.openingIds },
        generatedAt: at,
        dataDir: ctx.dataDir,
        witness: s.witness,
        running: new Set(runs.active.keys()),
        modeReason,
      }),
    );
  };
  const reportOrThrow = (reportId: number) => {
    const r = getReport(db, reportId);
    if (!r) throw new ApiError('not-found', `There is no report ${reportId}.`);
    return r;
  };

  return {
    previewReport: (input) => preview(input),
    addHandwrittenSignature: (input) => {
      siteOrThrow(input.siteId);
      return addHandwrittenSignature(
        db,
        input.siteId,
        { role: input.role, name: input.name, title: input.title, strokes: input.strokes },
        ctx.now(),
      );
    },
    listHandwrittenSignatures: ({ siteId }) => currentHandwrittenSignatures(db, siteOrThrow(siteId).id),
    buildReport: async (input) => {
      const site = siteOrThrow(input.siteId);
      if (building.has(site.id)) throw new ApiError('conflict', `A report for "${site.name}" is already being built.`);
      building.add(site.id);
      try {
        const { buildReport } = await import('../../report/build');
        const { technicianIdentity } = await import('../../report/certificate');
        const now = ctx.now();
        const emit = (phase: 'load' | 'render' | 'sign' | 'done', done: number, total: number) =>
          ctx.events.emit('reports:progress', { siteId: site.id, phase, done, total });
        emit('load', 0, 1);
        // buildReport says what blocks the report first (nothing is created for a report that cannot be built),
        // then asks for the identity: a wrong passphrase or an unusable .p12 stops there, before anything is written.
        let created = false;
        const identity = () => {
          const passphrase = input.passphrase;
          if (passphrase === undefined)
            throw new ApiError('validation', 'Enter the certificate passphrase: no keychain on this computer keeps it.');
          const made = apiErrors(() =>
            technicianIdentity({
              dataDir: ctx.dataDir,
              technician: input.technician,
              passphrase,
              now,
              imported: input.p12Base64 ? Buffer.from(input.p12Base64, 'base64') : undefined,
            }),
          );
          created = made.created;
          return made.identity;
        };
        const dir = join(ctx.dataDir, 'reports');
        mkdirSync(dir, { recursive: true });
        const built = await buildReport(db, {
          siteId: site.id,
          scope: { runIds: input.runIds, floors: input.floors, openingIds: input.openingIds },
          dataDir: ctx.dataDir,
          outFile: join(dir, `${slug(site.name)}-${stamp(now)}.pdf`),
          identity,
          now,
          witness: input.witness,
          running: new Set(runs.active.keys()),
          modeReason,
          progress: emit,
        }).catch((err: unknown) =>
          apiErrors(() => {
            throw err;
          }),
        );
        return { ...built.row, bytes: built.bytes, certificateCreated: created };
      } finally {
        building.delete(site.id);
      }
    },
    // The engine has no keychain; the desktop app answers this call itself (electron/main.ts).
    signingKeychain: () => ({ available: false, kept: false }),
    listReports: ({ siteId }) => listReports(db, siteOrThrow(siteId).id),
    getReportFile: ({ reportId }) => {
      const r = reportOrThrow(reportId);
      try {
        return { fileName: basename(r.filePath), contentBase64: readFileSync(r.filePath).toString('base64') };
      } catch (err) {
        throw new ApiError('not-found', `The report file ${r.filePath} cannot be read: ${(err as Error).message}`);
      }
    },
    verifyReport: async ({ reportId }) => {
      const { verifyReport } = await import('../../report/verify');
      const r = reportOrThrow(reportId);
      let bytes: Buffer;
      try {
        bytes = readFileSync(r.filePath);
      } catch (err) {
        throw new ApiError('not-found', `The report file ${r.filePath} cannot be read: ${(err as Error).message}`);
      }
      const v = verifyReport(bytes, r.filePath, db);
      const fileSha256 = sha256(bytes);
      return { ...v, fileSha256, unchangedSinceBuilt: fileSha256 === r.fileSha256 };
    },
    exportReportJson: async (input) => {
      const { model } = preview(input);
      const { modelJson } = await import('../../report/pdf');
      return { fileName: `${slug(model.site.name)}-${stamp(new Date(model.generatedAt))}.json`, json: modelJson(model).toString('utf8') };
    },
    exportResultsCsv: (input) => {
      const { model } = preview(input);
      return { fileName: `${slug(model.site.name)}-results-${stamp(new Date(model.generatedAt))}.csv`, csv: resultsCsv(model) };
    },
    buildLabels: async (input) => {
      const { model } = preview(input);
      const { labelsFromModel, renderLabelsPdf } = await import('../../report/labels');
      const labels = labelsFromModel(model);
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await renderLabelsPdf(model.site.name, labels, input.stock, new Date(model.generatedAt), out);
      return {
        fileName: `${slug(model.site.name)}-door-labels-${input.stock}.pdf`,
        contentBase64: Buffer.concat(chunks).toString('base64'),
        count: labels.length,
      };
    },
  };
}
