// The schedule workspace's part of the API: sites, openings, import/export.
import { z } from 'zod';
import type {
  Category,
  EditRecord,
  FailMode,
  Finding,
  LockType,
  LockingArrangement,
  Opening,
  OpeningField,
  Severity,
} from '../../core/schedule/types';
import type { FieldIssue } from './errors';

const siteId = z.number().int().positive();
const openingId = z.string().trim().min(1).max(64);
/** File content travels base64-encoded so CSV bytes (BOM, encodings) and XLSX survive JSON transport. */
const fileInput = z.object({
  fileName: z.string().min(1).max(255),
  contentBase64: z.string().max(200 * 1024 * 1024),
});

export const scheduleInputs = {
  listSites: z.object({}).strict(),
  getSiteSummary: z.object({ siteId }).strict(),
  queryOpenings: z
    .object({
      siteId,
      search: z.string().max(200).optional(),
      category: z.string().max(40).optional(),
      failMode: z.string().max(40).optional(),
      lockType: z.string().max(40).optional(),
      lockingArrangement: z.string().max(40).optional(),
      /** Filter values are checked in the handler against their vocabularies (an unknown one is a named `validation` error; '' = no filter). */
      /** A severity: openings with at least one finding of it; 'any': with findings; 'none': without. */
      severity: z.string().max(40).optional(),
      /** Openings on this power supply id (ignoring case); '' = no filter, null = openings on no supply. */
      powerSupply: z.string().max(100).nullable().optional(),
      /** Any opening column, 'findingCount' or 'worstSeverity' (ascending = worst first); default: schedule order. */
      sort: z
        .object({ field: z.string().max(40), desc: z.boolean() })
        .strict()
        .optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(200),
    })
    .strict(),
  getOpening: z.object({ siteId, openingId }).strict(),
  /** `changes` is validated against the opening schema in the handler, which names each bad field. */
  updateOpening: z
    .object({
      siteId,
      openingId,
      changes: z.record(z.string(), z.unknown()),
      editor: z.string().trim().min(1).max(100),
      /** The opening's version the form was loaded from; a newer stored version is a conflict. */
      baseVersion: z.number().int().min(0),
    })
    .strict(),
  previewImport: fileInput.extend({ siteName: z.string().trim().min(1).max(200) }).strict(),
  applyImport: fileInput
    .extend({
      siteName: z.string().trim().min(1).max(200),
      /** The diffHash the user confirmed; if the file or database changed since, the apply is refused. */
      confirmDiffHash: z.string().min(1).max(128),
      editor: z.string().trim().min(1).max(100).default('import'),
    })
    .strict(),
  exportSchedule: z.object({ siteId, format: z.enum(['csv', 'xlsx']) }).strict(),
};

export interface Site {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface SiteListItem extends Site {
  openingCount: number;
  findingsBySeverity: Record<Severity, number>;
}

export interface SiteSummary {
  site: Site;
  openingCount: number;
  byMode: Record<FailMode, number>;
  byCategory: Record<Category, number>;
  byLockType: Partial<Record<LockType, number>>;
  byArrangement: Partial<Record<LockingArrangement, number>>;
  findingsBySeverity: Record<Severity, number>;
  /** Openings with at least one finding. */
  openingsWithFindings: number;
}

/** A table row: the opening plus its worst finding, for filtering and colouring. */
export interface OpeningRow extends Omit<Opening, 'extras'> {
  findingCount: number;
  worstSeverity: Severity | null;
}

export interface OpeningPage {
  total: number;
  offset: number;
  rows: OpeningRow[];
}

export type { EditRecord } from '../../core/schedule/types';

export interface OpeningDetail {
  siteId: number;
  opening: Opening;
  version: number;
  findings: Finding[];
  history: EditRecord[];
}

/** How one header of the file was understood. */
export interface ColumnMapping {
  sourceHeader: string;
  /** Canonical column, or null when kept as an extra. */
  column: OpeningField | null;
  /** e.g. 'alias "Door No."' or 'unknown column: kept in extras' */
  how: string;
}

export interface FieldChange {
  field: string;
  oldValue: string;
  newValue: string;
}

export interface ScheduleDiff {
  added: string[];
  removed: string[];
  changed: { openingId: string; changes: FieldChange[] }[];
  unchanged: number;
}

export interface ImportPreview {
  siteName: string;
  /** Null when the site does not exist yet (everything is added). */
  siteId: number | null;
  format: 'csv' | 'tsv' | 'xlsx';
  rowCount: number;
  mapping: ColumnMapping[];
  /** Every bad cell; when non-empty nothing can be applied. */
  errors: FieldIssue[];
  /** The first rows as normalised, for the preview table. */
  sample: Opening[];
  diff: ScheduleDiff | null;
  /** Identifies this exact diff; applyImport must be called with it. */
  diffHash: string | null;
}

export interface ImportResult {
  siteId: number;
  added: number;
  changed: number;
  removed: number;
}

export interface ExportFile {
  fileName: string;
  mimeType: string;
  contentBase64: string;
}

export interface ScheduleOutputs {
  listSites: SiteListItem[];
  getSiteSummary: SiteSummary;
  queryOpenings: OpeningPage;
  getOpening: OpeningDetail;
  updateOpening: OpeningDetail;
  previewImport: ImportPreview;
  applyImport: ImportResult;
  exportSchedule: ExportFile;
}
