// The Reports page in real Chromium on a tablet-sized viewport: after a real test
// on the demo site's simulated controller, both parties sign on the pads (strokes
// stored as vectors), the signed report is built with its progress bar, verified
// in the app, and a wrong passphrase is refused with a clear message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { AttemptSummary } from '../../app/contract/runs';
import { closeBrowser, launchChromium, startHarness } from './harness';

async function sign(page: Page, role: 'technician' | 'witness', wiggle: number): Promise<void> {
  const pad = page.locator(`.signature-field[data-role="${role}"] canvas`);
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  // Two strokes, like a name and an underline.
  await page.mouse.move(box.x + 20, box.y + 40);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + 20 + i * 20, box.y + 40 + ((i * wiggle) % 60), { steps: 2 });
  await page.mouse.up();
  await page.mouse.move(box.x + 30, box.y + 120);
  await page.mouse.down();
  await page.mouse.move(box.x + 240, box.y + 125, { steps: 6 });
  await page.mouse.up();
}

describe('reports in Chromium', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await closeBrowser(browser);
  });

  test('sign both pads on a tablet, build the signed report, verify it in the app', async () => {
    const h = await startHarness({ browser, demo: true, viewport: { width: 800, height: 1280 } });
    try {
      const { page, app } = h;
      const siteId = (await app.call('listSites', {})).find((s) => s.name === 'Demo - Riverside Clinic')!.id;
      const run = await app.call('startRun', {
        siteId,
        technician: 'Zoë Tech',
        settings: { thresholds: { releaseMs: 1500, relockMs: 1500, pdTimerMarginMs: 300, pollIntervalMs: 40 } },
      });
      const a = await app.call('runProcedure', {
        runId: run.id,
        openingId: '1-101',
        procedureId: 'power-drop',
        link: { kind: 'simulated' },
        answers: { 'door-opened': 'yes' },
      });
      for (let i = 0; i < 1500; i++) {
        if (((await app.call('getAttempt', { attemptId: a.id })) as AttemptSummary).status !== 'running') break;
        await new Promise((r) => setTimeout(r, 20));
      }

      await h.goto(`/sites/${siteId}/reports`);
      await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
      // The preview never implies coverage it lacks.
      await page.locator('.warnings', { hasText: 'openings not tested' }).waitFor();
      await page.locator('.warnings', { hasText: 'every page is marked DRAFT' }).waitFor();

      await sign(page, 'technician', 17);
      await page.getByLabel('Printed name').first().fill('Zoë Tech');
      await page.getByRole('button', { name: 'Save technician signature' }).click();
      await page.getByTestId('signed-technician').waitFor();
      await sign(page, 'witness', 23);
      await page.locator('#sig-witness-name').fill('Åsa O’Brien');
      await page.locator('#sig-witness-title').fill('AHJ inspector');
      await page.getByRole('button', { name: 'Save witness signature' }).click();
      await page.getByTestId('signed-witness').waitFor();
      assert.match((await page.getByTestId('signed-witness').textContent()) ?? '', /Åsa O’Brien, AHJ inspector/);
      const sigs = await app.call('listHandwrittenSignatures', { siteId });
      assert.equal(sigs.length, 2);
      for (const s of sigs) {
        assert.equal(s.strokes.length, 2, `${s.role}: two strokes stored`);
        assert.ok(s.strokes[0]!.length > 5, 'a stroke is many points (vectors, not an image)');
        assert.ok(s.strokes.flat().every(([x, y]) => x >= 0 && x <= 1 && y >= 0 && y <= 1));
      }
      await page.locator('.warnings', { hasText: 'DRAFT' }).waitFor({ state: 'detached' });

      await page.locator('#build-technician').fill('Zoë Tech');
      await page.locator('#build-passphrase').fill('tablet passphrase');
      await page.getByRole('button', { name: 'Build signed report' }).click();
      const built = page.getByRole('status').filter({ hasText: 'Built' });
      await built.waitFor({ timeout: 120_000 });
      assert.doesNotMatch((await built.textContent()) ?? '', /DRAFT/);
      assert.equal(await page.locator('progress[aria-label="Report build progress"]').getAttribute('value'), '100');
      const reports = await app.call('listReports', { siteId });
      assert.equal(reports.length, 1);
      assert.match((await built.textContent()) ?? '', new RegExp(reports[0]!.fileSha256));

      const row = page.locator(`tr[data-report-id="${reports[0]!.id}"]`);
      await row.getByRole('button', { name: 'Verify' }).click();
      const v = row.locator('.verification.ok');
      await v.waitFor();
      const vt = (await v.textContent()) ?? '';
      assert.match(vt, /Valid/);
      assert.match(vt, /Signature 1: valid — Zoë Tech/);
      assert.match(vt, /nothing changed since/);
      assert.match(vt, /in this database’s chain/);

      // A wrong passphrase for the certificate created above: refused, nothing built.
      await page.locator('#build-passphrase').fill('not the passphrase');
      await page.getByRole('button', { name: 'Build signed report' }).click();
      await page.getByRole('alert').filter({ hasText: 'Wrong passphrase for the .p12 file.' }).waitFor();
      assert.equal((await app.call('listReports', { siteId })).length, 1);
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.close();
    }
  });
});
