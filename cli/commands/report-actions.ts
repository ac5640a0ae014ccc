// The work behind `doorcx report …` and `doorcx labels` (cli/commands/report.ts holds
// only their names and options, so `doorcx help` loads none of this).
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../app/index';
import { modeReason } from '../../core/runs/progress';
import { resultsCsv } from '../../core/report/csv';
import { getSite, getSiteByName } from '../../db/schedule';
import { openSqlite } from '../../db/sqlite';
import type { SigningIdentity } from '../../report/certificate';
import type { LabelStock } from '../../report/labels';
import { loadReportModel, ReportError } from '../../report/load';
import type { CliCommand, CliIo } from '../main';
import { CliUsageError } from '../usage';
import { PASSPHRASE_ENV } from './report';

type Args = Parameters<CliCommand['run']>[0];
type Values = Record<string, string | boolean | string[] | undefined>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String).filter((x) => x.trim() !== '') : typeof v === 'string' ? [v] : []);
function need(values: Values, name: string): string {
  const v = str(values[name]);
  if (!v) throw new CliUsageError(`--${name} is required`);
  return v;
}

/** The passphrase from the environment, else asked on the terminal without echo. */
export async function readPassphrase(purpose: string, io: CliIo): Promise<string> {
  const env = process.env[PASSPHRASE_ENV];
  if (env) return env;
  if (!process.stdin.isTTY)
    throw new Error(`A passphrase is needed to ${purpose}: set ${PASSPHRASE_ENV} or run in a terminal to be asked for it.`);
  io.err(`Passphrase to ${purpose}: `);
  let muted = true;
  const output = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((res) => rl.question('', res));
  } finally {
    muted = false;
    rl.close();
    io.err('\n');
  }
}

async function openApp(dbFile: string): Promise<App> {
  const file = resolve(dbFile);
  if (!existsSync(file)) throw new Error(`There is no database at ${file}`);
  return createApp({ dbFile: file, dataDir: dirname(file), demo: false });
}

function siteIdOf(app: App, site: string): number {
  const s = getSiteByName(app.ctx.db, site) ?? (/^\d+$/.test(site) ? getSite(app.ctx.db, Number(site)) : undefined);
  if (!s) throw new Error(`There is no site named "${site}" in this database.`);
  return s.id;
}

function scopeOf(values: Values) {
  const runIds = strs(values.run).map((r) => {
    if (!/^\d+$/.test(r)) throw new CliUsageError(`--run "${r}" is not a run number`);
    return Number(r);
  });
  return { runIds, floors: strs(values.floor), openingIds: strs(values.opening) };
}

const witnessOf = (values: Values) => {
  const name = str(values.witness);
  return name ? { name, title: str(values['witness-title']) ?? '' } : null;
};

async function identityOf(
  values: Values,
  dataDir: string,
  technician: string,
  io: CliIo,
): Promise<{ identity: SigningIdentity; created: boolean }> {
  const p12 = str(values.p12);
  if (p12 && !existsSync(p12)) throw new Error(`There is no .p12 file at ${resolve(p12)}`);
  const passphrase = await readPassphrase(p12 ? `open ${p12}` : "open (or create) the technician's signing certificate", io);
  const { technicianIdentity } = await import('../../report/certificate');
  return technicianIdentity({ dataDir, technician, passphrase, now: new Date(), imported: p12 ? readFileSync(p12) : undefined });
}

async function build(values: Values, io: CliIo): Promise<number> {
  const dbFile = need(values, 'db');
  const out = resolve(need(values, 'out'));
  const app = await openApp(dbFile);
  try {
    const siteId = siteIdOf(app, need(values, 'site'));
    const technician = str(values.technician) ?? 'Technician';
    const scope = scopeOf(values);
    const { buildReport } = await import('../../report/build');
    const built = await buildReport(app.ctx.db, {
      siteId,
      scope,
      dataDir: app.ctx.dataDir,
      outFile: out,
      // Asked for once the report is known to be buildable: what blocks it is said before any passphrase is asked.
      identity: async () => {
        const { identity, created } = await identityOf(values, app.ctx.dataDir, technician, io);
        if (created) io.err(`Created a signing certificate for "${identity.name}" in ${app.ctx.dataDir}/signing/technician.p12\n`);
        return identity;
      },
      now: new Date(),
      witness: witnessOf(values),
      modeReason,
    });
    const r = built.row;
    io.out(
      `${out}: ${r.overall.toUpperCase()}${r.draft ? ' (DRAFT: not signed by hand by both parties)' : ''}, ${built.model.openings.length} openings, ${built.bytes} bytes, signed by ${r.signer}\n` +
        `  file SHA-256 ${r.fileSha256}\n  data SHA-256 ${r.modelSha256}\n`,
    );
    for (const w of built.model.warnings) io.err(`warning: ${w}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

async function verify(values: Values, positionals: string[], io: CliIo): Promise<number> {
  const file = positionals[0];
  if (!file) throw new CliUsageError('the report file to verify is required');
  if (!existsSync(file)) throw new Error(`There is no file at ${resolve(file)}`);
  const bytes = readFileSync(file);
  const dbFile = str(values.db);
  if (dbFile && !existsSync(dbFile)) throw new Error(`There is no database at ${resolve(dbFile)}`);
  const { formatVerify, verifyReport } = await import('../../report/verify');
  const db = dbFile ? openSqlite(resolve(dbFile), { readonly: true }) : undefined;
  try {
    const r = verifyReport(bytes, file, db);
    if (values.json === true) io.out(JSON.stringify(r, null, 2) + '\n');
    else io.out(formatVerify(r));
    return r.ok ? 0 : 1;
  } finally {
    db?.close();
  }
}

async function exportModel(values: Values, kind: 'json' | 'csv', io: CliIo): Promise<number> {
  const app = await openApp(need(values, 'db'));
  try {
    const { model, blockers } = loadReportModel(app.ctx.db, {
      siteId: siteIdOf(app, need(values, 'site')),
      scope: scopeOf(values),
      generatedAt: new Date(),
      dataDir: app.ctx.dataDir,
      witness: witnessOf(values),
      modeReason,
    });
    for (const b of blockers) io.err(`warning: ${b}\n`);
    const text = kind === 'json' ? (await import('../../report/pdf')).modelJson(model).toString('utf8') : resultsCsv(model);
    const out = str(values.out);
    if (out) writeFileSync(out, text);
    else io.out(text);
    return 0;
  } finally {
    await app.close();
  }
}

async function countersign(values: Values, positionals: string[], io: CliIo): Promise<number> {
  const file = positionals[0];
  if (!file) throw new CliUsageError('the report file to countersign is required');
  const p12 = need(values, 'p12');
  if (!existsSync(file)) throw new Error(`There is no file at ${resolve(file)}`);
  if (!existsSync(p12)) throw new Error(`There is no .p12 file at ${resolve(p12)}`);
  const passphrase = await readPassphrase(`open ${p12}`, io);
  const { technicianIdentity } = await import('../../report/certificate');
  const { countersignReport } = await import('../../report/build');
  const { identity } = technicianIdentity({ dataDir: '', technician: '', passphrase, now: new Date(), imported: readFileSync(p12) });
  const out = str(values.out) ?? file;
  await countersignReport(file, out, identity, new Date());
  io.out(`${out}: countersigned by ${identity.name}; the earlier signature is kept as it was.\n`);
  return 0;
}

export async function runReport({ values, positionals }: Args, io: CliIo): Promise<number> {
  const [sub, ...rest] = positionals;
  const v = values as Values;
  try {
    switch (sub) {
      case 'build':
        return await build(v, io);
      case 'verify':
        return await verify(v, rest, io);
      case 'json':
      case 'csv':
        return await exportModel(v, sub, io);
      case 'countersign':
        return await countersign(v, rest, io);
      default:
        throw new CliUsageError(sub ? `unknown report command "${sub}"` : 'say what to do: build, verify, json, csv or countersign');
    }
  } catch (err) {
    if (err instanceof ReportError) throw new Error(err.message);
    throw err;
  }
}

export async function runLabels({ values }: Args, io: CliIo): Promise<number> {
  const v = values as Values;
  const given = str(v.stock) ?? 'letter';
  if (given !== 'letter' && given !== 'a4') throw new CliUsageError(`--stock "${given}" must be letter or a4`);
  const stock: LabelStock = given;
  const out = resolve(need(v, 'out'));
  const app = await openApp(need(v, 'db'));
  try {
    const { model } = loadReportModel(app.ctx.db, {
      siteId: siteIdOf(app, need(v, 'site')),
      scope: { runIds: [], floors: strs(v.floor), openingIds: strs(v.opening) },
      generatedAt: new Date(),
      dataDir: app.ctx.dataDir,
      modeReason,
    });
    const { labelsFromModel, renderLabelsPdf } = await import('../../report/labels');
    const labels = labelsFromModel(model);
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      await renderLabelsPdf(model.site.name, labels, stock, new Date(), createWriteStream(tmp));
      renameSync(tmp, out);
    } finally {
      rmSync(tmp, { force: true });
    }
    io.out(`${out}: ${labels.length} door labels (${stock})\n`);
    return 0;
  } finally {
    await app.close();
  }
}
