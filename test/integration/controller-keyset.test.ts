// KEYSET from the app: a PD moved off the default key SCBK-D, the new key saved (encrypted, owner-only) in the site's
// key store before the command goes out, the change recorded in the event log, and the key used on the next connection.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../app';
import { DEMO_SITE_NAME } from '../../app/demo';
import { SiteKeyStore } from '../../controller/key-store';
import { hex } from '../../controller/protocol';
import { getSiteByName } from '../../db/schedule';
import { tempDir } from '../support/tmp';

test('KEYSET from the app: saved first, acknowledged, recorded, and the PD then answers only with the new key', async (t) => {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;
  const status = await app.call('controllerConnect', { kind: 'simulated', secure: true });
  assert.ok(status.connected);
  const scan1 = (await app.call('controllerScan', { from: 2, to: 2 })) as { found: { defaultKey: boolean | null }[] };
  assert.equal(scan1.found[0]!.defaultKey, true, 'PD 2 starts on SCBK-D');

  await assert.rejects(app.call('controllerKeyset', { address: 2, siteId, passphrase: 'short' }), /invalid-input|passphrase/);
  const passphrase = 'stairwell-4 key store';
  const r = await app.call('controllerKeyset', { address: 2, siteId, passphrase });
  assert.deepEqual(r, { address: 2, saved: true, acknowledged: true });

  const store = new SiteKeyStore(dir, siteId);
  assert.equal(statSync(store.path).mode & 0o777, 0o600, 'owner-only file');
  const stored = store.load(passphrase);
  assert.deepEqual(
    stored.map((k) => [k.address, k.state]),
    [[2, 'confirmed']],
  );
  const keyHex = hex(stored[0]!.key).replace(/ /g, '');
  const raw = readFileSync(store.path, 'utf8');
  assert.ok(!raw.toUpperCase().includes(keyHex), 'the key is not in the file in clear');
  assert.throws(() => store.load('the wrong passphrase'), /wrong passphrase/);
  const log = (await app.call('controllerLog', { limit: 2000 })) as { meaning: string }[];
  assert.ok(log.some((l) => /KEYSET: the PD has a new secure-channel key/.test(l.meaning)));
  assert.ok(!log.some((l) => l.meaning.toUpperCase().includes(keyHex)), 'never in the command log');
  const events = app.ctx.db.prepare<{ type: string; payload: string }>("SELECT type, payload FROM event_log WHERE type = 'keyset'").all();
  assert.equal(events.length, 1);
  assert.equal(JSON.parse(events[0]!.payload).address, 2);

  // The PD is off SCBK-D now: a scan says "own key"; a new connection unlocks the store and talks to it securely.
  const scan2 = (await app.call('controllerScan', { from: 2, to: 2 })) as { found: { defaultKey: boolean | null }[] };
  assert.equal(scan2.found[0]!.defaultKey, false);
  await app.call('controllerDisconnect', {});
  await app.call('controllerConnect', { kind: 'simulated', secure: true });
  // (the simulated controller starts fresh from the site config, so its PD 2 is back on SCBK-D: only the API is checked)
  assert.deepEqual(await app.call('controllerUnlockKeys', { siteId, passphrase }), { addresses: [2] });
  await assert.rejects(app.call('controllerUnlockKeys', { siteId, passphrase: 'nope-nope' }), /wrong passphrase/);
});
