// The controller link end to end: DoorCx's driver over serialport ↔ a socat PTY pair ↔
// the simulated PDs over serialport (same process; the sim answers in microseconds).
// Prints: round trip per command (median, p95, plain and secure channel), polls per
// second with 1, 8 and 32 PDs on one bus, and the same traffic on the in-memory line
// with RS-485 wire time modelled at 9600 and 115200 baud (a PTY ignores the baud rate).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSimulatedSite } from '../app/handlers/controller';
import { OsdpController } from '../controller/driver';
import type { Command } from '../controller/protocol';
import { SerialTransport, memoryPair, type Transport } from '../controller/serial/transport';
import { SiteSim } from '../controller/sim/site-sim';
import { ptyPair } from '../test/support/pty';

const site = await loadSimulatedSite({ demo: true });
// Every PD on the default key, no faults: the bench measures the link, not the demo's wiring problems.
const openings = site.openings.filter((o) => o.pd_address !== null && o.pd_address <= 32);
const clean = { openings: {} };

function stats(samples: number[]) {
  const s = samples.slice().sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p95: at(0.95) };
}

async function roundTrips(ctl: OsdpController, label: string, n: number) {
  const commands: [string, Command][] = [
    ['POLL', { type: 'POLL' }],
    ['ID', { type: 'ID' }],
    ['CAP', { type: 'CAP' }],
    ['ISTAT', { type: 'ISTAT' }],
    ['OSTAT', { type: 'OSTAT' }],
    ['OUT (timed, code 5 on output 1)', { type: 'OUT', records: [{ output: 1, code: 5, timerMs: 100 }] }],
  ];
  for (const [name, cmd] of commands) {
    for (let i = 0; i < 10; i++) await ctl.request(1, cmd); // warm-up
    const samples: number[] = [];
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await ctl.request(1, cmd);
      samples.push(performance.now() - t0);
    }
    const perSecond = (n * 1000) / (performance.now() - start);
    const s = stats(samples);
    console.log(
      `${label.padEnd(22)} ${name.padEnd(34)} median ${s.median.toFixed(3).padStart(7)} ms   p95 ${s.p95.toFixed(3).padStart(7)} ms   ${perSecond.toFixed(0).padStart(5)} commands/s`,
    );
  }
}

async function pollsPerSecond(
  make: () => Promise<{ ctl: OsdpController; close: () => Promise<void> }>,
  label: string,
  pds: number,
  ms: number,
) {
  const { ctl, close } = await make();
  let replies = 0;
  ctl.onLink((e) => {
    if (e.type === 'rx') replies++;
  });
  for (let a = 1; a <= pds; a++) ctl.attach(a, { poll: true });
  await new Promise((r) => setTimeout(r, 300)); // every PD online
  replies = 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const rate = (replies * 1000) / (performance.now() - t0);
  console.log(
    `${label.padEnd(34)} ${String(pds).padStart(2)} PD(s): ${rate.toFixed(0).padStart(6)} polls/s on the bus, ${(rate / pds).toFixed(1).padStart(6)} per PD`,
  );
  await close();
}

function simulator(bus: Transport): SiteSim {
  const sim = new SiteSim({ openings, config: clean, now: () => performance.now(), baud: bus.baud });
  sim.attach(bus);
  return sim;
}

// ---- over a real PTY pair ----
const dir = mkdtempSync(join(tmpdir(), 'doorcx-bench-'));
const pty = await ptyPair(dir);
const simPort = new SerialTransport(pty.b, 9600);
await simPort.open();
const sim = simulator(simPort);

async function ptyController(opts: { secure?: boolean; pollIntervalMs?: number; baud?: number } = {}) {
  // The driver keeps a one-character line-turnaround gap after the last received byte (1.04 ms at 9600, 87 µs at 115200).
  const ctl = new OsdpController(
    new SerialTransport(pty.a, opts.baud ?? 9600),
    opts.pollIntervalMs === undefined ? {} : { pollIntervalMs: opts.pollIntervalMs },
  );
  if (opts.secure) ctl.useSecureChannel({ install: true });
  await ctl.open();
  return { ctl, close: () => ctl.close() };
}

console.log(`-- call-to-result per command over a socat PTY pair (serialport both ends), 300 each; load ${loadavg()[0]!.toFixed(1)} --`);
console.log('   reference (issue 11): libosdp CP in a tight loop, ISTAT median 2.1 ms; goal ≤ 1.2× = 2.5 ms');
{
  const { ctl, close } = await ptyController();
  ctl.attach(1, { poll: false });
  await roundTrips(ctl, 'PTY plain @9600', 300);
  await close();
}
{
  const { ctl, close } = await ptyController({ baud: 115200 });
  ctl.attach(1, { poll: false });
  await roundTrips(ctl, 'PTY plain @115200', 300);
  await close();
}
{
  const { ctl, close } = await ptyController({ secure: true });
  ctl.attach(1, { poll: false, secure: { install: true } });
  await roundTrips(ctl, 'PTY secure @9600', 300);
  await close();
}

console.log('-- polls per second, one bus, continuous polling (poll interval 0) --');
for (const n of [1, 8, 32]) await pollsPerSecond(() => ptyController({ pollIntervalMs: 0 }), 'PTY plain', n, 2000);
for (const n of [1, 8, 32]) await pollsPerSecond(() => ptyController({ pollIntervalMs: 0, secure: true }), 'PTY secure channel', n, 2000);
for (const n of [1, 8, 32]) await pollsPerSecond(() => ptyController(), 'PTY, default 50 ms poll interval', n, 2000);
sim.detach();
await simPort.close();
await pty.close();
rmSync(dir, { recursive: true, force: true });

// ---- the in-memory line with RS-485 wire time modelled ----
console.log('-- in-memory line with wire time modelled (8N1, half duplex): what a real RS-485 line allows --');
for (const baud of [9600, 115200]) {
  const make = async () => {
    const pair = memoryPair({ baud, modelWireTime: true });
    await pair.bus.open();
    const s = simulator(pair.bus);
    const ctl = new OsdpController(pair.acu, { pollIntervalMs: 0 });
    await ctl.open();
    return {
      ctl,
      close: async () => {
        await ctl.close();
        s.detach();
        await pair.bus.close();
      },
    };
  };
  {
    const { ctl, close } = await make();
    ctl.attach(1, { poll: false });
    const samples: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await ctl.request(1, { type: 'ISTAT' });
      samples.push(performance.now() - t0);
    }
    const s = stats(samples);
    console.log(
      `modelled ${String(baud).padStart(6)} baud  ISTAT round trip            median ${s.median.toFixed(3).padStart(7)} ms   p95 ${s.p95.toFixed(3).padStart(7)} ms`,
    );
    await close();
  }
  for (const n of [1, 8, 32]) await pollsPerSecond(make, `modelled ${String(baud).padStart(6)} baud`, n, 2000);
}
