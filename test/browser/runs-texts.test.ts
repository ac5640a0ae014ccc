// Words a technician reads: a refused form names what is missing in plain words,
// never a schema message, an internal id or a raw field name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from './harness';

test('adding a deficiency by hand: missing fields and an unknown door tag are said in words', async () => {
  const h = await startHarness({ demo: true });
  try {
    const { page } = h;
    const sites = await h.app.call('listSites', {});
    const siteId = sites[0]!.id;
    const run = await h.app.call('startRun', { siteId, technician: 'Pat Tester' });
    await h.goto(`/sites/${siteId}/runs/${run.id}/deficiencies`);
    await page.getByText('Add a deficiency by hand').click();
    await page.getByRole('button', { name: 'Add deficiency' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Not added' });
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /Enter the opening \(its door tag\) and what is wrong\./);

    await page.getByLabel('Opening').fill('9-999');
    await page.getByLabel('What is wrong, and the risk in plain words').fill('Closer arm bent');
    await page.getByRole('button', { name: 'Add deficiency' }).click();
    await alert.getByText(/is not in this site's schedule/).waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.doesNotMatch(text, /Invalid input|site \d|openingId|Too small/);
  } finally {
    await h.close();
  }
});
