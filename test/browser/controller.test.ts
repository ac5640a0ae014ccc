// The controller link page in real Chromium through the web host: connect to the
// simulated controller, scan, open the live panel for one PD, watch an input change
// live, drop lock power with a timed command and see the command log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from './harness';

test('controller page: simulated connection, scan with default-key flags, live panel, timed drop, command log', async () => {
  const h = await startHarness({ demo: true });
  try {
    const { page } = h;
    // Reached from the header on any page.
    await h.goto('/sites');
    await page.getByRole('link', { name: 'Controller' }).click();
    await page.getByRole('heading', { name: 'Controller link' }).waitFor();
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByTestId('ctl-connected').waitFor();
    assert.match((await page.getByTestId('ctl-connected').textContent()) ?? '', /Simulated controller \(39 PDs\)/);

    // Scan (addresses 0-126 on the simulated bus): every PD is listed, the re-keyed ones are not flagged.
    await page.getByRole('button', { name: 'Scan 0–126' }).click();
    const table = page.getByTestId('scan-results');
    await table.waitFor({ timeout: 60_000 });
    const rows = table.locator('tbody tr');
    assert.equal(await rows.count(), 39);
    assert.match((await rows.nth(0).textContent()) ?? '', /^1.*9600.*s\/n 00010001.*4 in \/ 2 out · SC.*Own key/);
    assert.match((await rows.nth(1).textContent()) ?? '', /Default key \(SCBK-D\) still in use/);

    // Live panel for PD 2 (opening 1-101, a fail-safe maglock).
    await rows.nth(1).getByRole('button', { name: 'Open live panel' }).click();
    await page.getByRole('heading', { name: /PD 2 · opening 1-101/ }).waitFor();
    const lockStatus = page.getByTestId('input-0');
    const rex = page.getByTestId('input-2');
    const lockPower = page.getByTestId('output-0');
    await page.waitForFunction(() => document.querySelector('[data-testid="output-0"]')?.getAttribute('data-on') === 'true');
    assert.equal(await lockStatus.getAttribute('data-on'), 'true');
    assert.equal(await rex.getAttribute('data-on'), 'false');

    // A REX press at the door shows up live (unsolicited ISTATR → event → indicator).
    await page.getByRole('button', { name: 'Press REX' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="input-2"]')?.getAttribute('data-on') === 'true');

    // Timed lock-power drop: confirmed OFF by OSTAT; the PD restores it by itself.
    await page.getByLabel('Duration (s)').fill('3');
    await page.getByRole('button', { name: 'Drop lock power (timed)' }).click();
    await page.getByTestId('drop-result').waitFor();
    assert.match((await page.getByTestId('drop-result').textContent()) ?? '', /ACK · output 0 confirmed OFF · the PD restores it at/);
    await page.waitForFunction(() => document.querySelector('[data-testid="output-0"]')?.getAttribute('data-on') === 'false');
    await page.waitForFunction(() => document.querySelector('[data-testid="output-0"]')?.getAttribute('data-on') === 'true', undefined, {
      timeout: 10_000,
    });
    assert.match((await lockPower.textContent()) ?? '', /ON/);

    // The command log shows direction, decoded meaning and hex.
    const log = page.getByTestId('command-log');
    await page.waitForFunction(() =>
      (document.querySelector('[data-testid="command-log"]')?.textContent ?? '').includes('temporary OFF for 3.0 s'),
    );
    assert.match((await log.textContent()) ?? '', /ACU → PD2OUT out 0 temporary OFF for 3\.0 s · seq \d+FF 53 02/);
    assert.deepEqual(h.pageErrors, []);
  } finally {
    await h.close();
  }
});

test('controller page: scan progress and cancel, stop at the first PD, a tamper banner on the live panel', async () => {
  const h = await startHarness({ demo: true });
  try {
    const { page } = h;
    await h.goto('/controller');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByTestId('ctl-connected').waitFor();

    // A full scan shows its progress and can be cancelled: what was found so far is listed.
    await page.getByRole('button', { name: 'Scan 0–126' }).click();
    await page.getByTestId('scan-progress').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() =>
      /([3-9]|\d\d+) of 127 addresses probed/.test(document.querySelector('[data-testid="scan-progress"]')?.textContent ?? ''),
    );
    assert.match((await page.getByTestId('scan-progress').textContent()) ?? '', /of 127 addresses probed · \d+ PD\(s\) found/);
    await page.getByRole('button', { name: 'Cancel scan' }).click();
    await page.getByTestId('scan-summary').waitFor({ timeout: 30_000 });
    const summary = (await page.getByTestId('scan-summary').textContent()) ?? '';
    assert.match(summary, /^Cancelled: Found \d+ PD\(s\)/);
    assert.ok(!/127 of 127/.test(summary), summary);

    // Stop at the first PD: one row, address 1.
    await page.getByLabel('Stop at the first PD').check();
    await page.getByRole('button', { name: 'Scan 0–126' }).click();
    await page.waitForFunction(
      () => /\(2 of 127 probes\)/.test(document.querySelector('[data-testid="scan-summary"]')?.textContent ?? ''),
      undefined,
      {
        timeout: 30_000,
      },
    );
    const rows = page.getByTestId('scan-results').locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match((await rows.nth(0).textContent()) ?? '', /^1/);

    // Tamper at the PD: a banner on its live panel.
    await rows.nth(0).getByRole('button', { name: 'Open live panel' }).click();
    await page.getByRole('heading', { name: /PD 1/ }).waitFor();
    await page.getByRole('button', { name: 'Open the PD enclosure (tamper)' }).click();
    await page.getByTestId('pd-local-status').waitFor({ timeout: 10_000 });
    assert.match((await page.getByTestId('pd-local-status').textContent()) ?? '', /TAMPER: the PD reports its enclosure open/);
    assert.deepEqual(h.pageErrors, []);
  } finally {
    await h.close();
  }
});
