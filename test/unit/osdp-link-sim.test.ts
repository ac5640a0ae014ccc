// The link (AcuBus) against the simulator's PD (controller/sim/pd.ts) in virtual time: two independently written
// sides of the protocol on one multi-drop bus, including the secure channel and line noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcuBus, Framer, type LinkEvent } from '../../controller/protocol/index';
import { PdSim, type PdSimConfig } from '../../controller/sim/pd';
import { prng } from '../fixtures/osdp/fuzz';

const identity = {
  vendor: [0x5c, 0x26, 0x0a] as [number, number, number],
  model: 1,
  version: 1,
  serial: 1234,
  firmware: { major: 1, minor: 0, build: 0 },
};

function bus(configs: PdSimConfig[]) {
  let now = 0;
  const events: LinkEvent[] = [];
  const sims = configs.map((c) => new PdSim(c, 0));
  const pdFramer = new Framer();
  let wire: Uint8Array | null = null;
  const acu = new AcuBus({ write: (b) => (wire = b), onEvent: (e) => events.push(e) });
  const run = (until: number) => {
    for (;;) {
      const d = acu.nextDeadline();
      if (d === null || Math.max(now, d) > until) break;
      now = Math.max(now, d);
      acu.tick(now);
      const b: Uint8Array | null = wire;
      wire = null;
      if (!b) continue;
      for (const out of pdFramer.push(b, now)) {
        if (out.type !== 'frame') continue;
        for (const s of sims) {
          const r = s.handleFrame(out.frame.frame, now);
          if (r) {
            now += 2;
            acu.receive(r, now);
          }
        }
      }
    }
    now = Math.max(now, until);
  };
  return {
    acu,
    sims,
    events,
    run,
    get now() {
      return now;
    },
  };
}

test('AcuBus and the simulated PDs: three PDs online, ID/CAP/ISTAT, a timed OUT the PD restores by itself', async () => {
  const h = bus([
    { address: 1, inputs: 4, outputs: 2, identity },
    { address: 2, inputs: 4, outputs: 2, identity: { ...identity, serial: 2 }, outReply: 'ostatr' },
    { address: 3, inputs: 4, outputs: 2, identity: { ...identity, serial: 3 }, secureChannel: true, scbk: null },
  ]);
  h.acu.addPd({ address: 1 });
  h.acu.addPd({ address: 2 });
  h.acu.addPd({ address: 3, secure: { install: true } });
  h.run(500);
  for (const a of [1, 2, 3]) assert.equal(h.acu.status(a)!.state, 'online', `PD ${a}`);
  assert.equal(h.acu.status(3)!.secure, 'active');
  assert.equal(h.acu.status(3)!.usesDefaultKey, true);
  const id = h.acu.request(2, { type: 'ID' });
  const cap = h.acu.request(3, { type: 'CAP' });
  const out = h.acu.request(3, { type: 'OUT', records: [{ output: 1, code: 5, timerMs: 1000 }] });
  const out2 = h.acu.request(2, { type: 'OUT', records: [{ output: 0, code: 5, timerMs: 1000 }] });
  h.run(800);
  assert.deepEqual(await id, { type: 'PDID', ...identity, serial: 2 });
  const c = await cap;
  assert.ok(c.type === 'PDCAP' && c.capabilities.some((x) => x.function === 9));
  assert.equal((await out).type, 'ACK');
  assert.equal((await out2).type, 'OSTATR', 'OSTATR accepted as the answer to OUT');
  const during = h.acu.request(3, { type: 'OSTAT' });
  h.run(900);
  assert.deepEqual(await during, { type: 'OSTATR', outputs: [0, 1] });
  h.run(2500);
  const after = h.acu.request(3, { type: 'OSTAT' });
  h.run(2700);
  assert.deepEqual(await after, { type: 'OSTATR', outputs: [0, 0] }, 'the PD ended the temporary state by itself');
  assert.ok(h.events.filter((e) => e.type === 'tx' && e.address === 3 && e.secure).length > 5);
});

test('line noise from a PD: frames dropped and retried, no wrong reading, no crash', async () => {
  const rnd = prng(99);
  const h = bus([{ address: 4, inputs: 2, outputs: 1, identity, faults: 'noise', random: rnd }]);
  h.acu.addPd({ address: 4 });
  h.run(3000);
  const st = h.acu.status(4)!;
  assert.equal(st.state, 'online');
  assert.ok(st.counters.retries > 0, 'corrupted replies were retried');
  assert.ok(
    h.events.some((e) => e.type === 'drop'),
    'drops reported',
  );
  const readings: unknown[] = [];
  for (let i = 0; i < 10; i++) {
    const r = h.acu.request(4, { type: 'ISTAT' });
    h.run(h.now + 5000); // time for a few paced retries of a corrupted reply
    readings.push(await r);
  }
  assert.ok(
    readings.every((r) => JSON.stringify(r) === JSON.stringify({ type: 'ISTATR', inputs: [0, 0] })),
    JSON.stringify(readings),
  );
});

test('a PD that NAKs every command: requests reject with the NAK code, the PD stays online', async () => {
  const h = bus([{ address: 5, inputs: 2, outputs: 1, identity, faults: 'nak' }]);
  h.acu.addPd({ address: 5 });
  h.run(200);
  const r = h.acu.request(5, { type: 'ID' });
  h.run(400);
  await assert.rejects(r, (e: unknown) => e instanceof Error && 'nakCode' in e && (e as { nakCode: number }).nakCode === 9);
  assert.equal(h.acu.status(5)!.online, true);
});
