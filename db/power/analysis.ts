// A site's power analysis from what is stored: supplies, settings, the openings' power
// columns and the newest meter reading per opening (a reading beyond tolerance is a finding).
import { analyzePower, measurementFinding, type PowerAnalysis } from '../../core/power';
import { severityRank } from '../../core/rules';
import type { Db } from '../sqlite';
import { getPowerSettings, latestMeasurements, listPowerOpenings, listSupplies } from './repository';

export function sitePower(db: Db, siteId: number): PowerAnalysis {
  const settings = getPowerSettings(db, siteId);
  const openings = listPowerOpenings(db, siteId);
  const analysis = analyzePower(openings, listSupplies(db, siteId), settings);
  const bySupply = new Map(analysis.supplies.map((r) => [r.supply.supply_id.toLowerCase(), r]));
  const current = new Map(openings.map((o) => [o.opening_id, o]));
  for (const m of latestMeasurements(db, siteId)) {
    const o = current.get(m.opening_id);
    // Compared with what the schedule said when the reading was taken (kept with it).
    const f = measurementFinding(
      {
        opening_id: m.opening_id,
        power_supply: o?.power_supply ?? '',
        lock_voltage: m.expectedVoltage,
        lock_current_ma: m.expectedCurrentMa,
      },
      m,
      settings,
    );
    if (!f) continue;
    analysis.findings.push(f);
    analysis.findingsBySeverity[f.severity]++;
    const report = f.supplyId ? bySupply.get(f.supplyId.toLowerCase()) : undefined;
    if (report) report.findings.push(f);
  }
  analysis.findings.sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  return analysis;
}
