// The schedule workspace in real Chromium through the web host: import through
// the file chooser, search and filter, edit with validation, history, findings,
// a rejected file, re-import diff, theme, keyboard-only use.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { closeBrowser, launchChromium, startHarness, type Harness } from './harness';

const HEADER =
  'Door No.,Building,Floor,Location,Category,Locking Arrangement,Lock Type,Fail Safe/Secure,Egress,Fire Alarm Release,PD Address,Code Basis,NDAA 889,TAA,Notes';
const ROWS = [
  'N-101,North,1,Main lobby entrance,perimeter,normal,electrified-exit-device,fail-secure,mechanical,no,1,Perimeter security,yes,yes,',
  'N-102,North,1,Lab corridor exit,egress,sensor-release,maglock,FS,electronic,yes,2,IBC 2021 1010.2.12,yes,yes,near the chemistry lab',
  // A maglock written fail-secure: a life-safety finding.
  'N-103,North,1,Stair A door,egress,normal,maglock,Fail Secure,mechanical,no,3,IBC 2021 1010.2.11,yes,yes,',
  'N-201,North,2,Server room,high-security,normal,electrified-mortise,fail-secure,mechanical,no,4,Owner security standard,yes,yes,',
  'N-202,North,2,Office 202,interior,normal,electric-strike,FSE,mechanical,no,5,,yes,yes,',
  'N-203,North,2,Records store,interior,normal,electric-strike,fail-secure,mechanical,no,6,,yes,yes,',
];
const GOOD_CSV = [HEADER, ...ROWS, ''].join('\r\n');

const csvFile = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });

async function chooseFile(page: Page, file: { name: string; mimeType: string; buffer: Buffer }) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByLabel('Schedule file').click()]);
  await chooser.setFiles(file);
}

async function waitForIds(page: Page, expected: string[]) {
  await page.waitForFunction((want) => {
    const grid = document.querySelector('.grid');
    if (grid?.getAttribute('data-state') !== 'ready') return false;
    const ids = [...document.querySelectorAll('.grid-row[data-opening-id]')].map((r) => r.getAttribute('data-opening-id'));
    return JSON.stringify(ids) === JSON.stringify(want);
  }, expected);
}

async function importViaApi(h: Harness, siteName: string, csv: string): Promise<number> {
  const file = { fileName: 'schedule.csv', contentBase64: Buffer.from(csv).toString('base64'), siteName };
  const preview = await h.app.call('previewImport', file);
  assert.equal(preview.errors.length, 0, JSON.stringify(preview.errors));
  const result = (await h.app.call('applyImport', { ...file, confirmDiffHash: preview.diffHash! })) as { siteId: number };
  return result.siteId;
}

// Each test has its own backend, web host and browser context, so they may run side by side.
describe('schedule workspace in Chromium', { concurrency: 3 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await closeBrowser(browser);
  });

  test('import a CSV through the file chooser, search, filter, edit with validation, history and findings', async () => {
    const h = await startHarness({ browser });
    try {
      const { page } = h;
      await page.getByText('No sites yet').waitFor();
      await page.getByRole('button', { name: 'Import schedule' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import schedule' });
      await chooseFile(page, csvFile('north-wing.csv', GOOD_CSV));
      await dialog.getByLabel('Site name').fill('North Wing');
      await dialog.getByRole('button', { name: 'Preview' }).click();

      // The preview: row count, diff, the mapping it used (aliases) and the rows as read.
      await dialog.getByText('6 rows read').waitFor();
      await dialog.getByText('+6').waitFor();
      await dialog.getByText('Column mapping (15 columns)').click();
      const mapping = dialog.getByRole('table', { name: 'Column mapping' });
      await mapping.getByRole('row', { name: /Door No\. Opening/ }).waitFor();
      await mapping.getByRole('row', { name: /Fail Safe\/Secure Fail Mode/ }).waitFor();
      const previewRows = dialog.getByRole('table', { name: 'Preview rows' }).locator('tbody tr');
      assert.equal(await previewRows.count(), 6);
      // "FS" and "Fail Secure" were normalised.
      assert.match((await previewRows.nth(1).textContent()) ?? '', /fail-safe/);
      assert.match((await previewRows.nth(2).textContent()) ?? '', /fail-secure/);
      assert.deepEqual(await h.app.call('listSites', {}), [], 'nothing is applied before Confirm');

      await dialog.getByRole('button', { name: 'Confirm import' }).click();
      await page.waitForFunction(() => /^#\/sites\/\d+/.test(window.location.hash));
      await page.getByRole('heading', { name: 'North Wing', level: 1 }).waitFor();
      await waitForIds(page, ['N-101', 'N-102', 'N-103', 'N-201', 'N-202', 'N-203']);
      const summary = page.getByRole('region', { name: 'Site summary' });
      assert.match((await summary.textContent()) ?? '', /Openings6/);

      // Search matches id, location and notes.
      const search = page.getByRole('searchbox', { name: 'Search' });
      await search.fill('chemistry');
      await waitForIds(page, ['N-102']);
      await search.fill('n-20');
      await waitForIds(page, ['N-201', 'N-202', 'N-203']);
      await search.fill('');
      await page.getByLabel('Mode').selectOption('fail-safe');
      await waitForIds(page, ['N-102']);
      await page.getByLabel('Mode').selectOption('');
      await page.getByLabel('Findings').selectOption('life-safety');
      await waitForIds(page, ['N-103']);
      // Severity is written in words beside the colour.
      const row = page.locator('.grid-row[data-opening-id="N-103"]');
      assert.match((await row.textContent()) ?? '', /Life safety/);

      // Open it: the finding with its reason and requirement.
      await row.click();
      await page.getByRole('heading', { name: 'Opening N-103', level: 1 }).waitFor();
      const findings = page.getByRole('region', { name: /Findings/ });
      await findings.getByText('A maglock holds only while powered').waitFor();
      assert.match((await findings.textContent()) ?? '', /Life safety/);
      assert.match((await findings.textContent()) ?? '', /Requirement: .+/);

      // A bad value: an inline message next to the field, wired for assistive tech.
      const pd = page.getByLabel('PD address', { exact: true });
      await pd.fill('300');
      await pd.blur();
      const error = page.getByText('PD address must be a whole number from 0 to 126');
      await error.waitFor();
      assert.equal(await pd.getAttribute('aria-invalid'), 'true');
      const describedBy = (await pd.getAttribute('aria-describedby')) ?? '';
      const errorId = await error.getAttribute('id');
      assert.ok(errorId && describedBy.split(' ').includes(errorId), 'the field is described by its error');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('1 field needs attention').waitFor();
      let stored = await h.app.call('getOpening', { siteId: 1, openingId: 'N-103' });
      assert.equal(stored.opening.pd_address, 3, 'an invalid form saves nothing');

      // Leaving with unsaved edits asks first; declining keeps them.
      page.once('dialog', (d) => void d.dismiss());
      await page.getByRole('link', { name: '← Back to schedule' }).click();
      await page.getByRole('heading', { name: 'Opening N-103', level: 1 }).waitFor();
      assert.equal(await pd.inputValue(), '300');
      assert.match(await page.evaluate(() => window.location.hash), /openings\/N-103/);

      // Fix it, fix the finding too, and save.
      await pd.fill('12');
      await page.getByLabel('Fail mode').selectOption('fail-safe');
      // Before saving, the same rules run on the unsaved values and say what the edit changes.
      await findings.getByText('If you save these edits').waitFor();
      await findings.getByText('Resolved: maglock-fail-secure').waitFor();
      await page.getByLabel('Your name').fill('Dana Field');
      await page.getByRole('button', { name: 'Save changes' }).click();
      const history = page.getByRole('region', { name: 'Edit history' });
      await history.getByText('pd_address').waitFor();
      assert.match((await history.textContent()) ?? '', /3\s*→\s*12/);
      assert.match((await history.textContent()) ?? '', /Dana Field/);
      await findings.getByText('Findings (0)').waitFor();
      assert.equal(await error.count(), 0);
      stored = await h.app.call('getOpening', { siteId: 1, openingId: 'N-103' });
      assert.equal(stored.opening.pd_address, 12);
      assert.equal(stored.opening.fail_mode, 'fail-safe');

      // Back to the schedule keeps the filters that were set.
      await page.getByRole('link', { name: '← Back to schedule' }).click();
      await page.getByLabel('Findings').waitFor();
      assert.equal(await page.getByLabel('Findings').inputValue(), 'life-safety');
      await waitForIds(page, []);
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.close();
    }
  });

  test('a bad CSV lists every bad cell and imports nothing', async () => {
    const h = await startHarness({ browser });
    try {
      const { page } = h;
      const bad = [
        HEADER,
        ROWS[0],
        'N-102,North,1,Lab corridor exit,lobby,sensor-release,maglock,sometimes,electronic,yes,2,x,yes,yes,',
        ROWS[2],
        'N-201,North,2,Server room,high-security,normal,electrified-mortise,fail-secure,mechanical,no,300,x,yes,yes,',
        '',
      ].join('\n');
      await page.getByRole('button', { name: 'Import schedule' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import schedule' });
      await chooseFile(page, csvFile('bad.csv', bad));
      await dialog.getByRole('button', { name: 'Preview' }).click();
      await dialog.getByText('3 problems in the file — nothing will be imported').waitFor();
      const problems = dialog.getByRole('table', { name: 'Problems in the file' }).locator('tbody tr');
      assert.equal(await problems.count(), 3);
      const text = await problems.allTextContents();
      // Row numbers as seen in the file (header = row 1), the column, the value and why.
      assert.ok(
        text.some((t) => t.startsWith('3') && /lobby/.test(t) && /Category must be one of/.test(t)),
        text.join('\n'),
      );
      assert.ok(
        text.some((t) => t.startsWith('3') && /sometimes/.test(t) && /Fail mode must be one of/.test(t)),
        text.join('\n'),
      );
      assert.ok(
        text.some((t) => t.startsWith('5') && /300/.test(t) && /PD address must be a whole number/.test(t)),
        text.join('\n'),
      );
      assert.equal(await dialog.getByRole('button', { name: 'Confirm import' }).isDisabled(), true);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.deepEqual(await h.app.call('listSites', {}), []);
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.close();
    }
  });

  test('an XLSX schedule (binary, read as base64 in the browser) imports through the same dialog', async () => {
    const h = await startHarness({ browser });
    try {
      const { page } = h;
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('Door schedule');
      for (const line of [HEADER, ...ROWS]) ws.addRow(line.split(','));
      const buffer = Buffer.from(await wb.xlsx.writeBuffer());
      await page.getByRole('button', { name: 'Import schedule' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import schedule' });
      await chooseFile(page, { name: 'north.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer });
      await dialog.getByRole('button', { name: 'Preview' }).click();
      await dialog.getByText('6 rows read from an XLSX file').waitFor();
      await dialog.getByRole('button', { name: 'Confirm import' }).click();
      await page.getByRole('heading', { name: 'north', level: 1 }).waitFor();
      await waitForIds(page, ['N-101', 'N-102', 'N-103', 'N-201', 'N-202', 'N-203']);
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.close();
    }
  });

  test('re-importing shows the diff field by field and applies it on confirm', async () => {
    const h = await startHarness({ browser });
    try {
      const { page } = h;
      const siteId = await importViaApi(h, 'North Wing', GOOD_CSV);
      const v2 = [
        HEADER,
        ROWS[0],
        (ROWS[1] ?? '').replace('Lab corridor exit', 'Lab corridor east exit'),
        ...ROWS.slice(2, 5),
        'N-204,North,2,Archive,interior,normal,electric-strike,fail-secure,mechanical,no,7,,yes,yes,',
        '',
      ].join('\n');
      await h.goto(`/sites/${siteId}`);
      await waitForIds(page, ['N-101', 'N-102', 'N-103', 'N-201', 'N-202', 'N-203']);
      await page.getByRole('button', { name: 'Re-import schedule' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import schedule' });
      assert.equal(await dialog.getByLabel('Site name').inputValue(), 'North Wing');
      await chooseFile(page, csvFile('north-wing-v2.csv', v2));
      await dialog.getByRole('button', { name: 'Preview' }).click();
      const changed = dialog.getByRole('table', { name: 'Changed fields' });
      await changed.waitFor();
      const change = changed.getByRole('row', { name: /N-102 Location/ });
      assert.match((await change.textContent()) ?? '', /Lab corridor exit.*Lab corridor east exit/);
      const summary = (await dialog.getByLabel('Summary of changes').textContent()) ?? '';
      assert.match(summary, /\+1 added/);
      assert.match(summary, /1 changed \(1 field\)/);
      assert.match(summary, /−1 removed/);
      await dialog.getByText('Removed openings (1)').waitFor();
      await dialog.getByRole('button', { name: 'Confirm import' }).click();
      await dialog.waitFor({ state: 'detached' });
      await waitForIds(page, ['N-101', 'N-102', 'N-103', 'N-201', 'N-202', 'N-204']);
      const sites = await h.app.call('listSites', {});
      assert.equal(sites[0]?.openingCount, 6);
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.close();
    }
  });

  test('a large site: only the visible rows exist, pages load as the list moves, End reaches the last opening', async () => {
    const h = await startHarness({ browser });
    try {
      const { page } = h;
      const n = 1500;
      const rows = Array.from(
        { length: n },
        (_, i) =>
          `L-${String(i).padStart(4, '0')},Big,${i % 9},Room ${i},interior,normal,electric-strike,fail-secure,mechanical,no,${i % 127},,yes,yes,`,
      );
      const siteId = await importViaApi(h, 'Big site', [HEADER, ...rows, ''].join('\n'));
      await h.goto(`/sites/${siteId}`);
      await page.locator(`.grid[data-total="${n}"][data-state="ready"] .grid-row[data-opening-id="L-0000"]`).waitFor();
      const domRows = await page.locator('.grid-row').count();
      assert.ok(domRows > 5 && domRows < 80, `${domRows} rows in the DOM for ${n} openings`);
      assert.equal(await page.getByRole('grid').getAttribute('aria-rowcount'), String(n + 1));
      // Keyboard to the very end: the last page is fetched on demand and shown.
      await page.getByRole('grid').focus();
      await page.keyboard.press('End');
      await page.locator('.grid-row.active[data-opening-id="L-1499"]').waitFor();
      await page.keyboard.press('PageUp');
      const active = Number(await page.locator('.grid-row.active').getAttribute('aria-rowindex'));
      assert.ok(active < n + 1 && active > n - 20, `PageUp moved to row ${active}`);
      await page.keyboard.press('Home');
      await page.locator('.grid-row.active[data-opening-id="L-0000"]').waitFor();
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.close();
    }
  });

  test('an edit made elsewhere meanwhile is a conflict: nothing is overwritten', async () => {
    const h = await startHarness({ browser });
    try {
      const { page } = h;
      const siteId = await importViaApi(h, 'North Wing', GOOD_CSV);
      await h.goto(`/sites/${siteId}/openings/N-202`);
      await page.getByRole('heading', { name: 'Opening N-202', level: 1 }).waitFor();
      // Someone else (another window, a sync) saves first.
      await h.app.call('updateOpening', {
        siteId,
        openingId: 'N-202',
        changes: { notes: 'closer replaced' },
        editor: 'Sam',
        baseVersion: 1,
      });
      await page.getByLabel('Notes').fill('door sticks');
      await page.getByLabel('Your name').fill('Dana Field');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Someone changed this opening since you opened it').waitFor();
      const stored = await h.app.call('getOpening', { siteId, openingId: 'N-202' });
      assert.equal(stored.opening.notes, 'closer replaced');
      await page.getByRole('button', { name: 'Load the latest version' }).click();
      await page.waitForFunction(
        () => document.querySelector<HTMLTextAreaElement>('textarea[data-field="notes"]')?.value === 'closer replaced',
      );
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.close();
    }
  });

  test('the theme follows the system first, then the toggle, and the choice persists', async () => {
    const h = await startHarness({ browser, colorScheme: 'dark' });
    try {
      const { page } = h;
      const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(await theme(), 'dark');
      const darkBg = await background();
      await page.getByRole('button', { name: 'Switch to light theme' }).click();
      assert.equal(await theme(), 'light');
      assert.notEqual(await background(), darkBg);
      await page.reload();
      await page.getByRole('heading', { name: 'Sites' }).waitFor();
      assert.equal(await theme(), 'light', 'the choice survives a reload although the system is dark');
      await page.getByRole('button', { name: 'Switch to dark theme' }).click();
      assert.equal(await theme(), 'dark');
    } finally {
      await h.close();
    }
  });

  test('keyboard only: from the sites list to an opening', async () => {
    const h = await startHarness({ browser });
    try {
      const { page } = h;
      const siteId = await importViaApi(h, 'North Wing', GOOD_CSV);
      await page.reload();
      await page.getByRole('link', { name: 'North Wing' }).waitFor();
      const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
      const tabTo = async (match: (el: { text: string; role: string | null; cls: string }) => boolean) => {
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press('Tab');
          const el = await page.evaluate(() => ({
            text: document.activeElement?.textContent?.trim() ?? '',
            role: document.activeElement?.getAttribute('role') ?? null,
            cls: document.activeElement?.className ?? '',
          }));
          if (match(el)) return;
        }
        throw new Error(`never reached the element by Tab (last: ${await focused()})`);
      };
      await tabTo((el) => el.text === 'North Wing');
      await page.keyboard.press('Enter');
      await page.waitForFunction((id) => window.location.hash.startsWith(`#/sites/${id}`), siteId);
      await page.locator('.grid[data-state="ready"] .grid-row[data-opening-id]').first().waitFor();
      await tabTo((el) => el.role === 'grid');
      // The focused row is visible: the grid shows a focus ring and the active row is marked.
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowDown');
      const activeId = await page.locator('.grid-row.active').getAttribute('data-opening-id');
      assert.equal(activeId, 'N-103');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
      assert.equal(outline, 'solid', 'keyboard focus is visible');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Opening N-103', level: 1 }).waitFor();
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.close();
    }
  });
});
