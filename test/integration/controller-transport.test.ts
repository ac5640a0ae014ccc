import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { SerialTransport, charTimeMs, listPorts, memoryPair } from '../../controller/serial/transport';
import { ptyPair } from '../support/pty';
import { tempDir } from '../support/tmp';

function collect(t: { onData(l: (b: Uint8Array) => void): () => void }, count: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const parts: number[] = [];
    const off = t.onData((b) => {
      parts.push(...b);
      if (parts.length >= count) {
        off();
        resolve(Uint8Array.from(parts));
      }
    });
  });
}

test('serial transport carries bytes both ways over a real socat PTY pair and changes baud', async (t) => {
  const pty = await ptyPair(tempDir(t));
  t.after(() => pty.close());
  const a = new SerialTransport(pty.a, 9600);
  const b = new SerialTransport(pty.b, 9600);
  await a.open();
  await b.open();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const frame = Uint8Array.from([0xff, 0x53, 0x00, 0x08, 0x00, 0x06, 0x65, 0x2c, 0x9c]);
  const atB = collect(b, frame.length);
  await a.write(frame);
  assert.deepEqual(await atB, frame);
  const back = Uint8Array.from([0x53, 0x80, 0x08, 0x00, 0x05, 0x40, 0x68, 0x9f]);
  const atA = collect(a, back.length);
  await b.write(back);
  assert.deepEqual(await atA, back);
  await a.setBaud(115200);
  assert.equal(a.description, `${pty.a} @ 115200`);
  await assert.rejects(new SerialTransport(`${pty.a}-missing`).open(), /Cannot open serial port .*-missing/);
});

test('memory pair delivers writes to the other end, and models wire time at the baud rate', async () => {
  let clock = 0;
  const pair = memoryPair({ baud: 9600, modelWireTime: true, now: () => clock });
  await pair.acu.open();
  await pair.bus.open();
  const got = collect(pair.bus, 3);
  await pair.acu.write(Uint8Array.from([1, 2, 3]));
  assert.deepEqual(await got, Uint8Array.from([1, 2, 3]));
  assert.equal(pair.bytesCarried(), 3);
  assert.ok(Math.abs(charTimeMs(9600) - 1.0417) < 0.001);
  clock = 0;
  await pair.bus.close();
  await assert.rejects(pair.bus.write(Uint8Array.of(1)), /not open/);
});

test('listing ports without udevadm on PATH is an error message, not a crash', async (t) => {
  await assert.rejects(listPorts({ platform: 'linux', pathEnv: '/nonexistent' }), /udevadm.*not installed/);
  // And in a real process whose PATH lacks udevadm, the process survives and reports it.
  const script = `import('./controller/serial/transport.ts').then(m => m.listPorts()).then(() => console.log('listed'), e => console.log('ERR ' + e.message))`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    env: { ...process.env, PATH: tempDir(t) }, // an empty folder: no udevadm
    encoding: 'utf8',
    cwd: process.cwd(),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ERR Cannot list serial ports: the "udevadm" program is not installed/);
  // The CLI says the same and exits 1.
  const cli = spawnSync(process.execPath, ['bin/doorcx.mjs', 'ports'], { env: { ...process.env, PATH: tempDir(t) }, encoding: 'utf8' });
  assert.equal(cli.status, 1);
  assert.match(
    cli.stderr,
    /doorcx ports: Cannot list serial ports: the "udevadm" program is not installed \(Debian\/Ubuntu package "udev"\)/,
  );
});
