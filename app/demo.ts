// The demo site (resources/demo-site.csv, "Demo - Riverside Clinic"), loaded once on the
// first run. A setting remembers it was loaded, so deleting the demo site does not bring it back.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyImport, getSetting, getSiteByName, previewImport, setSetting } from '../db/schedule';
import type { AppContext } from './context';

export const DEMO_SITE_NAME = 'Demo - Riverside Clinic';
export const DEMO_CSV = fileURLToPath(new URL('../resources/demo-site.csv', import.meta.url));
const SETTING = 'demo.loadedAt';

/** Returns the demo site's id when it was loaded now, null when it had been loaded before. */
export async function loadDemoSiteOnFirstRun(ctx: AppContext, file = DEMO_CSV): Promise<number | null> {
  if (getSetting(ctx.db, SETTING) !== undefined) return null;
  if (getSiteByName(ctx.db, DEMO_SITE_NAME)) {
    // A site of that name already exists (imported by hand): never overwrite it.
    setSetting(ctx.db, SETTING, ctx.now().toISOString());
    return null;
  }
  const bytes = readFileSync(file);
  const preview = await previewImport(ctx.db, { fileName: 'demo-site.csv', bytes, siteName: DEMO_SITE_NAME });
  if (preview.errors.length > 0 || !preview.diffHash) {
    // A broken bundled resource is a build bug: fail loudly rather than start without it.
    throw new Error(`resources/demo-site.csv is invalid: ${JSON.stringify(preview.errors.slice(0, 5))}`);
  }
  const now = ctx.now();
  const r = await applyImport(ctx.db, {
    fileName: 'demo-site.csv',
    bytes,
    siteName: DEMO_SITE_NAME,
    confirmDiffHash: preview.diffHash,
    editor: 'demo',
    now,
  });
  setSetting(ctx.db, SETTING, now.toISOString());
  return r.siteId;
}
