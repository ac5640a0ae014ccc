// `doorcx power`: a site's power supplies (load against derated capacity, battery hours
// against the requirement) and the power findings; optionally imports a supplies file first.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ApiError, type FieldIssue } from '../../app/contract/errors';
import { CliUsageError, type CliCommand } from '../main';
import { formatIssue } from './schedule';

const amps = (ma: number) => `${(ma / 1000).toFixed(2)} A`;
const pct = (r: number) => `${Math.round(r * 100)} %`;
const hours = (h: number | null) => (h === null ? 'no standby load' : `${(Math.round(h * 10) / 10).toFixed(1)} h`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export const powerCommand: CliCommand = {
  name: 'power',
  usage: 'power --db PATH --site NAME [--import SUPPLIES.csv|.xlsx] [--json]',
  summary: 'Per-supply load vs derated capacity, battery hours vs requirement, and power findings',
  options: { db: { type: 'string' }, site: { type: 'string' }, json: { type: 'boolean' }, import: { type: 'string' } },
  async run({ values }, io) {
    const dbFile = typeof values.db === 'string' && values.db.trim() ? resolve(values.db) : null;
    if (!dbFile) throw new CliUsageError('--db is required');
    if (typeof values.site !== 'string' || values.site.trim() === '') throw new CliUsageError('--site is required');
    if (!existsSync(dbFile)) throw new Error(`There is no database at ${dbFile}`);
    // The backend loads when the command runs, not on `doorcx help`.
    const { createApp } = await import('../../app/index');
    const { listSites } = await import('../../db/schedule');
    const { findingsBySupply } = await import('../../app/contract/power');
    const app = await createApp({ dbFile, dataDir: dirname(dbFile), demo: false });
    try {
      const wanted = values.site.trim().toLowerCase();
      const site = listSites(app.ctx.db).find((s) => s.name.toLowerCase() === wanted);
      if (!site) throw new Error(`There is no site "${values.site}"`);
      if (typeof values.import === 'string') {
        const file = values.import;
        try {
          const r = await app.call('importSupplies', {
            siteId: site.id,
            fileName: basename(file),
            contentBase64: readFileSync(file).toString('base64'),
          });
          if (values.json !== true)
            io.out(`Imported ${r.count} supplies into "${site.name}": ${r.added} added, ${r.changed} changed, ${r.removed} removed.\n`);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'import-rejected') {
            const issues = (err.details as FieldIssue[] | undefined) ?? [{ reason: err.message }];
            io.err(`${file} was rejected (${issues.length} problem${issues.length === 1 ? '' : 's'}); nothing was imported:\n`);
            for (const i of issues) io.err(`  ${formatIssue(i)}\n`);
            return 1;
          }
          throw err;
        }
      }
      const p = await app.call('getPower', { siteId: site.id });
      const bySupply = findingsBySupply(p.findings);
      if (values.json === true) {
        io.out(
          JSON.stringify(
            {
              version: 1,
              site: { id: site.id, name: site.name },
              settings: p.settings,
              supplies: p.supplies.map((r) => ({
                supplyId: r.supply.supply_id,
                location: r.supply.location,
                outputVoltage: r.supply.output_voltage,
                ratedMa: r.ratedMa,
                deratedMa: r.deratedMa,
                normalMa: r.normalMa,
                peakMa: r.peakMa,
                normalRatio: r.normalRatio,
                peakRatio: r.peakRatio,
                usableAh: r.usableAh,
                batteryHours: r.batteryHours,
                requiredHours: r.requiredHours,
                openingCount: r.openingCount,
                findings: (bySupply.get(r.supply.supply_id.toLowerCase()) ?? []).map((f) => f.rule_id),
              })),
              findingsBySeverity: p.findingsBySeverity,
              findings: p.findings.map((f) => ({
                ruleId: f.rule_id,
                severity: f.severity,
                supplyId: f.supplyId,
                openingIds: f.openingIds,
                message: f.message,
                requirement: f.requirement,
              })),
            },
            null,
            2,
          ) + '\n',
        );
        return 0;
      }
      const counts = Object.entries(p.findingsBySeverity)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      io.out(
        `${site.name}: ${p.supplies.length} supplies, ${p.openingCount} openings, ${p.findings.length} power findings (${counts}); ` +
          `derating ${pct(p.settings.supplyDerating)} of rated output, battery ${pct(p.settings.batteryDerating)}\n`,
      );
      if (p.supplies.length > 0) {
        const rows = [['Supply', 'Volts', 'Rated', 'Derated', 'Normal', '', 'Peak', '', 'Battery', 'Required', 'Openings']];
        for (const r of p.supplies)
          rows.push([
            r.supply.supply_id,
            `${r.supply.output_voltage} V`,
            amps(r.ratedMa),
            amps(r.deratedMa),
            amps(r.normalMa),
            `${pct(r.normalRatio)}${r.normalRatio > 1 ? ' OVER' : ''}`,
            amps(r.peakMa),
            `${pct(r.peakRatio)}${r.peakRatio > 1 ? ' OVER' : ''}`,
            hours(r.batteryHours),
            r.requiredHours > 0
              ? `${r.requiredHours} h${r.batteryHours !== null && r.batteryHours < r.requiredHours ? ' SHORT' : ''}`
              : '-',
            `${r.openingCount} (${r.failSafeCount} fail-safe, ${r.failSecureCount} fail-secure)`,
          ]);
        io.out(table(rows));
      } else io.out('No power supplies recorded for this site (import them with --import FILE).\n');
      for (const f of p.findings)
        io.out(`  [${f.severity}] ${f.rule_id}${f.supplyId ? ` ${f.supplyId}` : ''}: ${f.message}\n      (${f.requirement})\n`);
      return 0;
    } finally {
      await app.close();
    }
  },
};

export const powerCommands: CliCommand[] = [powerCommand];
