// Power sizing's handlers: supplies (import, form, export), the analysis, settings, meter readings.
import { ApiError, type FieldIssue } from '../contract';
import type { PowerMeasurementView, powerInputs } from '../contract/power';
import { checkMeasurement, measurementFinding, parseMeasuredCurrent, parseMeasuredVoltage, validateSupply } from '../../core/power';
import {
  deleteSupply,
  exportSupplies,
  getPowerSettings,
  getSupply,
  importSupplies,
  listMeasurements,
  listSupplies,
  previewSupplies,
  recordMeasurement,
  saveSupply,
  setPowerSettings,
  sitePower,
  SupplyImportRejected,
  type MeasurementRecord,
} from '../../db/power';
import { getOpeningById, getSite } from '../../db/schedule';
import type { Db } from '../../db/sqlite';
import type { AppContext } from '../context';
import type { FeatureHandlers } from './index';

function requireSite(db: Db, siteId: number) {
  const site = getSite(db, siteId);
  if (!site) throw new ApiError('not-found', `There is no site with id ${siteId}.`);
  return site;
}

function decodeBase64(b64: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64.replace(/\s+/g, ''))) throw new ApiError('invalid-input', 'contentBase64 is not valid base64.');
  return Buffer.from(b64, 'base64');
}

function view(db: Db, siteId: number, m: MeasurementRecord): PowerMeasurementView {
  const settings = getPowerSettings(db, siteId);
  const expected = {
    opening_id: m.opening_id,
    power_supply: getOpeningById(db, siteId, m.opening_id)?.power_supply ?? '',
    lock_voltage: m.expectedVoltage,
    lock_current_ma: m.expectedCurrentMa,
  };
  const check = checkMeasurement(expected, m, settings);
  return {
    id: m.id,
    openingId: m.opening_id,
    voltage: m.voltage,
    currentMa: m.current_ma,
    expectedVoltage: m.expectedVoltage,
    expectedCurrentMa: m.expectedCurrentMa,
    at: m.at,
    technician: m.technician,
    note: m.note,
    problems: check.problems,
    within: check.within,
    notCompared: check.notCompared,
    finding: measurementFinding(expected, m, settings),
  };
}

export function createPowerHandlers(ctx: AppContext): FeatureHandlers<keyof typeof powerInputs> {
  const { db } = ctx;
  return {
    getPower: ({ siteId }) => {
      requireSite(db, siteId);
      const { supplies, ...rest } = sitePower(db, siteId);
      return {
        siteId,
        ...rest,
        supplies: supplies.map(({ openingIds, findings: _f, ...r }) => ({ ...r, openingCount: openingIds.length })),
      };
    },

    listSupplies: ({ siteId }) => {
      requireSite(db, siteId);
      return listSupplies(db, siteId);
    },

    previewSupplies: async ({ siteId, fileName, contentBase64 }) => {
      requireSite(db, siteId);
      return previewSupplies(db, siteId, fileName, decodeBase64(contentBase64));
    },

    importSupplies: async ({ siteId, fileName, contentBase64 }) => {
      requireSite(db, siteId);
      try {
        const p = await importSupplies(db, siteId, fileName, decodeBase64(contentBase64), ctx.now());
        return { count: p.supplies.length, added: p.added.length, changed: p.changed.length, removed: p.removed.length };
      } catch (err) {
        if (err instanceof SupplyImportRejected) throw new ApiError('import-rejected', err.message, err.errors satisfies FieldIssue[]);
        throw err;
      }
    },

    saveSupply: ({ siteId, originalId, supply }) => {
      requireSite(db, siteId);
      const r = validateSupply(supply);
      if (!r.ok) {
        const issues: FieldIssue[] = r.issues.map((i) => ({ field: i.field, value: i.value, reason: i.reason }));
        throw new ApiError('validation', `The supply was not saved: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, issues);
      }
      if (originalId !== null && !getSupply(db, siteId, originalId))
        throw new ApiError('not-found', `There is no supply "${originalId}" in this site (deleted meanwhile?).`);
      const clash = getSupply(db, siteId, r.supply.supply_id);
      if (clash && (originalId === null || clash.supply_id.toLowerCase() !== originalId.toLowerCase()))
        throw new ApiError('validation', `A supply with id "${r.supply.supply_id}" already exists in this site.`, [
          { field: 'supply_id', value: r.supply.supply_id, reason: 'Duplicate supply id: another supply has it' },
        ] satisfies FieldIssue[]);
      const old = originalId === null ? undefined : getSupply(db, siteId, originalId);
      saveSupply(db, siteId, originalId, { ...r.supply, extras: old?.extras ?? {} }, ctx.now());
      return getSupply(db, siteId, r.supply.supply_id)!;
    },

    deleteSupply: ({ siteId, supplyId }) => {
      requireSite(db, siteId);
      return { deleted: deleteSupply(db, siteId, supplyId) };
    },

    exportSupplies: async ({ siteId, format }) => {
      requireSite(db, siteId);
      const f = await exportSupplies(db, siteId, format);
      return { fileName: f.fileName, mimeType: f.mimeType, contentBase64: f.bytes.toString('base64') };
    },

    setPowerSettings: ({ siteId, supplyDeratingPct, batteryDeratingPct, voltageTolerancePct, currentTolerancePct }) => {
      requireSite(db, siteId);
      setPowerSettings(db, siteId, {
        supplyDerating: supplyDeratingPct / 100,
        batteryDerating: batteryDeratingPct / 100,
        voltageTolerancePct,
        currentTolerancePct,
      });
      return getPowerSettings(db, siteId);
    },

    recordPowerMeasurement: ({ siteId, openingId, voltage, current, technician, note }) => {
      requireSite(db, siteId);
      const o = getOpeningById(db, siteId, openingId);
      if (!o) throw new ApiError('not-found', `There is no opening "${openingId}" in site ${siteId}.`);
      const v = parseMeasuredVoltage(voltage);
      const c = parseMeasuredCurrent(current);
      const issues: FieldIssue[] = [];
      if (!v.ok) issues.push({ field: 'voltage', value: voltage, reason: v.reason });
      if (!c.ok) issues.push({ field: 'current', value: current, reason: c.reason });
      if (v.ok && c.ok && v.value === null && c.value === null)
        issues.push({ field: 'voltage', value: '', reason: 'Type the measured voltage, current or both' });
      if (issues.length > 0 || !v.ok || !c.ok)
        throw new ApiError(
          'validation',
          `The reading was not recorded: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`,
          issues,
        );
      const rec = recordMeasurement(
        db,
        siteId,
        { opening_id: o.opening_id, voltage: v.value, current_ma: c.value, at: ctx.now().toISOString(), technician, note },
        { voltage: o.lock_voltage, currentMa: o.lock_current_ma },
      );
      return view(db, siteId, rec);
    },

    listPowerMeasurements: ({ siteId, openingId }) => {
      requireSite(db, siteId);
      return listMeasurements(db, siteId, openingId).map((m) => view(db, siteId, m));
    },
  };
}
