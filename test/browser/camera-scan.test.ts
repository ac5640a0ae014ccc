// The opening finder reads a door label through the camera, in real Chromium: the
// label sheet is built by the app, its first label rasterised by poppler into a
// .y4m video that Chromium's fake camera plays, and the finder's "Scan with camera"
// decodes it and opens that door. A label for another site, typed by a keyboard-wedge
// scanner, opens nothing and names its site. Without a camera, or with the camera
// refused, the finder says so and the tag field still works.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { doorLabelPayload } from '../../core/runs/door-tag';
import { CHROMIUM, CHROMIUM_ARGS, closeBrowser, startHarness, type Harness } from './harness';

const SITE = 'Demo - Riverside Clinic';

/** One video frame (4:2:0, 640×480) holding a grey image, centred on white: a y4m file Chromium's fake camera loops. */
function y4mOf(grey: { width: number; height: number; data: Buffer }): Buffer {
  const W = 640;
  const H = 480;
  const y = Buffer.alloc(W * H, 235);
  const ox = Math.floor((W - grey.width) / 2);
  const oy = Math.floor((H - grey.height) / 2);
  for (let r = 0; r < grey.height; r++)
    for (let c = 0; c < grey.width; c++) {
      const v = grey.data[r * grey.width + c]!;
      y[(oy + r) * W + ox + c] = 16 + Math.round((v * 219) / 255); // studio range, as cameras deliver it
    }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), y, chroma]);
}

/** A binary PGM (P5) from pdftoppm -gray. */
function readPgm(file: string): { width: number; height: number; data: Buffer } {
  const pgm = readFileSync(file);
  const h = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.toString('latin1', 0, 40))!;
  return { width: Number(h[1]), height: Number(h[2]), data: pgm.subarray(h[0].length) };
}

function launch(extra: string[]): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extra], headless: true });
}

describe('opening finder: camera and scanner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorcx-camera-'));
  let h: Harness;
  let runHash: string;
  const browsers: Browser[] = [];
  before(async () => {
    // The backend first (no browser yet): build the label sheet and turn label 1-100 into a camera feed.
    browsers.push(await launch([]));
    h = await startHarness({ demo: true, browser: browsers[0]!, viewport: { width: 1024, height: 768 } });
    const site = (await h.app.call('listSites', {})).find((s) => s.name === SITE)!;
    const run = await h.app.call('startRun', { siteId: site.id, technician: 'Ana' });
    runHash = `/sites/${site.id}/runs/${run.id}`;
    const labels = await h.app.call('buildLabels', { siteId: site.id });
    writeFileSync(join(dir, 'labels.pdf'), Buffer.from(labels.contentBase64, 'base64'));
    // Letter stock at 150 dpi: the first label is 600×300 px from (23, 75).
    spawnSync('pdftoppm', [
      '-gray',
      '-r',
      '150',
      '-f',
      '1',
      '-l',
      '1',
      '-x',
      '15',
      '-y',
      '65',
      '-W',
      '600',
      '-H',
      '320',
      join(dir, 'labels.pdf'),
      join(dir, 'label'),
    ]);
    writeFileSync(join(dir, 'label.y4m'), y4mOf(readPgm(join(dir, 'label-1.pgm'))));
  });
  after(async () => {
    await h?.close();
    for (const b of browsers) await closeBrowser(b);
    rmSync(dir, { recursive: true, force: true });
  });

  test('"Scan with camera" reads the door label and opens its opening', async () => {
    const browser = await launch([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${join(dir, 'label.y4m')}`,
    ]);
    browsers.push(browser);
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(h.host.url);
    await page.waitForFunction(() => window.location.hash.startsWith('#/'));
    await page.evaluate((p) => (window.location.hash = p), runHash);
    await page.getByRole('button', { name: 'Scan with camera' }).click();
    await page.getByRole('heading', { name: /^Opening 1-100/ }).waitFor();
    // The camera is off again once the code is read.
    await page.waitForFunction(() => !document.querySelector('video.camera-view'));
  });

  test("a keyboard-wedge scan of another site's label opens nothing and names that site", async () => {
    const { page } = h;
    await h.goto(runHash);
    const tag = page.getByRole('textbox', { name: /Door tag/ });
    await tag.click();
    // A wedge scanner types the payload and presses Enter.
    await page.keyboard.type(doorLabelPayload('Demo - Lakeside Clinic', '1-101'));
    await page.keyboard.press('Enter');
    await page.getByText("This label is for site “Demo - Lakeside Clinic”, not this run's site.").waitFor();
    assert.equal(await page.evaluate(() => window.location.hash), `#${runHash}`, 'still on the run page');
    // This site's own label for the same door mark opens it.
    await tag.click();
    await page.keyboard.type(doorLabelPayload(SITE, '1-101'));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Opening 1-101/ }).waitFor();
    assert.deepEqual(h.pageErrors, []);
  });

  test(
    'no camera on the device: a clear message, and the tag field still works',
    { skip: existsSync('/dev/video0') && 'this machine has a camera' },
    async () => {
      const browser = await launch(['--use-fake-ui-for-media-stream']);
      browsers.push(browser);
      const page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(h.host.url);
      await page.waitForFunction(() => window.location.hash.startsWith('#/'));
      await page.evaluate((p) => (window.location.hash = p), runHash);
      await page.getByRole('button', { name: 'Scan with camera' }).click();
      await page.getByRole('alert').filter({ hasText: 'No camera was found on this device.' }).waitFor();
      await page.getByRole('button', { name: 'Close' }).click();
      await page.getByRole('textbox', { name: /Door tag/ }).fill('1-102');
      await page.getByRole('textbox', { name: /Door tag/ }).press('Enter');
      await page.getByRole('heading', { name: /^Opening 1-102/ }).waitFor();
    },
  );

  test('camera permission refused: a clear message', async () => {
    const browser = await launch(['--use-fake-device-for-media-stream', '--deny-permission-prompts']);
    browsers.push(browser);
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(h.host.url);
    await page.waitForFunction(() => window.location.hash.startsWith('#/'));
    await page.evaluate((p) => (window.location.hash = p), runHash);
    await page.getByRole('button', { name: 'Scan with camera' }).click();
    await page.getByRole('alert').filter({ hasText: 'Camera permission was refused.' }).waitFor();
  });
});
