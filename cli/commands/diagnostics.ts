// `doorcx diagnostics`: the same archive as the app's "Save diagnostics", for a technician
// to send to support, even when the app no longer starts or the database is damaged.
import { resolve } from 'node:path';
import type { CliCommand } from '../main';

export const diagnosticsCommands: CliCommand[] = [
  {
    name: 'diagnostics',
    usage: 'diagnostics [--data-dir DIR] [--db PATH] [--out FILE.zip]',
    summary: 'Write one zip for support: logs, versions, settings, the database integrity check',
    options: { 'data-dir': { type: 'string' }, db: { type: 'string' }, out: { type: 'string' } },
    run: async ({ values }, io) => {
      const { writeFileSync } = await import('node:fs');
      const { collectDiagnostics, diagnosticsFileName, zipDiagnostics } = await import('../../app/diagnostics');
      const { databaseFile, defaultDataDir } = await import('../../app/paths');
      const dataDir = resolve(typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir());
      const dbFile = typeof values.db === 'string' ? resolve(values.db) : databaseFile(dataDir);
      const now = new Date();
      const out = resolve(typeof values.out === 'string' ? values.out : diagnosticsFileName(now));
      const report = collectDiagnostics({ dataDir, dbFile, now });
      const zip = zipDiagnostics(report);
      writeFileSync(out, zip);
      const logs = Object.keys(report.files).filter((f) => f.startsWith('logs/')).length;
      io.out(`Wrote ${out} (${zip.length} bytes): ${logs} log file(s), versions, settings; database: ${report.integrity}\n`);
      return 0;
    },
  },
];
