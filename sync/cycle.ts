// One sync: schedules offered down, local sites published, photos up, the outbox pushed
// in acknowledged batches, other devices' results pulled. Safe to kill at any point:
// a cursor moves only after the server has committed what it covers, and the server
// takes a record it already has as a no-op.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_PUSH_BYTES, MAX_PUSH_RECORDS } from '../core/sync/wire';
import { attachmentsDir } from '../db/runs';
import type { Db } from '../db/sqlite';
import { api, type ServerConnection } from './http';
import { getOrigin, nextBatch, pendingCounts, readCursors, snapshot, storeCursors } from './outbox';
import { fetchOffers, publishUnlinkedSites } from './schedule';
import { getEnrolment, getStatus, recordSuccess } from './state';

export class NotEnrolled extends Error {
  constructor() {
    super('this laptop is not enrolled with a sync server (Settings → Sync, or `doorcx enroll --server URL --code CODE`)');
    this.name = 'NotEnrolled';
  }
}

export interface SyncProgress {
  phase: 'schedules' | 'photos' | 'push' | 'pull';
  done: number;
  total: number;
}

export interface SyncOptions {
  dataDir: string;
  now?: () => Date;
  onProgress?: (p: SyncProgress) => void;
  /** Records per push; a function is asked before each batch (smaller while a test runs, so the app stays responsive). */
  batchRecords?: number | (() => number);
  /** Parallel photo uploads. */
  photoConcurrency?: number;
  timeoutMs?: number;
}

export interface SyncReport {
  pushed: number;
  duplicates: number;
  photosUploaded: number;
  pulled: number;
  sitesPublished: number;
  at: string;
}

async function uploadPhotos(
  db: Db,
  c: ServerConnection,
  dataDir: string,
  fromId: number,
  toId: number,
  o: SyncOptions,
  onUploaded: (done: number, total: number) => void,
): Promise<number> {
  const hashes = [
    ...new Set(
      db
        .prepare<{ sha256: string }>('SELECT sha256 FROM attachments WHERE id > ? AND id <= ?')
        .all(fromId, toId)
        .map((r) => r.sha256),
    ),
  ];
  let uploaded = 0;
  for (let i = 0; i < hashes.length; i += 5000) {
    const { missing } = await api.missingPhotos(c, hashes.slice(i, i + 5000));
    let next = 0;
    const worker = async () => {
      while (next < missing.length) {
        const sha = missing[next++]!;
        let bytes: Buffer;
        try {
          bytes = await readFile(join(attachmentsDir(dataDir), sha));
        } catch (err) {
          // A photo whose file is gone cannot be sent; its record is then refused by the server and reported.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw err;
        }
        await api.putPhoto(c, sha, bytes);
        uploaded++;
        onUploaded(uploaded, missing.length);
      }
    };
    await Promise.all(Array.from({ length: o.photoConcurrency ?? 8 }, worker));
  }
  return uploaded;
}

export async function runSync(db: Db, o: SyncOptions): Promise<SyncReport> {
  const e = getEnrolment(db);
  if (!e) throw new NotEnrolled();
  const now = o.now ?? (() => new Date());
  const c: ServerConnection = { url: e.serverUrl, token: e.token, timeoutMs: o.timeoutMs };
  const origin = getOrigin(db);
  const report: SyncReport = { pushed: 0, duplicates: 0, photosUploaded: 0, pulled: 0, sitesPublished: 0, at: '' };

  o.onProgress?.({ phase: 'schedules', done: 0, total: 1 });
  await fetchOffers(db, c);
  report.sitesPublished = await publishUnlinkedSites(db, c);

  const upTo = snapshot(db);
  let cursors = readCursors(db, e.deviceId);
  // Photos go up while the records that come before attachments are pushed; the first
  // batch holding an attachment waits for them (the server refuses one whose photo it lacks).
  let waitingForPhotos = false;
  const photos = uploadPhotos(db, c, o.dataDir, cursors.attachments!, upTo.attachments!, o, (done, total) => {
    if (waitingForPhotos) o.onProgress?.({ phase: 'photos', done, total });
  });
  photos.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
  let photosSent = false;
  const awaitPhotos = async () => {
    if (photosSent) return;
    waitingForPhotos = true;
    o.onProgress?.({ phase: 'photos', done: 0, total: 0 });
    report.photosUploaded = await photos;
    photosSent = true;
  };

  try {
    const total = pendingCounts(db, e.deviceId).reduce((n, p) => n + p.pending, 0);
    let done = 0;
    o.onProgress?.({ phase: 'push', done, total });
    const prepare = (from: typeof cursors) => {
      const size = typeof o.batchRecords === 'function' ? o.batchRecords() : (o.batchRecords ?? MAX_PUSH_RECORDS);
      return nextBatch(db, origin, from, upTo, size, MAX_PUSH_BYTES / 2);
    };
    let batch = prepare(cursors);
    for (;;) {
      if (batch.unlinkedSites) throw new Error('some results belong to a site that is not on the server yet; sync again');
      if (batch.records.length === 0) {
        storeCursors(db, e.deviceId, batch.advance);
        break;
      }
      if (batch.records.some((r) => r.kind === 'attachment')) await awaitPhotos();
      const sending = api.push(c, { origin, records: batch.records });
      // The next batch is read while the server works on this one; it starts where this one
      // ends, and is only sent (and its cursors stored) after this one is acknowledged.
      const next = prepare(batch.advance);
      const r = await sending;
      storeCursors(db, e.deviceId, batch.advance);
      cursors = batch.advance;
      report.pushed += r.inserted;
      report.duplicates += r.duplicates;
      done += batch.records.length;
      o.onProgress?.({ phase: 'push', done: Math.min(done, total), total });
      batch = next;
    }
    await awaitPhotos(); // photos of attachments already acknowledged earlier are still checked and sent
  } finally {
    await photos.catch(() => undefined); // never leave uploads running behind a failed sync
  }

  let since = getStatus(db).pullSeq;
  const insert = db.prepare(
    'INSERT OR IGNORE INTO sync_remote_records (uuid, server_seq, kind, server_site, device_name, body) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (;;) {
    const page = await api.pull(c, since);
    db.transaction(() => {
      for (const r of page.records) insert.run(r.uuid, r.seq, r.kind, r.site, r.deviceName, JSON.stringify(r.body));
      db.prepare('UPDATE sync_status SET pull_seq = ? WHERE id = 1').run(page.next);
    });
    report.pulled += page.records.length;
    since = page.next;
    o.onProgress?.({ phase: 'pull', done: report.pulled, total: report.pulled + (page.more ? 1 : 0) });
    if (!page.more) break;
  }
  const at = now();
  recordSuccess(db, at);
  report.at = at.toISOString();
  return report;
}
