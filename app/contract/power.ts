// Power sizing's part of the API: a site's supplies (import, form, export), the load
// analysis with its findings, the model's settings and meter readings at the door.
import { z } from 'zod';
import type { PowerAnalysis, PowerFinding, PowerSettings, PowerSupply, SupplyReport } from '../../core/power';
import type { FieldIssue } from './errors';
import type { ExportFile } from './schedule';

const siteId = z.number().int().positive();
const supplyId = z.string().trim().min(1).max(100);
const fileInput = z.object({
  siteId,
  fileName: z.string().min(1).max(255),
  contentBase64: z.string().max(50 * 1024 * 1024),
});
const pct = (min: number, max: number) => z.number().min(min).max(max);

export const powerInputs = {
  getPower: z.object({ siteId }).strict(),
  /** The supplies alone (for the schedule's power-supply filter), in sheet order. */
  listSupplies: z.object({ siteId }).strict(),
  previewSupplies: fileInput.strict(),
  /** Replaces the site's supplies with the file's (all-or-nothing). */
  importSupplies: fileInput.strict(),
  /** `supply` is validated field by field in the handler (each bad field named); `originalId` null = a new supply. */
  saveSupply: z.object({ siteId, originalId: supplyId.nullable(), supply: z.record(z.string(), z.unknown()) }).strict(),
  deleteSupply: z.object({ siteId, supplyId }).strict(),
  exportSupplies: z.object({ siteId, format: z.enum(['csv', 'xlsx']) }).strict(),
  setPowerSettings: z
    .object({
      siteId,
      /** Percent of the rated output the load may use. */
      supplyDeratingPct: pct(10, 100),
      batteryDeratingPct: pct(10, 100),
      voltageTolerancePct: pct(0, 100),
      currentTolerancePct: pct(0, 100),
    })
    .strict(),
  /** A meter reading as typed, with its unit ("23.8 V", "480 mA", "0,48 A"); blank = not measured. */
  recordPowerMeasurement: z
    .object({
      siteId,
      openingId: z.string().trim().min(1).max(64),
      voltage: z.string().max(40),
      current: z.string().max(40),
      technician: z.string().trim().min(1).max(100),
      note: z.string().max(2000).default(''),
    })
    .strict(),
  listPowerMeasurements: z.object({ siteId, openingId: z.string().trim().min(1).max(64) }).strict(),
};

export type { PowerAnalysis, PowerFinding, PowerSettings, PowerSupply, SupplyReport } from '../../core/power';

export interface SupplyImportPreview {
  format: 'csv' | 'tsv' | 'xlsx';
  sheet: string | null;
  mapping: { sourceHeader: string; column: string | null }[];
  /** Every bad cell; when non-empty nothing can be imported. */
  errors: FieldIssue[];
  supplies: PowerSupply[];
  added: string[];
  changed: string[];
  removed: string[];
}

/**
 * A supply's figures as the UI gets them: the count of its openings rather than their ids, and
 * its findings only once, in PowerView.findings (by supplyId), so a 50,000-opening site stays small.
 */
export interface SupplyView extends Omit<SupplyReport, 'openingIds' | 'findings'> {
  openingCount: number;
}

export interface PowerView extends Omit<PowerAnalysis, 'supplies'> {
  siteId: number;
  supplies: SupplyView[];
}

/** One reading and how it compares with the schedule's values at the time. */
export interface PowerMeasurementView {
  id: number;
  openingId: string;
  voltage: number | null;
  currentMa: number | null;
  expectedVoltage: number | null;
  expectedCurrentMa: number | null;
  at: string;
  technician: string;
  note: string;
  /** Differences beyond tolerance, in words. */
  problems: string[];
  /** What was within tolerance, in words. */
  within: string[];
  /** Readings that could not be compared (the schedule gives no value), in words. */
  notCompared: string[];
  finding: PowerFinding | null;
}

/** PowerView.findings grouped by supply (ids matched ignoring case), each group worst first. */
export function findingsBySupply(findings: readonly PowerFinding[]): Map<string, PowerFinding[]> {
  const out = new Map<string, PowerFinding[]>();
  for (const f of findings) {
    if (!f.supplyId) continue;
    const key = f.supplyId.toLowerCase();
    const list = out.get(key);
    if (list) list.push(f);
    else out.set(key, [f]);
  }
  return out;
}

export interface PowerOutputs {
  getPower: PowerView;
  listSupplies: PowerSupply[];
  previewSupplies: SupplyImportPreview;
  importSupplies: { count: number; added: number; changed: number; removed: number };
  saveSupply: PowerSupply;
  deleteSupply: { deleted: boolean };
  exportSupplies: ExportFile;
  setPowerSettings: PowerSettings;
  recordPowerMeasurement: PowerMeasurementView;
  listPowerMeasurements: PowerMeasurementView[];
}
