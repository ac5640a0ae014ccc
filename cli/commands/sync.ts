// `doorcx enroll | sync`: enrol this laptop's database with the company sync server, and
// sync it once (results up, other devices' results and offered schedules down). Through
// the same app API as the Sync page.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ApiError } from '../../app/contract/errors';
import type { SyncStatusView } from '../../app/contract/sync';
import type { App } from '../../app/index';
import { databaseFile, defaultDataDir } from '../../app/paths';
import { CliUsageError, type CliCommand, type CliIo } from '../main';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

async function openApp(dbFile: string | undefined, mustExist: boolean): Promise<App> {
  const file = resolve(dbFile ?? databaseFile(defaultDataDir()));
  if (mustExist && !existsSync(file)) throw new Error(`There is no database at ${file}`);
  // The backend loads when the command runs, not on `doorcx help`.
  const { createApp } = await import('../../app/index');
  return createApp({ dbFile: file, dataDir: dirname(file), demo: !mustExist, sync: false });
}

export function formatStatus(s: SyncStatusView): string {
  const lines: string[] = [];
  const st = s.state;
  if (st.kind === 'synced') lines.push(`Synced at ${st.at} with ${s.enrolment?.serverUrl ?? '?'}`);
  else if (st.kind === 'offline') lines.push(`Offline: ${st.reason}`);
  else if (st.kind === 'error') lines.push(`Sync failed: ${st.reason}`);
  else if (st.kind === 'not-enrolled') lines.push('Not enrolled with a sync server (doorcx enroll --server URL --code CODE).');
  else lines.push(`State: ${st.kind}`);
  const pending = s.pending.filter((p) => p.pending > 0);
  lines.push(pending.length ? `Pending: ${pending.map((p) => `${p.pending} ${p.label}`).join(', ')}` : 'Pending: nothing');
  for (const o of s.offers) {
    const d = o.diff;
    lines.push(
      `Schedule offered for "${o.siteName}" (server version ${o.version}, site ${o.serverSite})` +
        (d
          ? `: ${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed, ${d.unchanged} unchanged`
          : `: ${o.errors.length} problem(s)`),
    );
    if (d) {
      for (const id of d.added.slice(0, 20)) lines.push(`  + ${id}`);
      for (const id of d.removed.slice(0, 20)) lines.push(`  - ${id}`);
      for (const c of d.changed.slice(0, 20))
        lines.push(`  ~ ${c.openingId}: ${c.changes.map((x) => `${x.field} "${x.oldValue}" → "${x.newValue}"`).join('; ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export const syncCommands: CliCommand[] = [
  {
    name: 'enroll',
    usage: 'enroll --server URL --code CODE [--db PATH] [--name "Tablet 3"]',
    summary: 'Enrol this database with a sync server using a one-time code from the office',
    options: {
      server: { type: 'string' },
      code: { type: 'string' },
      db: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    },
    run: async ({ values }, io: CliIo) => {
      const server = str(values.server);
      const code = str(values.code);
      if (!server || !code) throw new CliUsageError('--server and --code are required');
      const app = await openApp(str(values.db), false);
      try {
        const s = await app.call('syncEnroll', { serverUrl: server, code, name: str(values.name) });
        io.out(
          values.json
            ? `${JSON.stringify(s.enrolment)}\n`
            : `Enrolled as "${s.enrolment!.deviceName}" (${s.enrolment!.deviceId}) with ${s.enrolment!.serverUrl}\n`,
        );
        return 0;
      } catch (err) {
        if (err instanceof ApiError) {
          io.err(`doorcx enroll: ${err.message}\n`);
          return 1;
        }
        throw err;
      } finally {
        await app.close();
      }
    },
  },
  {
    name: 'sync',
    usage: 'sync --db PATH [--server URL] [--accept SERVER_SITE_ID|all] [--editor NAME] [--json]',
    summary: 'Sync once: results up, other devices’ results and offered schedules down; --accept applies an offered schedule',
    options: {
      db: { type: 'string' },
      server: { type: 'string' },
      accept: { type: 'string' },
      editor: { type: 'string' },
      json: { type: 'boolean' },
    },
    run: async ({ values }, io: CliIo) => {
      const dbFile = str(values.db);
      if (!dbFile) throw new CliUsageError('--db is required');
      const app = await openApp(dbFile, true);
      try {
        const before = await app.call('syncStatus', {});
        const server = str(values.server);
        const { normaliseServerUrl } = await import('../../sync/enroll');
        if (server && before.enrolment && normaliseServerUrl(server) !== before.enrolment.serverUrl)
          throw new CliUsageError(`this database is enrolled with ${before.enrolment.serverUrl}; enrol it again to use ${server}`);
        if (!before.enrolment) {
          io.err(
            `doorcx sync: not enrolled with a sync server; run: doorcx enroll --db ${dbFile} --server ${server ?? 'URL'} --code CODE\n`,
          );
          return 1;
        }
        let s = await app.call('syncNow', {});
        const accept = str(values.accept);
        if (accept) {
          const offers = s.offers.filter((o) => accept === 'all' || o.serverSite === accept);
          if (offers.length === 0) throw new CliUsageError(`no schedule is offered for "${accept}"`);
          for (const o of offers) {
            if (!o.diffHash) throw new Error(`the schedule offered for "${o.siteName}" has problems: ${o.errors.slice(0, 3).join('; ')}`);
            const r = (await app.call('syncAcceptSchedule', {
              serverSite: o.serverSite,
              diffHash: o.diffHash,
              editor: str(values.editor) ?? 'cli',
            })) as {
              added: number;
              changed: number;
              removed: number;
            };
            io.out(
              `Applied server version ${o.version} of "${o.siteName}": ${r.added} added, ${r.changed} changed, ${r.removed} removed\n`,
            );
          }
          s = await app.call('syncStatus', {});
        }
        io.out(values.json ? `${JSON.stringify(s)}\n` : formatStatus(s));
        return s.state.kind === 'synced' ? 0 : 1;
      } finally {
        await app.close();
      }
    },
  },
];
