// `doorcx import | export | check`: the schedule workspace from the command line.
// export and check go through the same app as the UI; import runs the API's own input checks and
// import code (db/schedule) on the database as the app opens it (see the import command).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import type { FieldIssue } from '../../app/contract/errors';
import type { ScheduleDiff } from '../../app/contract/schedule';
import type { App } from '../../app/index';
import type { RowThread } from '../../db/schedule/row-thread';
import { CliUsageError, type CliCommand, type CliIo } from '../main';

function requireString(values: Record<string, string | boolean | undefined>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new CliUsageError(`--${name} is required`);
  return v;
}

async function openApp(dbFile: string, mustExist: boolean): Promise<App> {
  const file = resolve(dbFile);
  if (mustExist && !existsSync(file)) throw new Error(`There is no database at ${file}`);
  // Loaded on use: `doorcx help` and the other commands start without the backend.
  const { createApp } = await import('../../app/index');
  return createApp({ dbFile: file, dataDir: dirname(file), demo: false });
}

export function formatIssue(i: FieldIssue): string {
  const where = [i.row !== undefined ? `row ${i.row}` : null, i.column !== undefined ? `column "${i.column}"` : null]
    .filter(Boolean)
    .join(', ');
  const value = i.value !== undefined ? ` value "${i.value}":` : '';
  return `${where ? `${where}:` : ''}${value} ${i.reason}`.trim();
}

export function formatDiff(d: ScheduleDiff): string {
  const lines: string[] = [];
  lines.push(`${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed, ${d.unchanged} unchanged`);
  for (const id of d.added) lines.push(`  + ${id}`);
  for (const c of d.changed) {
    lines.push(`  ~ ${c.openingId}`);
    for (const f of c.changes) lines.push(`      ${f.field}: "${f.oldValue}" → "${f.newValue}"`);
  }
  for (const id of d.removed) lines.push(`  - ${id}`);
  return lines.join('\n') + '\n';
}

function reportRejected(io: CliIo, file: string, errors: FieldIssue[]): number {
  io.err(`${file} was rejected (${errors.length} problem${errors.length === 1 ? '' : 's'}); nothing was imported:\n`);
  for (const e of errors) io.err(`  ${formatIssue(e)}\n`);
  return 1;
}

const importCommand: CliCommand = {
  name: 'import',
  usage: 'import FILE --db PATH [--site NAME] [--yes] [--editor NAME]',
  summary: 'Import a CSV/TSV/XLSX door schedule (re-import: shows the diff; --yes applies it)',
  options: { db: { type: 'string' }, site: { type: 'string' }, yes: { type: 'boolean' }, editor: { type: 'string' } },
  async run({ values, positionals }, io) {
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new CliUsageError('give exactly one FILE to import');
    const dbFile = requireString(values, 'db');
    const siteName = typeof values.site === 'string' && values.site.trim() ? values.site.trim() : basename(file, extname(file));
    const editor = typeof values.editor === 'string' && values.editor.trim() ? values.editor.trim() : 'cli import';
    const bytes = readFileSync(file);
    // A CSV/TSV into a new site is read and checked on a thread of its own (importNewSite): started now, it
    // reads while the rest of the import loads and the database opens. Ended below where it is not needed.
    const { RowThread } = await import('../../db/schedule/row-thread');
    const { isZip } = await import('../../core/zip');
    const reader = isZip(bytes) ? undefined : new RowThread(basename(file), bytes);
    try {
      return await importFile(values, io, { file, dbFile, siteName, editor, bytes, reader });
    } finally {
      reader?.close();
    }
  },
};

async function importFile(
  values: Record<string, unknown>,
  io: CliIo,
  args: { file: string; dbFile: string; siteName: string; editor: string; bytes: Buffer; reader?: RowThread },
): Promise<number> {
  const { file, dbFile, siteName, editor, bytes, reader } = args;
  // The same checks as the API's input (names and lengths), then the same import code the API runs
  // (db/schedule), on the database opened as the app opens it. The file goes straight from disk to the
  // reader: no base64 round trip (the API's transport for JSON), and none of the app's other features
  // (serial, sync, logs) are loaded for an import.
  const { scheduleInputs } = await import('../../app/contract/schedule');
  const { describeZodError } = await import('../../app/contract/errors');
  const previewIn = scheduleInputs.previewImport.pick({ fileName: true, siteName: true }).safeParse({ fileName: basename(file), siteName });
  if (!previewIn.success) throw new Error(describeZodError('previewImport', previewIn.error));
  const applyIn = scheduleInputs.applyImport.pick({ editor: true }).safeParse({ editor });
  if (!applyIn.success) throw new Error(describeZodError('applyImport', applyIn.error));
  const { openDatabase } = await import('../../db/open');
  const { applyImport, ImportRejected, importNewSite, previewImport } = await import('../../db/schedule');
  const path = resolve(dbFile);
  mkdirSync(dirname(path), { recursive: true });
  const created = !existsSync(path);
  const db = openDatabase(path);
  // A database this import creates is written once, through a rollback journal (as atomic): in
  // WAL mode every page would go to the WAL and be copied into the file again at close. It is a
  // WAL database, as the app opens it, again before the command ends.
  if (created) db.pragma('journal_mode = DELETE');
  try {
    const input = { ...previewIn.data, bytes };
    // A new site from CSV/TSV has no differences to show: its rows are checked and written in one pass.
    const fresh = importNewSite(db, { ...input, now: new Date(), reader });
    if (fresh) {
      io.out(`Imported ${fresh.added} openings into new site "${input.siteName}" (id ${fresh.siteId}).\n`);
      return 0;
    }
    const preview = await previewImport(db, input);
    if (preview.errors.length > 0 || !preview.diffHash || !preview.diff) return reportRejected(io, file, preview.errors);
    const d = preview.diff;
    if (preview.siteId !== null) {
      io.out(`Site "${preview.siteName}" exists; differences with ${basename(file)}:\n${formatDiff(d)}`);
      if (d.added.length + d.changed.length + d.removed.length === 0) {
        io.out('Nothing to apply.\n');
        return 0;
      }
      if (values.yes !== true) {
        io.out('Not applied. Run again with --yes to apply these differences.\n');
        return 0;
      }
    }
    const r = await applyImport(db, { ...input, confirmDiffHash: preview.diffHash, editor: applyIn.data.editor, now: new Date() });
    io.out(
      preview.siteId === null
        ? `Imported ${r.added} openings into new site "${preview.siteName}" (id ${r.siteId}).\n`
        : `Applied to site "${preview.siteName}": ${r.added} added, ${r.changed} changed, ${r.removed} removed.\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof ImportRejected) return reportRejected(io, file, err.errors);
    throw err;
  } finally {
    if (created) db.pragma('journal_mode = WAL');
    db.close();
  }
}

const exportCommand: CliCommand = {
  name: 'export',
  usage: 'export --db PATH --site NAME --out FILE.csv|FILE.xlsx',
  summary: "Export a site's schedule with canonical headers (plus its extra columns)",
  options: { db: { type: 'string' }, site: { type: 'string' }, out: { type: 'string' } },
  async run({ values }, io) {
    const dbFile = requireString(values, 'db');
    const siteName = requireString(values, 'site');
    const out = requireString(values, 'out');
    const ext = extname(out).toLowerCase();
    if (ext !== '.csv' && ext !== '.xlsx') throw new CliUsageError('--out must end in .csv or .xlsx');
    const app = await openApp(dbFile, true);
    const { listSites } = await import('../../db/schedule');
    try {
      const site = listSites(app.ctx.db).find((s) => s.name.toLowerCase() === siteName.toLowerCase());
      if (!site)
        throw new Error(
          `There is no site "${siteName}" (sites: ${
            listSites(app.ctx.db)
              .map((s) => s.name)
              .join(', ') || 'none'
          })`,
        );
      const f = await app.call('exportSchedule', { siteId: site.id, format: ext === '.csv' ? 'csv' : 'xlsx' });
      writeFileSync(out, Buffer.from(f.contentBase64, 'base64'));
      io.out(`Exported ${site.openingCount} openings of "${site.name}" to ${out}\n`);
      return 0;
    } finally {
      await app.close();
    }
  },
};

const checkCommand: CliCommand = {
  name: 'check',
  usage: 'check --db PATH [--site NAME] [--json]',
  summary: 'List the schedule rule findings (life-safety, security, compliance, procurement)',
  options: { db: { type: 'string' }, site: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }, io) {
    const dbFile = requireString(values, 'db');
    const app = await openApp(dbFile, true);
    const { listFindings, listSites } = await import('../../db/schedule');
    try {
      let sites = listSites(app.ctx.db);
      if (typeof values.site === 'string') {
        const wanted = values.site.toLowerCase();
        sites = sites.filter((s) => s.name.toLowerCase() === wanted);
        if (sites.length === 0) throw new Error(`There is no site "${values.site}"`);
      }
      const report = sites.map((s) => ({
        id: s.id,
        name: s.name,
        openingCount: s.openingCount,
        findingsBySeverity: s.findingsBySeverity,
        findings: listFindings(app.ctx.db, s.id).map((f) => ({
          openingId: f.openingId,
          ruleId: f.rule_id,
          severity: f.severity,
          message: f.message,
          requirement: f.requirement,
        })),
      }));
      if (values.json === true) {
        io.out(JSON.stringify({ version: 1, sites: report }, null, 2) + '\n');
        return 0;
      }
      for (const s of report) {
        const counts = Object.entries(s.findingsBySeverity)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        io.out(`${s.name}: ${s.openingCount} openings, ${s.findings.length} findings (${counts})\n`);
        for (const f of s.findings) io.out(`  ${f.openingId}  [${f.severity}] ${f.ruleId}: ${f.message}\n      (${f.requirement})\n`);
      }
      if (report.length === 0) io.out('No sites in this database.\n');
      return 0;
    } finally {
      await app.close();
    }
  },
};

export const scheduleCommands: CliCommand[] = [importCommand, exportCommand, checkCommand];
