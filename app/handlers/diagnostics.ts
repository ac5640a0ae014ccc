// Renderer errors into the log; "Save diagnostics" writes one archive into the data folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { diagnosticsInputs } from '../contract/diagnostics';
import type { AppContext } from '../context';
import { collectDiagnostics, diagnosticsFileName, zipDiagnostics } from '../diagnostics';
import type { FeatureHandlers } from './index';

export function createDiagnosticsHandlers(ctx: AppContext): FeatureHandlers<keyof typeof diagnosticsInputs> {
  return {
    reportClientError: (e) => {
      ctx.log.error({ renderer: e }, `renderer ${e.kind}: ${e.message}`);
      return null;
    },

    saveDiagnostics: async () => {
      ctx.log.info('saving diagnostics');
      const now = ctx.now();
      const report = collectDiagnostics({ dataDir: ctx.dataDir, dbFile: ctx.db.file, db: ctx.db, now });
      const zip = zipDiagnostics(report);
      const dir = join(ctx.dataDir, 'diagnostics');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, diagnosticsFileName(now));
      writeFileSync(file, zip);
      ctx.log.info({ file, bytes: zip.length, integrity: report.integrity }, 'diagnostics saved');
      return { file, bytes: zip.length, integrity: report.integrity };
    },
  };
}
