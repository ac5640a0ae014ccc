// Photos: the bytes must be the image type the caller claims; a mismatch is
// refused and stores nothing (no file, no row, no event).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Attachment } from '../../app/contract/runs';
import { DEMO_SITE_NAME } from '../../app/demo';
import { createApp } from '../../app/index';
import { photoTypeOf } from '../../db/runs';
import { getSiteByName } from '../../db/schedule';
import { tempDir } from '../support/tmp';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');
const SAMPLES = {
  'image/jpeg': Buffer.concat([hex('ffd8ffe0 0010 4a464946 00'), Buffer.alloc(32, 1)]),
  'image/png': Buffer.concat([hex('89504e47 0d0a1a0a 0000000d 49484452'), Buffer.alloc(32, 2)]),
  'image/webp': Buffer.concat([Buffer.from('RIFF'), hex('24000000'), Buffer.from('WEBPVP8 '), Buffer.alloc(32, 3)]),
  'image/heic': Buffer.concat([hex('00000018'), Buffer.from('ftypheic'), hex('00000000'), Buffer.from('mif1heic'), Buffer.alloc(32, 4)]),
} as const;

test('photoTypeOf: by signature, not by name', () => {
  for (const [type, bytes] of Object.entries(SAMPLES)) assert.equal(photoTypeOf(bytes), type);
  assert.equal(photoTypeOf(Buffer.from('<html><script>alert(1)</script>')), null);
  assert.equal(photoTypeOf(Buffer.from('GIF89a')), null);
  assert.equal(photoTypeOf(hex('ffd8')), null, 'too short to be a JPEG');
  assert.equal(photoTypeOf(Buffer.concat([hex('00000018'), Buffer.from('ftypavif')])), null, 'AVIF is not HEIC');
});

test('attachPhoto stores only bytes that are the claimed image type', async (t) => {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'd.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;
  const d = await app.call('createDeficiency', {
    siteId,
    openingId: '1-101',
    severity: 'security',
    description: 'strike loose',
    createdBy: 'Ana',
  });
  // As a transport receives it: the claimed type is whatever the sender says.
  const attach = (mimeType: string, bytes: Buffer) =>
    app.handle('attachPhoto', { deficiencyId: d.id, fileName: 'p', mimeType, contentBase64: bytes.toString('base64') });

  const refused: [string, Buffer, RegExp][] = [
    ['image/jpeg', SAMPLES['image/png'], /sent as image\/jpeg but its content is image\/png/],
    ['image/png', Buffer.from('<svg onload="alert(1)"/>'), /not a JPEG, PNG, WebP or HEIC image/],
    ['image/heic', SAMPLES['image/jpeg'], /content is image\/jpeg/],
    ['image/webp', Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVEfmt '), /not a JPEG/],
  ];
  for (const [type, bytes, reason] of refused) await assert.rejects(attach(type, bytes), (e: Error) => reason.test(e.message));
  assert.ok(!existsSync(join(dir, 'attachments')) || readdirSync(join(dir, 'attachments')).length === 0, 'no file stored');

  for (const [type, bytes] of Object.entries(SAMPLES)) {
    const a = (await attach(type, bytes)) as Attachment;
    assert.equal(a.mimeType, type);
  }
  const [after] = await app.call('listDeficiencies', { siteId, openingId: '1-101' });
  assert.deepEqual(
    after!.photos.map((p) => p.mimeType),
    Object.keys(SAMPLES),
  );
  const log = (await app.call('verifyEventLog', {})) as { ok: boolean };
  assert.equal(log.ok, true);
});
