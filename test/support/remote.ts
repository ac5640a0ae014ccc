// Results of another device on this laptop without a server: both sites are linked to one
// server site, the other device's records are built by the real outbox (as a push sends
// them) and stored the way a pull stores the server's page (sync/cycle.ts).
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/sqlite';
import { getOrigin, nextBatch, readCursors, snapshot } from '../../sync/outbox';
import { storePulled } from '../../sync/remote';

export function pullAsRemote(from: { db: Db; siteId: number }, to: { db: Db; siteId: number }, deviceName: string): number {
  const linked = to.db.prepare<{ server_site: string }>('SELECT server_site FROM sync_sites WHERE site_id = ?').get(to.siteId);
  const serverSite = linked?.server_site ?? randomUUID();
  for (const d of [from, to]) {
    d.db.prepare('INSERT OR IGNORE INTO sync_sites (site_id, server_site) VALUES (?, ?)').run(d.siteId, serverSite);
  }
  const batch = nextBatch(from.db, getOrigin(from.db), readCursors(from.db, 'never-synced'), snapshot(from.db), 1e9, 1e12);
  if (batch.unlinkedSites) throw new Error('the other device has results of a site not linked to the server site');
  let seq = to.db.prepare<{ m: number }>('SELECT coalesce(max(server_seq), 0) AS m FROM sync_remote_records').get()!.m;
  to.db.transaction(() =>
    storePulled(
      to.db,
      batch.records.map((r) => ({ uuid: r.uuid, seq: ++seq, kind: r.kind, site: r.site, deviceName, body: r.body })),
    ),
  );
  return batch.records.length;
}
