// A database DoorCx cannot use stops start-up with a message a technician can act
// on (where the file is, that a copy was kept, how to start fresh), never a stack
// trace, from the API, the command line and the web host's own process; an empty
// file is refused, never silently given a schema.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../app/index';
import { runCli } from '../../cli/main';
import { DatabaseUnusableError } from '../../db/open';
import { tempDir } from '../support/tmp';

const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

async function refused(file: string, dir: string): Promise<DatabaseUnusableError> {
  try {
    const app = await createApp({ dbFile: file, dataDir: dir, demo: false });
    await app.close();
  } catch (err) {
    assert.ok(err instanceof DatabaseUnusableError, String(err));
    assert.doesNotMatch(err.message, NO_STACK);
    return err;
  }
  assert.fail(`${file} was opened`);
}

/** A real DoorCx database (the demo site), then `damage` applied to the closed file. */
async function damaged(dir: string, damage: (file: string) => void): Promise<string> {
  const file = join(dir, 'doorcx.sqlite');
  const app = await createApp({ dbFile: file, dataDir: dir, demo: true });
  await app.close();
  damage(file);
  return file;
}

const overwrite = (file: string, at: number, bytes: Buffer) => {
  const fd = openSync(file, 'r+');
  writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
};

test('a damaged database: the message names the file, the copy kept, and how to start fresh', async (t) => {
  const dir = tempDir(t);
  const file = await damaged(dir, (f) => overwrite(f, 4096 * 4 + 10, Buffer.alloc(300, 0xab)));
  const before = readFileSync(file);
  const err = await refused(file, dir);
  assert.match(err.message, /^DoorCx cannot use its database\./);
  assert.ok(err.message.includes(`File: ${file}`));
  assert.match(err.message, /Problem: the file is damaged/);
  assert.ok(err.backup && err.message.includes(`A copy of the file as found was kept: ${err.backup}`));
  assert.match(err.message, /To start fresh: close DoorCx, move .* out of its folder/);
  assert.deepEqual(readFileSync(err.backup), before, 'the copy is the file as found');
  assert.deepEqual(readFileSync(file), before, 'the file itself is left alone');
  // Starting again does not pile up copies of the same file.
  await refused(file, dir);
  assert.equal(readdirSync(dir).filter((f) => f.includes('.damaged-')).length, 1);
});

test('not a database at all, or a folder: refused with the reason', async (t) => {
  const dir = tempDir(t);
  const junk = join(dir, 'junk.sqlite');
  writeFileSync(junk, Buffer.alloc(8192, 7));
  const err = await refused(junk, dir);
  assert.match(err.message, /not a DoorCx database/);
  assert.ok(err.backup);
  const folder = join(dir, 'folder.sqlite');
  mkdirSync(folder);
  assert.match((await refused(folder, dir)).message, /this is a folder, not a database file/);
});

test('an empty (0-byte) file is refused and stays empty', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'doorcx.sqlite');
  writeFileSync(file, '');
  const err = await refused(file, dir);
  assert.match(err.message, /the file is empty \(0 bytes\)/);
  assert.match(err.message, /Nothing was changed in the file/);
  assert.equal(err.backup, null);
  assert.equal(statSync(file).size, 0, 'no schema was written into it');
  // A file that does not exist yet is simply created.
  const fresh = await createApp({ dbFile: join(dir, 'new.sqlite'), dataDir: dir, demo: false });
  await fresh.close();
});

test('doorcx and the web host print the message, exit 1, and show no stack trace', async (t) => {
  const dir = tempDir(t);
  const file = await damaged(dir, (f) => overwrite(f, 0, Buffer.from('this is not sqlite at all')));
  let err = '';
  const code = await runCli(['results', '--db', file, '--site', 'x'], { out: () => {}, err: (s) => (err += s) });
  assert.equal(code, 1);
  assert.match(err, /DoorCx cannot use its database\.\n {2}File: .*\n {2}Problem: the file is not a DoorCx database/);
  assert.doesNotMatch(err, NO_STACK);

  const child = spawn(process.execPath, ['--import', 'tsx', 'app/web-host/main.ts'], {
    env: { ...process.env, DOORCX_DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exit = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(exit, 1, out);
  assert.match(out, /DoorCx cannot use its database\./);
  assert.ok(out.includes(join(dir, 'doorcx.sqlite')));
  assert.match(out, /A copy of the file as found was kept/);
  assert.doesNotMatch(out, NO_STACK);
});
