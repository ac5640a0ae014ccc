// One sync: schedules offered down, local sites published, photos up, the outbox pushed
// in acknowledged batches, other devices' results pulled. Safe to kill at any point:
// a cursor moves only after the server has committed what it covers, and the server
// takes a record it already has as a no-op.
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { PHOTO_BATCH_MAX_PHOTOS, PHOTO_BATCH_TARGET_BYTES, photoHeader } from '../core/sync/photo-batch';
import { MAX_PUSH_BYTES, MAX_PUSH_RECORDS, type PushResult } from '../core/sync/wire';
import { attachmentsDir } from '../db/runs';
import type { Db } from '../db/sqlite';
import { api, encodePush, SyncHttpError, type ServerConnection } from './http';
import { getOrigin, nextBatch, pendingCounts, readCursors, snapshot, storeCursors, type Batch, type Cursors } from './outbox';
import { storePulled } from './remote';
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
  /** Push requests sent before the first is acknowledged (default 2; 1 sends one at a time). */
  pushesInFlight?: number;
  /** Photo batches uploaded at once. */
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
    // Photos go up in batches of several megabytes, two batches at a time: one is read
    // from disk while the other travels.
    let next = 0;
    const worker = async () => {
      let buffer = Buffer.alloc(0); // reused from batch to batch: one allocation, not one per photo
      while (next < missing.length) {
        const files: { sha: string; file: FileHandle; size: number }[] = [];
        let bytes = 0;
        try {
          while (next < missing.length && files.length < PHOTO_BATCH_MAX_PHOTOS && bytes < PHOTO_BATCH_TARGET_BYTES) {
            const sha = missing[next++]!;
            let file: FileHandle;
            try {
              file = await open(join(attachmentsDir(dataDir), sha), 'r');
            } catch (err) {
              // A photo whose file is gone cannot be sent; its record is then refused by the server and reported.
              if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
              throw err;
            }
            const f = { sha, file, size: 0 };
            files.push(f); // closed below, whatever happens next
            f.size = (await file.stat()).size;
            bytes += f.size;
          }
          if (files.length === 0) continue;
          const size = files.reduce((n, f) => n + photoHeader(f.sha, f.size).length + f.size, 0);
          if (buffer.length < size) buffer = Buffer.allocUnsafe(Math.max(size, PHOTO_BATCH_TARGET_BYTES * 2));
          const batch = buffer.subarray(0, size);
          let at = 0;
          for (const f of files) {
            at += batch.write(photoHeader(f.sha, f.size), at, 'latin1');
            for (let got = 0; got < f.size;) {
              const { bytesRead } = await f.file.read(batch, at + got, f.size - got, got);
              if (bytesRead === 0) throw new Error(`photo ${f.sha} got shorter while it was read`);
              got += bytesRead;
            }
            at += f.size;
          }
          await api.putPhotos(c, batch);
        } finally {
          await Promise.all(files.map((f) => f.file.close()));
        }
        uploaded += files.length;
        onUploaded(uploaded, missing.length);
      }
    };
    await Promise.all(Array.from({ length: o.photoConcurrency ?? 2 }, worker));
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
    // Up to `pushesInFlight` batches travel at once: the server stores one while it reads
    // the next and this laptop reads the one after. Batches are acknowledged in order and
    // the cursors move only past acknowledged ones, so a kill at any point still leaves
    // nothing but batches the server takes again as no-ops. A batch sent while an earlier
    // one was unacknowledged may reach the server first and find its parents or the chain
    // before it missing (422): it is sent again once the earlier ones are acknowledged, and
    // only that answer counts.
    // A batch in flight is kept as the bytes sent (for a resend), not as its records.
    const inFlight: {
      encoded: Uint8Array;
      records: number;
      advance: Cursors;
      reply: Promise<PushResult>;
      behindOthers: boolean;
      refused: boolean;
    }[] = [];
    const limit = Math.max(1, o.pushesInFlight ?? 2);
    const send = (encoded: Uint8Array) => api.pushEncoded(c, encoded);
    let batch: Batch | null = prepare(cursors);
    try {
      for (;;) {
        // Nothing new goes out while a batch in flight was refused: it is sent again first.
        while (batch && inFlight.length < limit && !inFlight.some((f) => f.refused)) {
          if (batch.unlinkedSites) throw new Error('some results belong to a site that is not on the server yet; sync again');
          if (batch.records.length === 0) {
            if (inFlight.length === 0) storeCursors(db, e.deviceId, batch.advance);
            else inFlight[inFlight.length - 1]!.advance = batch.advance; // moved past skipped rows with the last batch
            batch = null;
            break;
          }
          if (batch.records.some((r) => r.kind === 'attachment')) await awaitPhotos();
          const encoded = encodePush({ origin, records: batch.records });
          const f = {
            encoded,
            records: batch.records.length,
            advance: batch.advance,
            reply: send(encoded),
            behindOthers: inFlight.length > 0,
            refused: false,
          };
          f.reply.catch(() => (f.refused = true)); // awaited in order below
          inFlight.push(f);
          // The next batch is read while the server works; it starts where this one ends.
          batch = prepare(batch.advance);
        }
        const head = inFlight.shift();
        if (!head) break;
        let r: PushResult;
        try {
          r = await head.reply;
        } catch (err) {
          if (!(head.behindOthers && err instanceof SyncHttpError && err.status === 422)) throw err;
          r = await send(head.encoded);
        }
        storeCursors(db, e.deviceId, head.advance);
        cursors = head.advance;
        report.pushed += r.inserted;
        report.duplicates += r.duplicates;
        done += head.records;
        o.onProgress?.({ phase: 'push', done: Math.min(done, total), total });
      }
    } finally {
      // A failed sync leaves no request running behind it.
      await Promise.all(inFlight.map((f) => f.reply.catch(() => undefined)));
    }
    await awaitPhotos(); // photos of attachments already acknowledged earlier are still checked and sent
  } finally {
    await photos.catch(() => undefined); // never leave uploads running behind a failed sync
  }

  let since = getStatus(db).pullSeq;
  for (;;) {
    const page = await api.pull(c, since);
    db.transaction(() => {
      storePulled(db, page.records);
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
