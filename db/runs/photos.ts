// Photo files are stored beside the database (dataDir/attachments/<sha256>),
// content-addressed: the same photo twice is one file; a file whose content no
// longer matches its name is detected on read.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export function attachmentsDir(dataDir: string): string {
  return join(dataDir, 'attachments');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes the file durably (temp file, fsync, rename) unless it is already there; returns its hash. */
export function storePhoto(dataDir: string, bytes: Uint8Array): string {
  const sha = sha256Hex(bytes);
  const dir = attachmentsDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, sha);
  if (existsSync(file)) return sha;
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return sha;
}

export function readPhoto(dataDir: string, sha: string): Buffer {
  const bytes = readFileSync(join(attachmentsDir(dataDir), sha));
  if (sha256Hex(bytes) !== sha) throw new Error(`photo ${sha} on disk does not match its hash (changed or damaged)`);
  return bytes;
}
