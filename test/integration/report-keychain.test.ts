// Without the desktop app there is no keychain: the engine says so, and a build that
// leaves the passphrase out is refused with a message (nothing is built or created).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../app/index';
import { DEMO_SITE_NAME } from '../../app/demo';
import { getSiteByName } from '../../db/schedule';
import { technicianP12Path } from '../../report/certificate';
import { tempDir } from '../support/tmp';

test('no keychain outside the desktop app: a build without a passphrase is refused, nothing is created', async (t) => {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  assert.deepEqual(await app.call('signingKeychain', {}), { available: false, kept: false });
  const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;
  const run = await app.call('startRun', { siteId, technician: 'Ana' });
  await app.call('recordChecklistItem', {
    runId: run.id,
    openingId: '1-100',
    procedureId: 'check-mode-label',
    answers: { 'mode-label': 'yes' },
  });
  await assert.rejects(
    app.call('buildReport', { siteId, runIds: [], floors: [], openingIds: ['1-100'], technician: 'Ana' }),
    /Enter the certificate passphrase: no keychain on this computer keeps it\./,
  );
  assert.equal(existsSync(technicianP12Path(dir)), false, 'no certificate was created');
  assert.deepEqual(await app.call('listReports', { siteId }), []);
});
