// Where photos live on the server, by SHA-256. A folder by default; the interface is
// small so an S3-compatible store can stand in (see docs/sync.md).
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface BlobStore {
  has(sha256: string): Promise<boolean>;
  /** A new blob, written as its bytes arrive; it exists only once `commit` has checked its hash. */
  create(sha256: string): Promise<BlobWriter>;
  get(sha256: string): Readable;
}

export interface BlobWriter {
  write(bytes: Uint8Array): Promise<void>;
  /** Stores the blob if its bytes hash to its SHA-256; throws BlobMismatch (and keeps nothing) otherwise. */
  commit(): Promise<{ size: number }>;
  /** Drops what was written (a broken upload). */
  abort(): Promise<void>;
}

export class BlobMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the uploaded bytes hash to ${actual}, not ${expected}; nothing was stored`);
  }
}

/** Stores bytes already in memory (one photo by PUT). */
export async function putBlob(store: BlobStore, sha256: string, bytes: Uint8Array): Promise<{ size: number }> {
  const w = await store.create(sha256);
  try {
    await w.write(bytes);
  } catch (err) {
    await w.abort();
    throw err;
  }
  return await w.commit();
}

export function folderBlobStore(dir: string): BlobStore {
  mkdirSync(dir, { recursive: true });
  const path = (sha: string) => join(dir, sha.slice(0, 2), sha);
  const made = new Set<string>();
  return {
    has: async (sha) => existsSync(path(sha)),
    create: async (sha) => {
      const sub = join(dir, sha.slice(0, 2));
      if (!made.has(sub)) {
        await mkdir(sub, { recursive: true });
        made.add(sub);
      }
      // A temp file per upload, hashed as it is written and flushed to disk before it is
      // renamed into place: an interrupted or wrong upload never becomes the blob.
      const final = path(sha);
      const tmp = `${final}.${randomBytes(6).toString('hex')}.part`;
      const file: FileHandle = await open(tmp, 'w');
      const hash: Hash = createHash('sha256');
      let size = 0;
      let closed = false;
      // Bytes arrive in network-sized chunks; they are written a megabyte at a time.
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        const chunks = pending;
        pending = [];
        pendingBytes = 0;
        if (chunks.length === 0) return;
        const { bytesWritten } = await file.writev(chunks);
        const expected = chunks.reduce((n, c) => n + c.byteLength, 0);
        if (bytesWritten !== expected)
          throw new Error(`only ${bytesWritten} of ${expected} bytes of photo ${sha} were written (is the disk full?)`);
      };
      const drop = async () => {
        if (!closed) await file.close().catch(() => undefined);
        closed = true;
        await rm(tmp, { force: true });
      };
      return {
        write: async (bytes) => {
          hash.update(bytes);
          size += bytes.byteLength;
          pending.push(bytes);
          pendingBytes += bytes.byteLength;
          if (pendingBytes >= 1024 * 1024) await flush();
        },
        commit: async () => {
          const actual = hash.digest('hex');
          if (actual !== sha) {
            await drop();
            throw new BlobMismatch(sha, actual);
          }
          try {
            await flush();
            await file.datasync();
            await file.close();
            closed = true;
            await rename(tmp, final);
          } catch (err) {
            await drop();
            throw err;
          }
          return { size };
        },
        abort: drop,
      };
    },
    get: (sha) => createReadStream(path(sha)),
  };
}
