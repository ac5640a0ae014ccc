// The header pill and the Sync page through a full cycle against a real sync server on
// a real PostgreSQL: not enrolled (offline), pending counts, enrolment, syncing n of m,
// synced at, an error with its reason (device revoked), and offline when the server is gone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { admin, recordResults, startTestPostgres, startTestServer, type TestPostgres } from '../support/sync';
import { tempDir } from '../support/tmp';
import { startHarness } from './harness';

let pgc: TestPostgres;
before(async () => {
  pgc = await startTestPostgres();
});
after(async () => {
  await pgc?.stop();
});

test('pill and Sync page: offline → enrol → syncing n of m → synced → error (revoked) → offline', async (t) => {
  const dir = tempDir(t, 'doorcx-sync-ui-');
  const server = await startTestServer(pgc, `${dir}/server`);
  t.after(() => server.close());
  const h = await startHarness({ demo: true });
  t.after(() => h.close());
  const { page, app } = h;
  const siteId = (await app.call('listSites', {})) as { id: number }[];
  recordResults(
    { db: app.ctx.db, dataDir: app.ctx.dataDir, siteId: siteId[0]!.id },
    { attempts: 400, steps: 6, technician: 'Ana', defectEvery: 50, photoBytes: 5000 },
  );

  const pill = page.locator('.app-header [role="status"]');
  await pill.filter({ hasText: 'Offline — everything is saved on this laptop' }).waitFor();
  assert.equal(await pill.getAttribute('data-state'), 'not-enrolled');
  await pill.click();
  await page.getByRole('heading', { level: 1, name: 'Sync' }).waitFor();
  const pending = page.getByTestId('pending');
  assert.equal(
    await pending
      .getByRole('row', { name: /step results/ })
      .getByRole('cell')
      .textContent(),
    '2400',
  );
  assert.equal(
    await pending
      .getByRole('row', { name: /^photos/ })
      .getByRole('cell')
      .textContent(),
    '8',
  );
  assert.equal(await page.getByTestId('last-success').textContent(), 'never');
  assert.ok(await page.getByRole('button', { name: 'Sync now' }).isDisabled(), 'nothing to sync with before enrolment');

  // Every text the pill shows from here on.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { pillTexts: string[] }).pillTexts = seen;
    const el = document.querySelector('.app-header [role="status"]')!;
    new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { subtree: true, childList: true, characterData: true });
  });
  const { code, deviceId } = await admin<{ code: string; deviceId: string }>(server, 'POST', '/admin/devices', { name: 'Tablet 3' });
  await page.getByLabel('Server address').fill(server.url);
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Enrol' }).click();
  await page.getByTestId('enrolment').filter({ hasText: 'Enrolled as Tablet 3' }).waitFor();
  await pill.filter({ hasText: /^Synced at \d\d:\d\d$/ }).waitFor({ timeout: 60_000 });
  assert.equal(await pill.getAttribute('data-state'), 'synced');
  const texts = await page.evaluate(() => (window as unknown as { pillTexts: string[] }).pillTexts);
  assert.ok(
    texts.some((x) => /^Syncing \d+ of \d+$/.test(x)),
    `the pill counted records as they went: ${[...new Set(texts)].join(' | ')}`,
  );
  await page.getByTestId('last-success').filter({ hasNotText: 'never' }).waitFor();
  await page
    .getByTestId('pending')
    .getByRole('row', { name: /step results/ })
    .getByRole('cell', { name: '0' })
    .waitFor();

  // The office revokes the tablet; the next sync fails and says why, in the pill and on the page.
  await admin(server, 'POST', `/admin/devices/${deviceId}/revoke`);
  recordResults({ db: app.ctx.db, dataDir: app.ctx.dataDir, siteId: siteId[0]!.id }, { attempts: 1, steps: 1, technician: 'Ana' });
  await page.getByRole('button', { name: 'Sync now' }).click();
  await pill.filter({ hasText: /^Sync error: This device \("Tablet 3"\) was revoked/ }).waitFor();
  assert.equal(await pill.getAttribute('data-state'), 'error');
  await page.getByTestId('sync-state').filter({ hasText: 'was revoked' }).waitFor();
  await page.getByTestId('last-error').filter({ hasText: 'ask the office for a new enrolment code' }).waitFor();
  assert.equal(
    await page
      .getByTestId('pending')
      .getByRole('row', { name: /step results/ })
      .getByRole('cell')
      .textContent(),
    '1',
  );

  // Re-enrolled, then the server goes away: offline, nothing lost, the pill says so.
  const again = await admin<{ code: string }>(server, 'POST', '/admin/devices', { name: 'Tablet 3b' });
  const sites = await admin<{ id: string }[]>(server, 'GET', '/admin/sites');
  await page.getByLabel('Enrolment code').fill(again.code);
  await page.getByRole('button', { name: 'Enrol again' }).click();
  await page.getByTestId('enrolment').filter({ hasText: 'Tablet 3b' }).waitFor();
  const newId = ((await app.call('syncStatus', {})) as { enrolment: { deviceId: string } }).enrolment.deviceId;
  await admin(server, 'POST', '/admin/grants', { deviceId: newId, siteId: sites[0]!.id });
  await page.getByRole('button', { name: 'Sync now' }).click();
  await pill.filter({ hasText: /^Synced at/ }).waitFor({ timeout: 60_000 });
  await server.close();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await pill.filter({ hasText: 'Offline — everything is saved on this laptop' }).waitFor();
  assert.equal(await pill.getAttribute('data-state'), 'offline');
  await page.getByTestId('last-error').filter({ hasText: 'the server cannot be reached' }).waitFor();
  assert.deepEqual(h.pageErrors, []);
});
