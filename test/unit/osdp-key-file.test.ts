// Secure-channel key files: per-address keys and a key for every other PD; errors name the line and never echo a
// key; a file other users can read is refused.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KeyFileError, parseKeyFile, readKeyFile } from '../../controller/key-file';
import { hex } from '../../controller/protocol';
import { tempDir } from '../support/tmp';

const K1 = '00112233445566778899aabbccddeeff';
const K2 = 'ffeeddccbbaa99887766554433221100';

test('a key per address, a key for every other PD, comments and blank lines', () => {
  const f = parseKeyFile(`# site keys\n\n3 ${K1}\n${K2}\n`);
  assert.equal(hex(f.keyFor(3)!).replace(/ /g, '').toLowerCase(), K1);
  assert.equal(hex(f.keyFor(7)!).replace(/ /g, '').toLowerCase(), K2);
  assert.equal(parseKeyFile(`3 ${K1}`).keyFor(4), undefined);
});

test('a bad line is named, and the key is not echoed', () => {
  assert.throws(
    () => parseKeyFile(`3 ${K1}\n4 ${K2.slice(0, 30)}\n`, 'keys.txt'),
    (e: unknown) =>
      e instanceof KeyFileError && /keys\.txt line 2: expected 32 hex digits/.test(e.message) && !e.message.includes(K2.slice(0, 30)),
  );
  assert.throws(() => parseKeyFile(`200 ${K1}`), /line 1: address 200 is not 0-126/);
  assert.throws(() => parseKeyFile(`3 ${K1}\n3 ${K2}`), /line 2: a second key for address 3/);
  assert.throws(() => parseKeyFile('# nothing\n'), /no key in the file/);
});

test('a key file readable by other users is refused with the chmod that fixes it', (t) => {
  const path = join(tempDir(t), 'keys.txt');
  writeFileSync(path, `${K1}\n`);
  chmodSync(path, 0o644);
  assert.throws(() => readKeyFile(path, 'linux'), /readable by other users .*chmod 600/);
  chmodSync(path, 0o600);
  assert.equal(readKeyFile(path, 'linux').size, 1);
});
