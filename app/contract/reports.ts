// Reports' part of the API: preview what a report will say (with warnings and
// what blocks it), hand signatures (strokes as vectors, append-only), build a
// signed PDF (progress as reports:progress events), the list of reports built
// with their hashes, open a report file, verify it, export the JSON and CSV.
import type { BuiltReport } from '../../core/report/built';
import { z } from 'zod';
import type { HandwrittenSignature, ReportModel } from '../../core/report/schema';

export type { HandwrittenSignature, ReportModel } from '../../core/report/schema';

const siteId = z.number().int().positive();
const reportId = z.number().int().positive();
const scope = {
  siteId,
  /** Empty or absent = every run (the latest result per opening). */
  runIds: z.array(z.number().int().positive()).max(1000).default([]),
  floors: z.array(z.string().max(40)).max(500).default([]),
  openingIds: z.array(z.string().trim().min(1).max(64)).max(20_000).default([]),
  witness: z
    .object({ name: z.string().trim().min(1).max(100), title: z.string().trim().max(100).default('') })
    .strict()
    .nullable()
    .default(null),
};
const point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);

export const reportsInputs = {
  previewReport: z.object(scope).strict(),
  /** A hand signature as drawn (points in a 0..1 box); the latest per role is the one the next report carries. */
  addHandwrittenSignature: z
    .object({
      siteId,
      role: z.enum(['technician', 'witness']),
      name: z.string().trim().min(1).max(100),
      title: z.string().trim().max(100).default(''),
      strokes: z.array(z.array(point).min(1).max(5000)).min(1, 'Draw the signature first: the pad is empty.').max(500),
    })
    .strict(),
  listHandwrittenSignatures: z.object({ siteId }).strict(),
  /**
   * Builds and signs the report with the technician's certificate: the one in the data folder (created on first use with
   * this passphrase) or an imported .p12. The engine uses the passphrase for this call only and never stores it; left
   * out, the desktop app fills in the one this computer's keychain keeps (see signingKeychain), else it is refused.
   */
  buildReport: z
    .object({
      ...scope,
      technician: z.string().trim().min(1).max(100),
      passphrase: z.string().min(1).max(1000).optional(),
      p12Base64: z.string().min(1).max(1_000_000).optional(),
    })
    .strict(),
  /** Whether this computer's keychain keeps the certificate passphrase (only the desktop app has one). */
  signingKeychain: z.object({}).strict(),
  listReports: z.object({ siteId }).strict(),
  getReportFile: z.object({ reportId }).strict(),
  verifyReport: z.object({ reportId }).strict(),
  exportReportJson: z.object(scope).strict(),
  exportResultsCsv: z.object(scope).strict(),
  /** Door labels for the openings in scope, on Letter (2×5, 4"×2") or A4 (2×7) label stock. */
  buildLabels: z.object({ ...scope, stock: z.enum(['letter', 'a4']).default('letter') }).strict(),
};

export interface ReportPreview {
  model: ReportModel;
  /** Why the report cannot be built now (a test running, no results, a missing photo…). */
  blockers: string[];
}

export type ReportSummary = BuiltReport;

export interface SignatureVerification {
  index: number;
  signer: string | null;
  issuer: string | null;
  selfSigned: boolean;
  signingTime: string | null;
  subFilter: string | null;
  coversWholeFile: boolean;
  bytesAddedAfter: number;
  valid: boolean;
  problems: string[];
}

export interface ReportVerification {
  ok: boolean;
  file: string;
  /** The file's current SHA-256 and whether it is still the one built. */
  fileSha256: string;
  unchangedSinceBuilt: boolean;
  signatures: SignatureVerification[];
  report: { site: string; generatedAt: string; overall: string; modelSha256: string; draft: boolean } | null;
  eventLog: { checked: boolean; inChain: boolean | null; head: string | null; length: number | null; detail: string | null };
  problems: string[];
}

export interface ReportsOutputs {
  previewReport: ReportPreview;
  addHandwrittenSignature: HandwrittenSignature;
  listHandwrittenSignatures: HandwrittenSignature[];
  buildReport: ReportSummary & { bytes: number; certificateCreated: boolean };
  signingKeychain: { available: boolean; kept: boolean };
  listReports: ReportSummary[];
  getReportFile: { fileName: string; contentBase64: string };
  verifyReport: ReportVerification;
  exportReportJson: { fileName: string; json: string };
  exportResultsCsv: { fileName: string; csv: string };
  buildLabels: { fileName: string; contentBase64: string; count: number };
}

export interface ReportsEvents {
  'reports:progress': { siteId: number; phase: 'load' | 'render' | 'sign' | 'done'; done: number; total: number };
}
