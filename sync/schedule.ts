// Schedules down: a newer server version of a site is offered, and applied only when the
// technician accepts its diff, through the same preview/apply as a file re-import (so the
// same checks, the same diff, the same edit history). Nothing is applied unasked, and a
// server with no version (empty or new) offers nothing, so it can never remove local data.
import { applyImport, exportSite, getSite, listSites, previewImport, type Diff } from '../db/schedule';
import type { Db } from '../db/sqlite';
import { api, type ServerConnection } from './http';

export interface ScheduleOffer {
  serverSite: string;
  siteName: string;
  /** Local site it applies to (null: a site not on this laptop yet). */
  siteId: number | null;
  version: number;
  diff: Diff | null;
  diffHash: string | null;
  errors: string[];
}

const fileName = (version: number) => `server-schedule-v${version}.csv`;

/** Publishes local sites that have results but no server site yet (the device's own schedule becomes version 1). */
export async function publishUnlinkedSites(db: Db, c: ServerConnection): Promise<number> {
  const sites = db
    .prepare<{ id: number; name: string }>(
      `SELECT s.id, s.name FROM sites s WHERE s.id NOT IN (SELECT site_id FROM sync_sites)
       AND (EXISTS (SELECT 1 FROM runs r WHERE r.site_id = s.id) OR EXISTS (SELECT 1 FROM deficiencies d WHERE d.site_id = s.id))`,
    )
    .all();
  for (const site of sites) {
    const { bytes } = await exportSite(db, site.id, 'csv');
    const r = await api.publishSite(c, site.name, bytes.toString('utf8'));
    // A site the server already had (another device published it) is linked at version 0,
    // so its schedule is offered as a diff rather than assumed equal.
    db.prepare('INSERT OR IGNORE INTO sync_sites (site_id, server_site, applied_version) VALUES (?, ?, ?)').run(
      site.id,
      r.id,
      r.created ? r.version : 0,
    );
  }
  return sites.length;
}

/** Records what the server offers: newer versions of linked sites, and granted sites not held here. */
export async function fetchOffers(db: Db, c: ServerConnection): Promise<void> {
  const sites = await api.sites(c);
  const linked = new Map(
    db
      .prepare<{ site_id: number; server_site: string; applied_version: number; offered_version: number | null }>(
        'SELECT * FROM sync_sites',
      )
      .all()
      .map((r) => [r.server_site, r]),
  );
  const localByName = new Map(listSites(db).map((s) => [s.name.toLowerCase(), s.id]));
  for (const s of sites) {
    if (s.version === 0) continue;
    const link = linked.get(s.id);
    if (link) {
      if (s.version <= link.applied_version || link.offered_version === s.version) continue;
      const sched = await api.schedule(c, s.id);
      if (sched.csv === null) continue;
      db.prepare('UPDATE sync_sites SET offered_version = ?, offered_csv = ? WHERE site_id = ?').run(
        sched.version,
        sched.csv,
        link.site_id,
      );
    } else {
      const have = db.prepare<{ version: number }>('SELECT version FROM sync_offered_sites WHERE server_site = ?').get(s.id);
      if (have?.version === s.version) continue;
      const sched = await api.schedule(c, s.id);
      if (sched.csv === null) continue;
      const localId = localByName.get(s.name.toLowerCase());
      if (localId !== undefined && !db.prepare('SELECT 1 FROM sync_sites WHERE site_id = ?').get(localId)) {
        // Same name here, not linked yet: link it and offer the server's version as a diff.
        db.prepare(
          'INSERT INTO sync_sites (site_id, server_site, applied_version, offered_version, offered_csv) VALUES (?, ?, 0, ?, ?)',
        ).run(localId, s.id, sched.version, sched.csv);
      } else {
        db.prepare('INSERT OR REPLACE INTO sync_offered_sites (server_site, name, version, csv) VALUES (?, ?, ?, ?)').run(
          s.id,
          s.name,
          sched.version,
          sched.csv,
        );
      }
    }
  }
}

function offerSource(db: Db, serverSite: string): { siteName: string; siteId: number | null; version: number; csv: string } | null {
  const linked = db
    .prepare<{ site_id: number; offered_version: number | null; offered_csv: string | null }>(
      'SELECT site_id, offered_version, offered_csv FROM sync_sites WHERE server_site = ?',
    )
    .get(serverSite);
  if (linked) {
    if (linked.offered_version === null || linked.offered_csv === null) return null;
    return {
      siteName: getSite(db, linked.site_id)!.name,
      siteId: linked.site_id,
      version: linked.offered_version,
      csv: linked.offered_csv,
    };
  }
  const o = db
    .prepare<{ name: string; version: number; csv: string }>('SELECT name, version, csv FROM sync_offered_sites WHERE server_site = ?')
    .get(serverSite);
  return o ? { siteName: o.name, siteId: null, version: o.version, csv: o.csv } : null;
}

export async function listOffers(db: Db): Promise<ScheduleOffer[]> {
  const ids = db
    .prepare<{ server_site: string }>(
      'SELECT server_site FROM sync_sites WHERE offered_version IS NOT NULL UNION SELECT server_site FROM sync_offered_sites',
    )
    .all();
  const out: ScheduleOffer[] = [];
  for (const { server_site } of ids) {
    const src = offerSource(db, server_site)!;
    const p = await previewImport(db, { fileName: fileName(src.version), bytes: Buffer.from(src.csv, 'utf8'), siteName: src.siteName });
    out.push({
      serverSite: server_site,
      siteName: src.siteName,
      siteId: src.siteId,
      version: src.version,
      diff: p.diff,
      diffHash: p.diffHash,
      errors: p.errors.map((e) => JSON.stringify(e)),
    });
  }
  return out;
}

/** Applies an offered version whose diff the technician saw (`diffHash`); links a new site. */
export async function acceptOffer(
  db: Db,
  serverSite: string,
  diffHash: string,
  editor: string,
  now: Date,
): Promise<{ siteId: number; added: number; changed: number; removed: number }> {
  const src = offerSource(db, serverSite);
  if (!src) throw new Error(`There is no schedule offered for server site ${serverSite}.`);
  const r = await applyImport(db, {
    fileName: fileName(src.version),
    bytes: Buffer.from(src.csv, 'utf8'),
    siteName: src.siteName,
    confirmDiffHash: diffHash,
    editor,
    now,
  });
  db.transaction(() => {
    if (src.siteId === null) {
      db.prepare('INSERT OR REPLACE INTO sync_sites (site_id, server_site, applied_version) VALUES (?, ?, ?)').run(
        r.siteId,
        serverSite,
        src.version,
      );
      db.prepare('DELETE FROM sync_offered_sites WHERE server_site = ?').run(serverSite);
    } else {
      db.prepare('UPDATE sync_sites SET applied_version = ?, offered_version = NULL, offered_csv = NULL WHERE site_id = ?').run(
        src.version,
        src.siteId,
      );
    }
  });
  return { siteId: r.siteId, added: r.added, changed: r.changed, removed: r.removed };
}
