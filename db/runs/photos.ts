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

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic';

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

/** The image type the bytes really are (by their signature), or null for anything else. */
export function photoTypeOf(bytes: Uint8Array): PhotoType | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp' && HEIF_BRANDS.has(b.toString('latin1', 8, 12))) return 'image/heic';
  return null;
}

/** null when the bytes are the claimed image type; else why the photo is refused. */
export function photoTypeProblem(bytes: Uint8Array, claimed: PhotoType): string | null {
  const actual = photoTypeOf(bytes);
  if (actual === claimed) return null;
  return actual
    ? `The photo was sent as ${claimed} but its content is ${actual}: nothing was stored.`
    : `The photo was sent as ${claimed} but its content is not a JPEG, PNG, WebP or HEIC image: nothing was stored.`;
}
