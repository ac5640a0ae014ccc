// Results of another device on this laptop without a server: both sites are linked to one
// server site, the other device's records are built by the real outbox (as a push sends
// them) and stored the way a pull stores the server's page (sync/cycle.ts).
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/sqlite';
import { getOrigin, nextBatch, readCursors, snapshot } from '../../sync/outbox';

export function pullAsRemote(from: { db: Db; siteId: number }, to: { db: Db; siteId: number }, deviceName: string): number {
  const linked = to.db.prepare<{ server_site: string }>('SELECT server_site FROM sync_sites WHERE site_id = ?').get(to.siteId);
  const serverSite = linked?.server_site ?? randomUUID();
  for (const d of [from, to]) {
    d.db.prepare('INSERT OR IGNORE INTO sync_sites (site_id, server_site) VALUES (?, ?)').run(d.siteId, serverSite);
  }
  const batch = nextBatch(from.db, getOrigin(from.db), readCursors(from.db, 'never-synced'), snapshot(from.db), 1e9, 1e12);
  if (batch.unlinkedSites) throw new Error('the other device has results of a site not linked to the server site');
  let seq = to.db.prepare<{ m: number }>('SELECT coalesce(max(server_seq), 0) AS m FROM sync_remote_records').get()!.m;
  const insert = to.db.prepare(
    'INSERT OR IGNORE INTO sync_remote_records (uuid, server_seq, kind, server_site, device_name, body) VALUES (?, ?, ?, ?, ?, ?)',
  );
  to.db.transaction(() => {
    for (const r of batch.records) insert.run(r.uuid, ++seq, r.kind, r.site, deviceName, JSON.stringify(r.body));
  });
  return batch.records.length;
}
