// Door labels from the demo site: every opening gets a label with its mode in
// large type and code basis; the QR code, rasterised by poppler and decoded with
// the decoder the app's camera scan uses, carries the site and opening, which the
// opening finder's tag field takes (and refuses on another site's run); a tested
// opening shows its last test. Letter and A4 stock lay out 10 and 14 per page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import decodeQR from 'qr/decode.js';
import { createApp } from '../../app/index';
import { DEMO_SITE_NAME } from '../../app/demo';
import { getSiteByName } from '../../db/schedule';
import { tempDir } from '../support/tmp';

/** Decodes a binary PPM (P6) from pdftoppm into RGBA for the QR decoder. */
function ppmToRgba(ppm: Buffer): { data: Uint8ClampedArray; width: number; height: number } {
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.toString('latin1', 0, 40))!;
  const width = Number(header[1]);
  const height = Number(header[2]);
  const body = ppm.subarray(header[0].length);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = body[i * 3]!;
    data[i * 4 + 1] = body[i * 3 + 1]!;
    data[i * 4 + 2] = body[i * 3 + 2]!;
    data[i * 4 + 3] = 255;
  }
  return { data, width, height };
}

test('door labels: mode, code basis, last test, and a QR code the opening finder reads', async (t) => {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;
  const run = await app.call('startRun', { siteId, technician: 'Ana' });
  await app.call('recordChecklistItem', {
    runId: run.id,
    openingId: '1-100',
    procedureId: 'check-mode-label',
    answers: { 'mode-label': 'yes' },
  });

  const letter = await app.call('buildLabels', { siteId });
  assert.equal(letter.count, 39);
  const file = join(dir, letter.fileName);
  writeFileSync(file, Buffer.from(letter.contentBase64, 'base64'));
  const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' }).stdout;
  assert.match(info, /Pages:\s+4/, '39 labels at 10 per Letter page');
  const text = spawnSync('pdftotext', ['-layout', '-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' }).stdout;
  assert.match(text, /1-100 +1-101/);
  assert.match(text, /FAIL-SECURE +FAIL-SAFE/);
  assert.match(text, /Code basis: Free mechanical egress/);
  assert.match(text, /Last test \d{4}-\d\d-\d\d: INCOMPLETE/, '1-100 has a recorded checklist item');
  assert.match(text, /Not tested yet/);

  // The first label's QR code, rasterised and decoded, is what the finder takes as a door tag.
  spawnSync('pdftoppm', ['-r', '150', '-f', '1', '-l', '1', '-x', '0', '-y', '40', '-W', '330', '-H', '340', file, join(dir, 'qr')]);
  const ppm = readFileSync(join(dir, 'qr-1.ppm'));
  const img = ppmToRgba(ppm);
  const code = decodeQR(img);
  assert.equal(code, `DOORCX:site=${encodeURIComponent(DEMO_SITE_NAME)};door=1-100`);
  const found = await app.call('nextOpening', { runId: run.id, tag: code });
  assert.equal(found.next?.openingId, '1-100');
  assert.equal(found.otherSite, undefined);

  // The same door mark on another site's label opens nothing and names that site.
  const other = await app.call('nextOpening', { runId: run.id, tag: code.replace('Riverside', 'Lakeside') });
  assert.equal(other.next, null);
  assert.equal(other.otherSite, DEMO_SITE_NAME.replace('Riverside', 'Lakeside'));
  // Labels printed before sites were named still find their door.
  assert.equal((await app.call('nextOpening', { runId: run.id, tag: 'DOORCX:1-100' })).next?.openingId, '1-100');

  const a4 = (await app.call('buildLabels', { siteId, floors: ['2'], stock: 'a4' })) as { contentBase64: string; count: number };
  assert.equal(a4.count, 13);
  writeFileSync(join(dir, 'a4.pdf'), Buffer.from(a4.contentBase64, 'base64'));
  const a4info = spawnSync('pdfinfo', [join(dir, 'a4.pdf')], { encoding: 'utf8' }).stdout;
  assert.match(a4info, /Pages:\s+1/);
  assert.match(a4info, /Page size:\s+595\.28 x 841\.89/);
});
