// Support in real Chromium: the window's uncaught errors and unhandled rejections reach the
// backend's log, and "Save diagnostics" in the header writes the archive and says where.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import { ENGINE_STOPPED_MESSAGE } from '../../app/engine';
import { startHarness } from './harness';

test('renderer errors are logged; Save diagnostics writes one archive holding them', async (t) => {
  const h = await startHarness({ logLevel: 'info' });
  t.after(() => h.close());
  const logs = h.dir;
  await h.page.evaluate(() => {
    setTimeout(() => {
      throw new Error('grid exploded in test');
    });
    void Promise.reject(new Error('save never answered in test'));
  });
  const logText = () =>
    readdirSync(join(logs, 'logs'))
      .map((f) => readFileSync(join(logs, 'logs', f), 'utf8'))
      .join('');
  for (let i = 0; i < 100 && !/save never answered in test/.test(logText()); i++) await new Promise((r) => setTimeout(r, 100));
  const text = logText();
  assert.match(text, /"msg":"renderer error: [^"]*grid exploded in test"/);
  assert.match(text, /"msg":"renderer unhandledrejection: save never answered in test"/);
  assert.match(text, /"route":"#\/sites"/);

  await h.page.getByRole('button', { name: 'Save diagnostics' }).click();
  const note = h.page.getByRole('status').filter({ hasText: 'Diagnostics saved to' });
  await note.waitFor();
  const shown = (await note.textContent()) ?? '';
  const file = /saved to (\S+\.zip)/.exec(shown)?.[1];
  assert.ok(file && existsSync(file), shown);
  assert.ok(file.startsWith(join(h.dir, 'diagnostics')), 'written into the data folder');
  assert.match(shown, /database intact/);
  const zip = unzipSync(readFileSync(file));
  assert.ok(zip['versions.json'] && zip['settings.json'] && zip['database.txt']);
  assert.match(strFromU8(zip['database.txt']), /integrity_check: ok/);
});

test("the desktop engine's crash banner: shown while it restarts, gone when it runs again", async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  // The web host's backend never restarts; its event bus carries the same event the Electron main process sends.
  h.app.ctx.events.emit('engineStatus', { state: 'restarting', message: ENGINE_STOPPED_MESSAGE });
  const banner = h.page.getByRole('alert').filter({ hasText: "DoorCx's engine stopped — restarting; your results are safe." });
  await banner.waitFor();
  h.app.ctx.events.emit('engineStatus', { state: 'running' });
  await banner.waitFor({ state: 'detached' });
  assert.deepEqual(h.pageErrors, []);
});
