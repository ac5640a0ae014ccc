// A bookmark or a new tab on the web host has no launch token: the page says how
// to open DoorCx again instead of showing a bare "wrong token" error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from './harness';

test('a tab without the token explains how to open DoorCx again', async () => {
  const h = await startHarness();
  try {
    const context = await h.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${new URL(h.host.url).origin}/#/sites`);
      const alert = page.getByRole('alert').filter({ hasText: 'This tab is not connected to DoorCx' });
      await alert.waitFor();
      const text = (await alert.textContent()) ?? '';
      assert.match(text, /use the link it printed when it started/);
      assert.match(text, /npm start/);
      assert.doesNotMatch(text, /Missing or wrong DoorCx token/);
    } finally {
      await context.close();
    }
  } finally {
    await h.close();
  }
});
