// The controller page's command log is virtualised: with hundreds of entries only the rows
// in view (and a margin) are in the DOM, newest first, and scrolling down reaches the oldest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from './harness';

test('command log: hundreds of entries, a window of rows in the DOM, the oldest reached by scrolling', async (t) => {
  const h = await startHarness({ demo: true });
  t.after(() => h.close());
  const { page } = h;
  await h.goto('/controller');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByTestId('ctl-connected').waitFor();
  await page.getByLabel('Hide idle polls').uncheck();

  // A scan of the bus (every address, a few probes each) and the polling of the PDs it finds: a long log.
  await page.getByRole('button', { name: 'Scan 0–126' }).click();
  const log = page.getByTestId('command-log');
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid="command-log"]')?.getAttribute('aria-rowcount') ?? 0) > 400,
    undefined,
    { timeout: 60_000 },
  );
  const rendered = await log.locator('tbody tr[data-index]').count();
  assert.ok(rendered > 5 && rendered < 80, `only a window of rows is rendered (${rendered})`);
  const first = log.locator('tbody tr[data-index]').first();
  assert.equal(await first.getAttribute('data-index'), '0', 'the newest entry is on top');
  assert.match((await first.textContent()) ?? '', /^\d\d:\d\d:\d\d\.\d{3}(ACU → PD|PD → ACU|dropped)/);

  // Scroll to the end: the oldest entries are rendered, the newest no longer are.
  await page.evaluate(() => {
    const box = document.querySelector('.ctl-log')!;
    box.scrollTop = box.scrollHeight;
  });
  await page.waitForFunction(() => {
    const table = document.querySelector('[data-testid="command-log"]')!;
    const total = Number(table.getAttribute('aria-rowcount'));
    const rows = [...table.querySelectorAll('tbody tr[data-index]')];
    // Rows keep arriving on top while we look: the last rendered one is among the oldest few.
    const last = Number(rows.at(-1)?.getAttribute('aria-rowindex') ?? 0);
    return last >= total - 5 && !rows.some((r) => r.getAttribute('data-index') === '0');
  });
  assert.ok((await log.locator('tbody tr[data-index]').count()) < 80);
  assert.deepEqual(h.pageErrors, []);
});
