// Where photos live on the server, by SHA-256. A folder by default; the interface is
// small so an S3-compatible store can stand in (see docs/sync.md).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface BlobStore {
  has(sha256: string): Promise<boolean>;
  /** Stores the bytes if their SHA-256 is `sha256`; throws BlobMismatch (and keeps nothing) otherwise. */
  put(sha256: string, bytes: Uint8Array): Promise<{ size: number }>;
  get(sha256: string): Readable;
}

export class BlobMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the uploaded bytes hash to ${actual}, not ${expected}; nothing was stored`);
  }
}

export function folderBlobStore(dir: string): BlobStore {
  mkdirSync(dir, { recursive: true });
  const path = (sha: string) => join(dir, sha.slice(0, 2), sha);
  const made = new Set<string>();
  return {
    has: async (sha) => existsSync(path(sha)),
    put: async (sha, bytes) => {
      // Checked before anything is written: a wrong upload never touches the folder.
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== sha) throw new BlobMismatch(sha, actual);
      const sub = join(dir, sha.slice(0, 2));
      if (!made.has(sub)) {
        await mkdir(sub, { recursive: true });
        made.add(sub);
      }
      // A temp file per upload, flushed to disk before it is renamed into place: an
      // interrupted write never becomes the blob.
      const final = path(sha);
      const tmp = `${final}.${randomBytes(6).toString('hex')}.part`;
      try {
        await writeFile(tmp, bytes, { flush: true });
        await rename(tmp, final);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return { size: bytes.byteLength };
    },
    get: (sha) => createReadStream(path(sha)),
  };
}
