// Several photos in one upload: each is a header line, `<sha256 hex> <size in bytes>\n`,
// followed by exactly that many bytes. One request then carries dozens of photos, so the
// per-request work (authentication, a database row each, an HTTP exchange) is paid once
// per batch, and the server writes each photo to disk as its bytes arrive.
import { MAX_PHOTO_BYTES } from './wire';

export const PHOTO_BATCH_TYPE = 'application/x-doorcx-photos';

/** Photos per upload request, and the bytes a batch is filled up to (a larger photo goes alone). */
export const PHOTO_BATCH_MAX_PHOTOS = 200;
export const PHOTO_BATCH_TARGET_BYTES = 8 * 1024 * 1024;
/** What the server takes in one batch: room for the target and one largest photo past it. */
export const MAX_PHOTO_BATCH_BYTES = PHOTO_BATCH_TARGET_BYTES + MAX_PHOTO_BYTES + PHOTO_BATCH_MAX_PHOTOS * 100;

export const photoHeader = (sha256: string, size: number): string => `${sha256} ${size}\n`;

export class PhotoBatchError extends Error {}

/** A piece of the batch: a photo starts (its hash and size), some of its bytes, or it ends. */
export type PhotoBatchPart = { kind: 'start'; sha256: string; size: number } | { kind: 'bytes'; bytes: Uint8Array } | { kind: 'end' };

const HEADER_MAX = 64 + 1 + String(MAX_PHOTO_BYTES).length + 1;
const HEADER_RE = /^([0-9a-f]{64}) (0|[1-9][0-9]*)$/;

/**
 * Reads a batch as it arrives, chunk by chunk (chunks may split a header or a photo
 * anywhere). Throws PhotoBatchError naming the byte offset of a malformed header.
 */
export class PhotoBatchReader {
  private header = '';
  private left = -1; // bytes of the current photo still to come; -1 while reading a header
  private offset = 0; // bytes of the batch read so far
  photos = 0;

  *read(chunk: Uint8Array): Generator<PhotoBatchPart> {
    let at = 0;
    while (at < chunk.length) {
      if (this.left < 0) {
        const nl = chunk.indexOf(0x0a, at);
        const end = nl < 0 ? chunk.length : nl;
        this.header += Buffer.from(chunk.buffer, chunk.byteOffset + at, end - at).toString('latin1');
        if (this.header.length > HEADER_MAX)
          throw new PhotoBatchError(`photo ${this.photos + 1}: no header line ("<sha256> <size>") at byte ${this.offset + at}`);
        this.offset += end - at;
        at = end;
        if (nl < 0) break;
        at++;
        this.offset++;
        const m = HEADER_RE.exec(this.header);
        if (!m)
          throw new PhotoBatchError(
            `photo ${this.photos + 1}: the header before byte ${this.offset} is not "<sha256 in lower-case hex> <size>": ${JSON.stringify(this.header.slice(0, 80))}`,
          );
        const size = Number(m[2]);
        if (size > MAX_PHOTO_BYTES)
          throw new PhotoBatchError(`photo ${this.photos + 1} (${m[1]}) is ${size} bytes; at most ${MAX_PHOTO_BYTES} are taken`);
        this.header = '';
        this.left = size;
        this.photos++;
        yield { kind: 'start', sha256: m[1]!, size };
      }
      if (this.left > 0 && at < chunk.length) {
        const n = Math.min(this.left, chunk.length - at);
        yield { kind: 'bytes', bytes: chunk.subarray(at, at + n) };
        this.left -= n;
        this.offset += n;
        at += n;
      }
      if (this.left === 0) {
        this.left = -1;
        yield { kind: 'end' };
      }
    }
  }

  /** After the last chunk: throws if the batch stopped inside a header or a photo. */
  finish(): void {
    if (this.left >= 0) throw new PhotoBatchError(`photo ${this.photos} ends early: ${this.left} of its bytes are missing`);
    if (this.header !== '') throw new PhotoBatchError(`the batch ends inside the header of photo ${this.photos + 1}`);
  }
}
