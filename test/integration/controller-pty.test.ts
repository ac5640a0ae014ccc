// End to end over a REAL pseudo-terminal pair (socat): DoorCx's driver on one tty
// through serialport, the simulated PDs on the other tty through serialport —
// exactly as with a USB–RS-485 adapter and hardware.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { join } from 'node:path';
import { createApp } from '../../app';
import { loadSimulatedSite } from '../../app/handlers/controller';
import { OsdpController, type InputEvent } from '../../controller/driver';
import { SerialTransport } from '../../controller/serial/transport';
import { runSiteSim, type LiveSim } from '../../controller/sim/runner';
import { ptyPair } from '../support/pty';
import { tempDir } from '../support/tmp';
import { until } from '../support/until';

type T = { after: (fn: () => Promise<void> | void) => void };

async function simOn(t: T, port: string): Promise<LiveSim> {
  const site = await loadSimulatedSite({ demo: true });
  const transport = new SerialTransport(port, 9600);
  await transport.open();
  const live = runSiteSim(transport, { openings: site.openings, config: site.config });
  t.after(() => live.stop());
  return live;
}

test('over a PTY pair: ID, CAP, an unsolicited input change, secure channel on', async (t) => {
  const pty = await ptyPair(tempDir(t));
  t.after(() => pty.close());
  const live = await simOn(t, pty.b);
  const ctl = new OsdpController(new SerialTransport(pty.a, 9600));
  ctl.useSecureChannel({ install: true });
  await ctl.open();
  t.after(() => ctl.close());

  const id = await ctl.identify(2);
  assert.equal(id.serial, '00010002');
  assert.equal(ctl.status(2)?.secure, 'active', 'the session came up with SCBK-D before ID');
  const cap = await ctl.capabilities(2);
  assert.deepEqual([cap.inputs, cap.outputs, cap.secureChannel], [4, 2, true]);

  const events: InputEvent[] = [];
  ctl.onInput((e) => events.push(e));
  assert.deepEqual(await ctl.readInputs(2), [1, 0, 0, 0]);
  // Someone presses REX at 1-101: the PD reports it unsolicited in answer to a POLL.
  live.sim.control({ action: 'rex', openingId: '1-101' });
  const e = await until(() => events.find((x) => x.address === 2 && x.inputs[2] === 1), 'REX input event');
  assert.ok(e.changed.includes(2));
  const log = ctl.log.recent(2000);
  assert.ok(
    log.some((l) => l.direction === 'rx' && l.address === 2 && /^ISTATR .*in2=active.*\[secure\]/.test(l.meaning)),
    'unsolicited ISTATR, MAC-protected',
  );
  assert.ok(log.some((l) => l.direction === 'tx' && l.address === 2 && l.meaning.startsWith('POLL')));
  assert.equal(live.sim.framerStats.drops, 0);
});

test('a timed lock-power drop is undone by the PD itself after the ACU process is SIGKILLed mid-drop', async (t) => {
  const pty = await ptyPair(tempDir(t));
  t.after(() => pty.close());
  const live = await simOn(t, pty.b);
  const door = () => live.sim.doorState('1-101');
  assert.equal(door().lockPowered, true);

  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/acu-child.ts', pty.a, '2', '0', '6000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const line = await until(() => /DROPPED (.*)\n/.exec(out)?.[1], `the ACU child to drop power (stderr: ${err})`, 15000);
  const report = JSON.parse(line) as { confirmed: boolean; confirmedOn: boolean; secure: string };
  assert.deepEqual(report, { confirmed: true, confirmedOn: false, secure: 'active' });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  assert.equal(child.signalCode, 'SIGKILL');

  // The ACU is gone mid-drop: power is still off and the fail-safe maglock is released…
  assert.equal(door().lockPowered, false);
  await until(() => door().mechanism === 'released', 'the maglock to release');
  // …until the PD's own timer ends and it restores lock power; the lock relocks. Nobody sent anything.
  const restored = await until(() => (door().lockPowered ? door() : undefined), 'the PD to restore lock power', 12000);
  assert.equal(restored.lockRelayOn, true);
  await until(() => door().mechanism === 'secured', 'the lock to relock');
});

test('doorcx simulate on one tty and doorcx scan on the other: finds the PDs and flags the default key', async (t) => {
  const pty = await ptyPair(tempDir(t));
  t.after(() => pty.close());
  const sim = spawn(process.execPath, ['bin/doorcx.mjs', 'simulate', '--port', pty.b, '--demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let simOut = '';
  sim.stdout.on('data', (c: Buffer) => (simOut += c.toString()));
  t.after(async () => {
    if (sim.exitCode === null) {
      const done = new Promise((r) => sim.once('exit', r));
      sim.kill('SIGTERM');
      await done;
    }
  });
  await until(() => simOut.includes('Simulating'), 'the simulator to start', 20000);
  assert.match(simOut, /Simulating 39 PD\(s\) for "Demo - Riverside Clinic" on .* at 9600 baud: addresses 1, 2, 3/);

  const scan = spawn(process.execPath, ['bin/doorcx.mjs', 'scan', '--port', pty.a, '--from', '0', '--to', '7'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let scanOut = '';
  scan.stdout.on('data', (c: Buffer) => (scanOut += c.toString()));
  const code = await new Promise<number | null>((r) => scan.once('exit', r));
  assert.equal(code, 0, scanOut);
  assert.match(scanOut, /Probed 8 of 8 address\/baud combinations .* found 7 PD\(s\)/);
  assert.match(scanOut, /addr {3}1 @ 9600: vendor 0x0A265C model 18 serial 00010001 fw 2\.2\.2; 4 in \/ 2 out, secure channel; own key/);
  assert.match(scanOut, /addr {3}2 @ 9600: .*DEFAULT KEY \(SCBK-D\) STILL IN USE/);
  assert.match(scanOut, /addr {3}6 @ 9600: .*own key/);

  // The app connects to the same simulator as to hardware: a serial connection on the other tty.
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: false });
  t.after(() => app.close());
  const status = await app.call('controllerConnect', { kind: 'serial', port: pty.a, baud: 9600 });
  assert.equal(status.description, `${pty.a} @ 9600`);
  const points = await app.call('controllerReadPoints', { address: 4 });
  assert.deepEqual(points.outputs, [1, 0]);
  const drop = await app.call('controllerTimedOutput', { address: 4, output: 0, state: 'off', durationMs: 500 });
  assert.equal(drop.confirmed, true);
  // The simulator process reports what happened at the door: 1-103's relay is stuck, so lock power never drops.
  await until(() => simOut.includes('1-103'), 'the simulator to print door states');
  assert.match(simOut, /1-101: lock power ON, lock secured, door closed, fire alarm clear/);
  await app.call('controllerTimedOutput', { address: 2, output: 0, state: 'off', durationMs: 500 });
  await until(() => /1-101: lock power OFF/.test(simOut), 'the simulator to report 1-101 power off');
  await until(() => /1-101: lock power ON/.test(simOut.slice(simOut.search(/1-101: lock power OFF/))), 'the PD to restore 1-101 power');
  assert.doesNotMatch(simOut, /1-103: lock power OFF/);
});

test('a line that hangs up (the PTY pair goes away, as when a USB adapter is pulled) is reported lost, not read again and again', async (t) => {
  const pty = await ptyPair(tempDir(t));
  t.after(() => pty.close());
  const transport = new SerialTransport(pty.a, 9600, () => Promise.resolve([]));
  await transport.open();
  t.after(() => transport.close());
  const lost: Error[] = [];
  transport.onLost((err) => lost.push(err));

  await pty.close();
  // serialport alone reads the hung-up tty again at once forever (zero bytes each time):
  // the loss was never reported and the process spun until it ran out of memory.
  const first = await until(() => lost[0], 'the loss of the port');
  assert.match(first.message, /hung up|bad file descriptor|input\/output error/i);
  assert.equal(transport.isOpen, false);
  assert.equal(lost.length, 1, 'reported once');
});
