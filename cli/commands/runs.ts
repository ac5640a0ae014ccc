// `doorcx test | results`: run one procedure on one opening over a serial port
// (confirmations answered by flags for scripted use) and list a site's results.
// Both go through the same app and API validation as the UI.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ApiError } from '../../app/contract/errors';
import type { AttemptDetail, EventLogCheck, RunSummary } from '../../app/contract/runs';
import type { App } from '../../app/index';
import type { PromptAnswer } from '../../core/runs/machine';
import { CliUsageError, type CliCommand, type CliIo } from '../main';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

function need(values: Record<string, string | boolean | undefined>, name: string): string {
  const v = str(values[name]);
  if (!v) throw new CliUsageError(`--${name} is required`);
  return v;
}

/** "door-opened=yes,hold:attempt=done" → { 'door-opened': 'yes', 'hold:attempt': 'done' } */
export function parseConfirm(text: string | undefined): Record<string, PromptAnswer> {
  const out: Record<string, PromptAnswer> = {};
  if (!text) return out;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([\w:-]+)=(yes|no|not-checked|done)$/.exec(part);
    if (!m) throw new CliUsageError(`--confirm item "${part}" must be STEP=yes|no|not-checked|done`);
    out[m[1]!] = m[2] as PromptAnswer;
  }
  return out;
}

/** "releaseMs=1500,holdWindowMs=3000" → thresholds */
export function parseThresholds(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!text) return out;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\w+)=(\d+)$/.exec(part);
    if (!m) throw new CliUsageError(`--set item "${part}" must be NAME=MILLISECONDS`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

async function openApp(dbFile: string, demo: boolean): Promise<App> {
  const file = resolve(dbFile);
  if (!demo && !existsSync(file)) throw new Error(`There is no database at ${file}`);
  // Loaded on use: `doorcx help` and the other commands start without the backend.
  const { createApp } = await import('../../app/index');
  return createApp({ dbFile: file, dataDir: dirname(file), demo });
}

const ms = (v: number | null): string => (v === null ? '' : `${v.toFixed(1)} ms`);

export function formatAttempt(d: AttemptDetail): string {
  const lines = [`${d.openingId} ${d.procedureTitle}: ${(d.verdict ?? d.status).toUpperCase()}`, `  ${d.reason ?? ''}`];
  for (const s of d.steps) {
    const m = s.measuredMs !== null ? `  measured ${ms(s.measuredMs)} (resolution ±${ms(s.resolutionMs)})` : '';
    lines.push(`  [${s.verdict.padEnd(12)}] ${s.title}${m}`);
    if (s.verdict !== 'pass') lines.push(`                 ${s.reason}`);
  }
  return lines.join('\n') + '\n';
}

function formatProgress(r: RunSummary): string {
  const p = r.progress;
  return `Run ${r.id} (${r.technician}, ${r.startedAt}): ${p.tested}/${p.total} tested — ${p.passed} pass, ${p.failed} fail, ${p.inconclusive} inconclusive, ${p.incomplete} incomplete, ${p.remaining} remaining\n`;
}

export const runsCommands: CliCommand[] = [
  {
    name: 'test',
    usage:
      'test --db PATH --site NAME --opening ID --port PATH [--procedure power-drop] [--confirm STEP=yes,…] [--baud 9600] [--technician NAME] [--set releaseMs=…] [--key-file FILE] [--demo]',
    summary: 'Run one procedure on one opening over a serial port; prints the verdict and measured times',
    options: {
      db: { type: 'string' },
      site: { type: 'string' },
      opening: { type: 'string' },
      port: { type: 'string' },
      procedure: { type: 'string' },
      confirm: { type: 'string' },
      baud: { type: 'string' },
      technician: { type: 'string' },
      set: { type: 'string' },
      'ahj-note': { type: 'string' },
      'key-file': { type: 'string' },
      demo: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    run: async ({ values }, io: CliIo) => {
      const dbFile = need(values, 'db');
      const siteName = need(values, 'site');
      const openingId = need(values, 'opening');
      const port = need(values, 'port');
      const procedureId = str(values.procedure) ?? 'power-drop';
      const answers = parseConfirm(str(values.confirm));
      const thresholds = parseThresholds(str(values.set));
      const baud = Number(str(values.baud) ?? 9600);
      if (!Number.isInteger(baud) || baud <= 0) throw new CliUsageError(`--baud "${String(values.baud)}" is not a baud rate`);
      const technician = str(values.technician) ?? 'cli';
      const app = await openApp(dbFile, values.demo === true);
      const { getSiteByName, listOpenings } = await import('../../db/schedule');
      try {
        const site = getSiteByName(app.ctx.db, siteName);
        if (!site) throw new Error(`There is no site named "${siteName}" in ${dbFile}.`);
        // Continue the site's latest run by this technician (so an interrupted test resumes), or start one.
        const runs = (await app.handlers.listRuns({ siteId: site.id })).filter((r) => r.technician === technician);
        const run =
          runs[0] ??
          (await app.handlers.startRun({
            siteId: site.id,
            technician,
            settings: { thresholds, ahjNote: str(values['ahj-note']) ?? null },
          }));
        const stepAnswers: Record<string, 'yes' | 'no' | 'not-checked' | 'done'> = {};
        for (const [k, v] of Object.entries(answers)) stepAnswers[k] = v;
        const off = app.ctx.events.onAny((topic, e) => {
          if (topic === 'runs:prompt') {
            const ev = e as { open: boolean; prompt: { kind: string; text: string; id: string } };
            if (ev.open) io.err(`${ev.prompt.kind === 'warning' ? 'WARNING' : 'PROMPT'}: ${ev.prompt.text} [${ev.prompt.id}]\n`);
          }
        });
        // A PD that enforces the secure channel: its key from --key-file (never from argv), on a connection the test uses.
        let link: { kind: 'serial'; port: string; baud: number } | undefined = { kind: 'serial', port, baud };
        const keyPath = str(values['key-file']);
        if (keyPath) {
          const { KeyFileError, readKeyFile } = await import('../../controller/key-file');
          const { hex, isStandardBaud } = await import('../../controller/protocol');
          let keys;
          try {
            keys = readKeyFile(keyPath);
          } catch (err) {
            throw err instanceof KeyFileError ? new CliUsageError(err.message) : err;
          }
          const address = listOpenings(app.ctx.db, site.id).find((o) => o.opening_id === openingId)?.pd_address ?? null;
          const key = address === null ? undefined : keys.keyFor(address);
          if (address === null || !key) throw new CliUsageError(`--key-file has no key for the PD of opening ${openingId}.`);
          await app.handlers.controllerConnect({
            kind: 'serial',
            port,
            baud: isStandardBaud(baud) ? baud : 9600,
            secure: true,
            keys: [{ address, scbk: hex(key) }],
          });
          link = undefined; // the run uses the app's controller connection
        }
        const started = await app.handlers.runProcedure({
          runId: run.id,
          openingId,
          procedureId,
          link,
          answers: Object.fromEntries(Object.entries(stepAnswers).filter(([, v]) => v !== 'done')) as Record<
            string,
            'yes' | 'no' | 'not-checked'
          >,
        });
        // Actions and release attempts given as STEP=done are answered when their prompt opens.
        const offDone = app.ctx.events.onAny((topic, e) => {
          if (topic !== 'runs:prompt') return;
          const ev = e as { attemptId: number; open: boolean; prompt: { id: string; stepId: string } };
          const key = ev.prompt.id.slice(procedureId.length + 1);
          if (ev.open && stepAnswers[key] === 'done')
            void app.handlers.answerPrompt({ attemptId: ev.attemptId, promptId: ev.prompt.id, answer: 'done' });
        });
        const waitDone = new Promise<void>((resolveDone) => {
          const offEnd = app.ctx.events.onAny((topic, e) => {
            const ev = e as { attemptId: number; status: string };
            if (topic === 'runs:attempt' && ev.attemptId === started.id && ev.status !== 'running') {
              offEnd();
              resolveDone();
            }
          });
        });
        await waitDone;
        off();
        offDone();
        const detail = await app.handlers.getAttempt({ attemptId: started.id });
        io.out(values.json === true ? JSON.stringify(detail, null, 2) + '\n' : formatAttempt(detail));
        return detail.verdict === 'pass' ? 0 : detail.verdict === 'fail' ? 3 : 4;
      } catch (err) {
        if (err instanceof ApiError) throw new Error(`${err.message}${err.details ? ` ${JSON.stringify(err.details)}` : ''}`);
        throw err;
      } finally {
        await app.close();
      }
    },
  },
  {
    name: 'results',
    usage: 'results --db PATH --site NAME [--json]',
    summary: "A site's commissioning results: progress, and each opening's verdict per procedure",
    options: { db: { type: 'string' }, site: { type: 'string' }, json: { type: 'boolean' } },
    run: async ({ values }, io: CliIo) => {
      const app = await openApp(need(values, 'db'), false);
      const { getSiteByName } = await import('../../db/schedule');
      try {
        const siteName = need(values, 'site');
        const site = getSiteByName(app.ctx.db, siteName);
        if (!site) throw new Error(`There is no site named "${siteName}".`);
        const runs = await app.handlers.listRuns({ siteId: site.id });
        const out = [];
        for (const r of runs) {
          const detail = await app.handlers.getRun({ runId: r.id });
          const openings = await app.handlers.listRunOpenings({ runId: r.id });
          out.push({ ...detail, openings });
        }
        const deficiencies = await app.handlers.listDeficiencies({ siteId: site.id });
        const log = await app.handlers.verifyEventLog({});
        if (values.json === true) {
          io.out(JSON.stringify({ site: site.name, runs: out, deficiencies, eventLog: log }, null, 2) + '\n');
          return 0;
        }
        if (!log.ok)
          io.out('WARNING: the recorded results were changed outside DoorCx; what follows cannot be trusted (details at the end).\n');
        if (out.length === 0) io.out(`No runs yet for "${site.name}".\n`);
        for (const r of out) {
          io.out(formatProgress(r.run));
          for (const f of r.byFloor)
            io.out(
              `  floor ${f.floor}: ${f.tested}/${f.total} tested, ${f.passed} pass, ${f.failed} fail, ${f.inconclusive} inconclusive\n`,
            );
          for (const o of r.openings.filter((x) => x.status !== 'untested'))
            io.out(
              `  ${o.openingId.padEnd(10)} ${o.status.toUpperCase().padEnd(13)} ${o.procedures
                .filter((p) => p.verdict)
                .map((p) => `${p.id}=${p.verdict}`)
                .join(' ')}\n`,
            );
          if (r.interrupted.length)
            io.out(`  interrupted (resume with doorcx test): ${r.interrupted.map((a) => `${a.openingId} ${a.procedureId}`).join(', ')}\n`);
        }
        const open = deficiencies.filter((d) => d.status === 'open');
        io.out(`Deficiencies: ${deficiencies.length} (${open.length} open)\n`);
        for (const d of open) io.out(`  [${d.severity}] ${d.openingId}: ${d.description}\n`);
        io.out(formatEventLogCheck(log));
        return log.ok ? 0 : 1;
      } finally {
        await app.close();
      }
    },
  },
];

/** The event-log check for people: "verifies" only when the chain is intact AND the tables agree with it. */
export function formatEventLogCheck(log: EventLogCheck, limit = 20): string {
  if (log.ok)
    return `Event log: ${log.count} events, hash chain verifies and every recorded row matches it${
      log.unchecked.length ? ` (not covered: ${log.unchecked.join('; ')})` : ''
    }\n`;
  const lines = [
    ...log.chain.map((c) => `chain: ${c.reason}`),
    ...log.rows.map((r) => r.message),
    ...(log.triggersMissing.length ? [`the append-only triggers were removed: ${log.triggersMissing.join(', ')}`] : []),
  ];
  const shown = lines.slice(0, limit).map((l) => `  ${l}\n`);
  if (lines.length > limit) shown.push(`  … and ${lines.length - limit} more (see --json)\n`);
  return `Event log: TAMPERED — these results cannot be trusted (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n${shown.join('')}`;
}
