// The desktop app keeps the technician certificate's passphrase in the OS keychain:
// learned after a build that worked, filled into a build that leaves it out, never
// for an organisation's .p12, never where the keychain would only obfuscate it.
// safeStorage itself needs Electron: the box here is a stand-in with the same contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigningKeychain, type SecretBox, type SecretFile } from '../../app/signing-keychain';

/** A box that really transforms the bytes (so a plain copy of the file is not the passphrase). */
function box(protects = true): SecretBox {
  const flip = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  return { protects: () => protects, encrypt: (t) => flip(Buffer.from(t, 'utf8')), decrypt: (b) => flip(b).toString('utf8') };
}
function file(): SecretFile & { bytes: Buffer | null } {
  const f = { bytes: null as Buffer | null, read: () => f.bytes, write: (b: Buffer) => void (f.bytes = b) };
  return f;
}

test('kept after a build that worked, then filled into a build without one', async () => {
  const f = file();
  const kc = new SigningKeychain(box(), f);
  assert.deepEqual(kc.status(), { available: true, kept: false });
  assert.deepEqual(await kc.fill({ siteId: 1 }), { siteId: 1 }, 'nothing kept yet: left for the engine to refuse');
  await assert.rejects(kc.passphrase(), /keeps no certificate passphrase/);
  kc.learn({ passphrase: 'correct horse battery' });
  assert.notEqual(f.bytes?.toString('utf8'), 'correct horse battery', 'stored encrypted');
  assert.deepEqual(kc.status(), { available: true, kept: true });
  assert.deepEqual(await kc.fill({ siteId: 1 }), { siteId: 1, passphrase: 'correct horse battery' });
  assert.deepEqual(await kc.fill({ siteId: 1, passphrase: 'typed' }), { siteId: 1, passphrase: 'typed' }, 'a typed one wins');
});

test("an organisation's .p12 is never filled in nor learned", async () => {
  const f = file();
  const kc = new SigningKeychain(box(), f);
  kc.learn({ passphrase: 'org secret', p12Base64: 'MIIK' });
  assert.equal(f.bytes, null);
  kc.learn({ passphrase: 'mine' });
  assert.deepEqual(await kc.fill({ p12Base64: 'MIIK' }), { p12Base64: 'MIIK' });
});

test('a keychain that would only obfuscate (Linux basic_text) keeps nothing', async () => {
  const f = file();
  const kc = new SigningKeychain(box(false), f);
  kc.learn({ passphrase: 'mine' });
  assert.equal(f.bytes, null);
  assert.deepEqual(kc.status(), { available: false, kept: false });
  assert.deepEqual(await kc.fill({ siteId: 1 }), { siteId: 1 });
});
