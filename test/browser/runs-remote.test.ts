// Results from another device in the runs views: another laptop's results, built by the real
// outbox and stored as a pull stores them, are marked with that device and technician beside
// each opening of the run and on the opening's checklist, while this run's own status, verdicts
// and progress stay its own. A sync that ends (the sync:state event the engine pushes) refreshes
// the marks without a reload.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../app/index';
import { listOpenings } from '../../db/schedule';
import { pullAsRemote } from '../support/remote';
import { recordResults } from '../support/sync';
import { startHarness } from './harness';

test('runs views: other devices’ results marked with device and technician, never counted as this run’s', async (t) => {
  const h = await startHarness({ demo: true });
  t.after(() => h.close());
  const { page, app } = h;
  const here = { db: app.ctx.db, dataDir: app.ctx.dataDir, siteId: (await app.call('listSites', {}))[0]!.id };

  // Another laptop with the same site: Ana fails the first opening, passes the second, fails the third.
  const other = await createApp({ dbFile: join(h.dir, 'other.sqlite'), dataDir: join(h.dir, 'other'), sync: false });
  t.after(() => other.close());
  const there = { db: other.ctx.db, dataDir: other.ctx.dataDir, siteId: (await other.call('listSites', {}))[0]!.id };
  recordResults(there, { attempts: 3, steps: 2, technician: 'Ana', defectEvery: 2, now: new Date('2026-11-02T08:00:00Z') });
  const openings = listOpenings(here.db, here.siteId);
  const [o0, o1, o2] = openings.map((o) => o.opening_id) as [string, string, string];
  const floor = openings[0]!.floor;
  assert.ok(
    openings.slice(0, 3).every((o) => o.floor === floor),
    'the first three openings share a floor',
  );

  // This laptop: Bo fails the first opening in his own run. Then Ana's results arrive.
  recordResults(here, { attempts: 1, steps: 1, technician: 'Bo', defectEvery: 1, now: new Date('2026-11-02T09:00:00Z') });
  const run = (await app.call('listRuns', { siteId: here.siteId }))[0]!;
  pullAsRemote(there, here, 'Tablet A');

  // The site's runs: this laptop's run, and apart from it what the other device has covered.
  await h.goto(`/sites/${here.siteId}/runs`);
  const summary = page.getByTestId('remote-summary');
  await summary.waitFor();
  assert.equal(await summary.locator('li').textContent(), 'Tablet A · Ana: 3 openings · 2 FAIL · 1 PASS');
  const ownRuns = page.locator('.run-list li');
  assert.equal(await ownRuns.count(), 1, 'the other device’s run is not listed as one of this laptop’s');
  assert.match((await ownRuns.textContent()) ?? '', /Continue run #\d+ · Bo.*1\/\d+ tested · 0 passed · 1 failed/);
  await ownRuns.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: `Run #${run.id}` }).waitFor();
  await page
    .getByRole('group', { name: 'Floor' })
    .getByRole('button', { name: `Floor ${floor}` })
    .click();
  const row = (id: string) => page.locator(`a.match[data-opening-id="${id}"]`);
  await row(o0).getByTestId('remote-mark').filter({ hasText: 'Other device: Tablet A · Ana — FAIL' }).waitFor();
  assert.equal(await row(o2).getByTestId('remote-mark').textContent(), 'Other device: Tablet A · Ana — FAIL');
  assert.equal(await row(o1).getByTestId('remote-mark').textContent(), 'Other device: Tablet A · Ana — PASS');
  // Own status beside it: Bo's fail at the first opening is this run's; Ana's results change no status here.
  assert.equal(await row(o0).locator('[data-status]').getAttribute('data-status'), 'fail');
  assert.equal(await row(o1).locator('[data-status]').getAttribute('data-status'), 'untested');
  assert.equal(await row(o2).locator('[data-status]').getAttribute('data-status'), 'untested');
  const tested = await page.locator('.progress-strip [data-count="tested"]').textContent();
  assert.match(tested ?? '', /^1\//, 'only this run’s own test counts as tested');
  assert.equal(await page.locator('.progress-strip [data-count="passed"]').textContent(), '0');

  // The opening's checklist lists them apart, procedure by procedure; its own procedures stay "Not run".
  await row(o2).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(`^Opening ${o2}`) }).waitFor();
  const remote = page.getByTestId('remote-results');
  await remote.waitFor();
  const item = remote.locator('li');
  assert.equal(await item.count(), 1);
  const text = (await item.textContent()) ?? '';
  assert.match(text, /^FAIL /);
  assert.match(text, /Tablet A · Ana · started /);
  assert.match(text, /the lock held on power loss/);
  const procId = await item.getAttribute('data-procedure-id');
  const title = await page.locator(`.proc[data-procedure-id="${procId}"] h3`).textContent();
  assert.ok(title && text.includes(title), `the procedure is named by its title (${title})`);
  assert.equal(await page.locator(`.proc[data-procedure-id="${procId}"] [data-verdict]`).getAttribute('data-verdict'), 'none');
  assert.equal(await page.locator('h1 [data-status]').getAttribute('data-status'), 'untested');

  // Back on the run: Ana retests the first opening and it passes; the next sync's end refreshes the mark.
  await page.getByRole('link', { name: 'Run overview' }).click();
  await row(o0).getByTestId('remote-mark').waitFor();
  recordResults(there, { attempts: 1, steps: 1, technician: 'Ana', now: new Date('2026-11-03T08:00:00Z') });
  pullAsRemote(there, here, 'Tablet A');
  app.ctx.events.emit('sync:state', { kind: 'synced', at: new Date().toISOString() });
  await row(o0).getByTestId('remote-mark').filter({ hasText: 'Other device: Tablet A · Ana — PASS' }).waitFor();
  assert.equal(await row(o0).locator('[data-status]').getAttribute('data-status'), 'fail', 'this run’s own fail stands');
  assert.deepEqual(h.pageErrors, []);
});
