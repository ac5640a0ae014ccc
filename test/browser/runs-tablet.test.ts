// The runs screens on a tablet, portrait (768×1024) and landscape (1024×768),
// in Chromium: the header plus the sticky progress strip stay within 120 px; the
// "Running:" panel and the result card never sit under the strip; after a result
// the keyboard is on the result heading; the light theme's header buttons are
// readable (not white on white); the import dialog follows the file picked last
// and Escape gives the keyboard back to what opened it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { closeBrowser, launchChromium, startHarness } from './harness';

const SETTINGS = {
  thresholds: { releaseMs: 1500, holdWindowMs: 1000, relockMs: 1500, pdTimerMarginMs: 500, pollIntervalMs: 40, promptTimeoutMs: 60_000 },
  ahjNote: 'test windows',
};

/** Bottom edge of the sticky strip and top edge of an element, in viewport px. */
async function edges(page: Page, selector: string): Promise<{ header: number; stripBottom: number; top: number }> {
  return page.evaluate((sel) => {
    const header = document.querySelector('.app-header')!.getBoundingClientRect();
    const strip = document.querySelector('.progress-strip')!.getBoundingClientRect();
    const el = document.querySelector(sel)!.getBoundingClientRect();
    return { header: header.height, stripBottom: strip.bottom, top: el.top };
  }, selector);
}

/** Relative luminance contrast of an element's text against its own (or the header's) background. */
async function contrast(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel)!;
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 4).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    let bgEl: Element | null = el;
    let bg = getComputedStyle(el).backgroundColor;
    while (bgEl && (rgb(bg)[3] === 0 || bg === 'transparent')) {
      bgEl = bgEl.parentElement;
      bg = bgEl ? getComputedStyle(bgEl).backgroundColor : 'rgb(255, 255, 255)';
    }
    const a = lum(rgb(getComputedStyle(el).color));
    const b = lum(rgb(bg));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }, selector);
}

describe('runs on a tablet', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await closeBrowser(browser);
  });

  test('import dialog: the site name follows the file picked last; Escape returns focus to the Import button', async () => {
    const h = await startHarness({ browser, viewport: { width: 768, height: 1024 } });
    try {
      const { page } = h;
      await h.goto('/sites');
      const opener = page.getByRole('button', { name: 'Import schedule' });
      await opener.click();
      const dialog = page.getByRole('dialog', { name: 'Import schedule' });
      const file = dialog.getByLabel('Schedule file');
      const site = dialog.getByLabel('Site name');
      const csv = (name: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from('opening_id\n1-1\n') });
      await file.setInputFiles(csv('North Tower.csv'));
      assert.equal(await site.inputValue(), 'North Tower');
      await file.setInputFiles(csv('South Tower.csv'));
      assert.equal(await site.inputValue(), 'South Tower', 'the name follows the file picked last');
      await site.fill('Harbour Clinic');
      await file.setInputFiles(csv('East Wing.csv'));
      assert.equal(await site.inputValue(), 'Harbour Clinic', 'a typed name is kept');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.activeElement?.textContent === 'Import schedule');
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.close();
    }
  });

  for (const viewport of [
    { width: 768, height: 1024 },
    { width: 1024, height: 768 },
  ]) {
    test(`${viewport.width}×${viewport.height}: strip within 120 px, panel and result card below it, focus on the result`, async () => {
      const h = await startHarness({ browser, demo: true, viewport, colorScheme: 'light' });
      try {
        const { page } = h;
        const sites = await h.app.call('listSites', {});
        const siteId = sites.find((s) => s.name === 'Demo - Riverside Clinic')!.id;
        const run = await h.app.call('startRun', { siteId, technician: 'Pat Tester', settings: SETTINGS });
        await h.goto(`/sites/${siteId}/runs/${run.id}/openings/1-101`);
        await page.locator('.progress-strip').waitFor();

        // Light theme: the header's Controller button is readable.
        assert.ok((await contrast(page, '.app-header a.btn[href="#/controller"]')) >= 4.5, 'the Controller button has contrast');

        let e = await edges(page, '.progress-strip');
        assert.ok(e.header + (e.stripBottom - e.top) <= 120, `header ${e.header} px + strip ${e.stripBottom - e.top} px ≤ 120 px`);

        await page.getByRole('button', { name: 'Run Power drop' }).click();
        const panel = page.getByRole('region', { name: 'Running: Power drop' });
        await panel.locator('.prompt-confirm').waitFor();
        await page.waitForTimeout(300); // let the scroll into view settle
        e = await edges(page, '.test-panel h2');
        assert.ok(e.top >= e.stripBottom, `"Running:" (top ${e.top}) is below the strip (bottom ${e.stripBottom})`);

        await panel.locator('.prompt-confirm').getByRole('button', { name: 'Yes', exact: true }).click();
        const card = page.locator('.result-card', { hasText: 'Power drop' });
        await card.waitFor({ timeout: 30_000 });
        await page.waitForFunction(() => document.activeElement?.id === 'result-title');
        await page.waitForTimeout(300);
        e = await edges(page, '.result-card');
        assert.ok(e.top >= e.stripBottom, `the result card (top ${e.top}) is below the strip (bottom ${e.stripBottom})`);
        assert.deepEqual(h.pageErrors, []);
      } finally {
        await h.close();
      }
    });
  }
});
