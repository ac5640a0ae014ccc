// Where photos live on the server, by SHA-256. A folder by default; the interface is
// small so an S3-compatible store can stand in (see docs/sync.md).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface BlobStore {
  has(sha256: string): Promise<boolean>;
  /** Stores the stream if its SHA-256 is `sha256`; throws BlobMismatch (and keeps nothing) otherwise. */
  put(sha256: string, body: Readable): Promise<{ size: number }>;
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
  return {
    has: async (sha) => existsSync(path(sha)),
    put: async (sha, body) => {
      const final = path(sha);
      mkdirSync(join(dir, sha.slice(0, 2)), { recursive: true });
      // A temp file per upload: an interrupted or wrong upload never becomes the blob.
      const tmp = `${final}.${randomBytes(6).toString('hex')}.part`;
      const hash = createHash('sha256');
      body.on('data', (chunk: Buffer) => hash.update(chunk));
      try {
        await pipeline(body, createWriteStream(tmp, { flush: true }));
        const actual = hash.digest('hex');
        if (actual !== sha) throw new BlobMismatch(sha, actual);
        renameSync(tmp, final);
      } finally {
        rmSync(tmp, { force: true });
      }
      return { size: statSync(final).size };
    },
    get: (sha) => createReadStream(path(sha)),
  };
}
