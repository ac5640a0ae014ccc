import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PHOTO_BYTES } from '../../core/sync/wire';
import { PhotoBatchError, PhotoBatchReader, photoHeader, type PhotoBatchPart } from '../../core/sync/photo-batch';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const batch = Buffer.concat([Buffer.from(photoHeader(A, 5)), Buffer.from('hello'), Buffer.from(photoHeader(B, 0))]);

/** The photos read from the batch fed in pieces of `size` bytes. */
function photosOf(bytes: Buffer, size: number): { sha256: string; bytes: string }[] {
  const r = new PhotoBatchReader();
  const out: { sha256: string; bytes: string }[] = [];
  const parts: PhotoBatchPart[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(...r.read(bytes.subarray(at, at + size)));
  r.finish();
  for (const p of parts) {
    if (p.kind === 'start') out.push({ sha256: p.sha256, bytes: '' });
    else if (p.kind === 'bytes') out[out.length - 1]!.bytes += Buffer.from(p.bytes).toString();
  }
  assert.equal(parts.filter((p) => p.kind === 'end').length, out.length, 'every photo that starts ends');
  return out;
}

test('a photo batch reads the same whatever the chunks it arrives in, an empty photo included', () => {
  const expected = [
    { sha256: A, bytes: 'hello' },
    { sha256: B, bytes: '' },
  ];
  for (const size of [1, 2, 7, 64, 65, 66, 70, batch.length]) assert.deepEqual(photosOf(batch, size), expected, `chunks of ${size}`);
});

test('a broken photo batch is refused naming the photo and the byte', () => {
  const read = (bytes: Buffer) => () => photosOf(bytes, 3);
  assert.throws(
    read(batch.subarray(0, batch.length - 70)),
    (e) => e instanceof PhotoBatchError && /photo 1 ends early: 3 of its bytes are missing/.test(e.message),
  );
  assert.throws(
    read(batch.subarray(0, batch.length - 10)),
    (e) => e instanceof PhotoBatchError && /ends inside the header of photo 2/.test(e.message),
  );
  assert.throws(
    read(Buffer.from(`${A.toUpperCase()} 5\nhello`)),
    (e) => e instanceof PhotoBatchError && /photo 1: the header before byte 67 is not "<sha256 in lower-case hex> <size>"/.test(e.message),
  );
  assert.throws(read(Buffer.from(`${A} 05\nhello`)), /photo 1: the header before byte 68/);
  assert.throws(read(Buffer.from('x'.repeat(200))), /photo 1: no header line \("<sha256> <size>"\) at byte \d+/);
  assert.throws(read(Buffer.from(photoHeader(A, MAX_PHOTO_BYTES + 1))), new RegExp(`photo 1 \\(${A}\\) is ${MAX_PHOTO_BYTES + 1} bytes`));
});
