// The report model's shape, versioned: what a signed report says, as data. The
// PDF is drawn from it, the same JSON is embedded in the PDF (covered by the
// signature) and exported; docs/report.schema.json is generated from this file.
import { z } from 'zod';

export const REPORT_MODEL_VERSION = 1;

const verdict = z.enum(['pass', 'fail', 'inconclusive']);
const severity = z.enum(['life-safety', 'security', 'compliance', 'procurement']);
const triState = z.enum(['yes', 'no', 'unknown']);
/** An opening's overall result in the report; not-tested = nothing recorded in scope. */
export const openingResult = z.enum(['pass', 'fail', 'inconclusive', 'incomplete', 'not-tested']);

const step = z.object({
  index: z.number().int(),
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  verdict,
  reason: z.string(),
  measuredMs: z.number().nullable(),
  resolutionMs: z.number().nullable(),
  startedAt: z.string(),
  endedAt: z.string(),
  /** The evidence is a person's confirmation, not a reading of the door. */
  personEvidence: z.boolean(),
});

const attempt = z.object({
  id: z.number().int(),
  uuid: z.string(),
  runId: z.number().int(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  verdict,
  reason: z.string(),
  /** DoorCx stopped while it ran (crash, power loss): reported inconclusive. */
  interrupted: z.boolean(),
  link: z.string().nullable(),
  supersedes: z.number().int().nullable(),
  steps: z.array(step),
});

const procedure = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(['automatic', 'checklist']),
  required: z.boolean(),
  citation: z.string(),
  criteria: z.array(z.string()),
  /** The attempt that counts (latest, not superseded); null = not tested. */
  final: attempt.nullable(),
  /** Earlier and superseded attempts, oldest first: kept, never hidden. */
  history: z.array(attempt),
});

const photo = z.object({ sha256: z.string(), fileName: z.string(), mimeType: z.string(), size: z.number().int() });

const deficiency = z.object({
  id: z.number().int(),
  uuid: z.string(),
  openingId: z.string(),
  procedureId: z.string().nullable(),
  severity,
  description: z.string(),
  source: z.enum(['step', 'manual']),
  createdAt: z.string(),
  createdBy: z.string(),
  status: z.enum(['open', 'fixed-retested', 'accepted-by-ahj']),
  history: z.array(
    z.object({
      status: z.enum(['open', 'fixed-retested', 'accepted-by-ahj']),
      note: z.string(),
      at: z.string(),
      by: z.string(),
      retestAttemptId: z.number().int().nullable(),
    }),
  ),
  photos: z.array(photo),
});

const opening = z.object({
  openingId: z.string(),
  building: z.string(),
  floor: z.string(),
  location: z.string(),
  category: z.string(),
  lockingArrangement: z.string(),
  expectedMode: z.enum(['fail-safe', 'fail-secure']),
  modeReason: z.string(),
  codeBasis: z.string(),
  fireRatingMin: z.number(),
  hardware: z.object({
    lockType: z.string(),
    hardwareSet: z.string(),
    powerSupply: z.string(),
    lockVoltage: z.number().nullable(),
    lockCurrentMa: z.number().nullable(),
    pdAddress: z.number().int().nullable(),
  }),
  procurement: z.object({ ndaa889: triState, taa: triState }),
  result: openingResult,
  procedures: z.array(procedure),
  /** NFPA 80 inspection items, when the fire-door inspection was recorded. */
  nfpa80: z.array(z.object({ id: z.string(), title: z.string(), verdict, personEvidence: z.boolean() })).nullable(),
  deficiencyIds: z.array(z.number().int()),
});

const counts = z.object({
  total: z.number().int(),
  pass: z.number().int(),
  fail: z.number().int(),
  inconclusive: z.number().int(),
  incomplete: z.number().int(),
  notTested: z.number().int(),
});

const handwritten = z.object({
  id: z.number().int(),
  role: z.enum(['technician', 'witness']),
  name: z.string(),
  title: z.string(),
  signedAt: z.string(),
  /** Strokes as drawn: points in a 0..1 box (x right, y down). */
  strokes: z.array(z.array(z.tuple([z.number(), z.number()]))),
});

export const reportModelSchema = z.object({
  format: z.literal('doorcx-commissioning-report'),
  version: z.literal(REPORT_MODEL_VERSION),
  generatedAt: z.string(),
  site: z.object({ id: z.number().int(), name: z.string() }),
  scope: z.object({
    description: z.string(),
    runIds: z.array(z.number().int()),
    floors: z.array(z.string()),
    openingIds: z.array(z.string()),
  }),
  settings: z.object({ edition: z.string(), thresholds: z.record(z.string(), z.number()), ahjNote: z.string().nullable() }),
  technicians: z.array(z.string()),
  witness: z.object({ name: z.string(), title: z.string() }).nullable(),
  dates: z.object({ firstTest: z.string().nullable(), lastTest: z.string().nullable() }),
  overall: openingResult,
  summary: z.object({ all: counts, byFloor: z.array(counts.extend({ floor: z.string() })) }),
  openings: z.array(opening),
  deficiencies: z.array(deficiency),
  warnings: z.array(z.string()),
  signatures: z.array(handwritten),
  /** Draft until both the technician and the witness signed by hand. */
  draft: z.boolean(),
  integrity: z.object({
    /** sha256 of the schedule of the openings in scope as reported (canonical JSON). */
    scheduleHash: z.string(),
    eventLogHead: z.string().nullable(),
    eventLogLength: z.number().int(),
  }),
});

export type ReportModel = z.infer<typeof reportModelSchema>;
export type ReportOpening = ReportModel['openings'][number];
export type ReportProcedure = ReportOpening['procedures'][number];
export type ReportAttempt = NonNullable<ReportProcedure['final']>;
export type ReportDeficiency = ReportModel['deficiencies'][number];
export type OpeningResult = z.infer<typeof openingResult>;
export type HandwrittenSignature = ReportModel['signatures'][number];
