// The openings a simulated bus stands for, read from a DoorCx database or the demo data
// (for `doorcx simulate` and the controller tests).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readSimSiteConfig } from '../../../controller/sim/site-config';
import type { SimSiteConfig } from '../../../controller/sim/site-sim';
import type { Opening } from '../../../core/schedule/types';
import { getSiteByName, listOpenings } from '../../../db/schedule';
import { DEMO_SITE_NAME } from '../../demo';
import { createApp } from '../../index';

/** The openings a simulated bus stands for: the demo site (with its wiring faults), or a site of a DoorCx database. */
export async function loadSimulatedSite(opts: { demo: boolean; db?: string; site?: string; simConfig?: string }): Promise<{
  siteName: string;
  openings: Opening[];
  config: SimSiteConfig;
}> {
  const tmp = mkdtempSync(join(tmpdir(), 'doorcx-sim-'));
  try {
    const app = await createApp(
      opts.demo ? { dbFile: ':memory:', dataDir: tmp, demo: true } : { dbFile: opts.db!, dataDir: dirname(opts.db!), demo: false },
    );
    try {
      const name = opts.demo ? DEMO_SITE_NAME : opts.site!;
      const site = getSiteByName(app.ctx.db, name);
      if (!site) throw new Error(`There is no site named "${name}" in ${opts.db ?? 'the demo data'}.`);
      const openings = listOpenings(app.ctx.db, site.id);
      const config = opts.simConfig ? readSimSiteConfig(opts.simConfig) : opts.demo ? readSimSiteConfig() : { openings: {} };
      return { siteName: name, openings, config };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
