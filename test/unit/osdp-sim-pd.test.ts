// The simulated PD is our reference in tests, so where it deviates from real PDs (libosdp's) it misleads every test
// built on it. Frames in, frames out, virtual time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BROADCAST, Framer, buildFrame, commandPayload, parseFrame, type Command, type Sequence } from '../../controller/protocol';
import { memoryPair } from '../../controller/serial/transport';
import { PdSim } from '../../controller/sim/pd';
import { SiteSim } from '../../controller/sim/site-sim';
import { GOOD } from '../fixtures/schedules/openings';

const identity = {
  vendor: [0x5c, 0x26, 0x0a] as [number, number, number],
  model: 1,
  version: 1,
  serial: 7,
  firmware: { major: 1, minor: 0, build: 0 },
};

function frame(address: number, sequence: Sequence, command: Command) {
  const p = commandPayload(command);
  const bytes = buildFrame({ address, sequence, useCrc: true, code: p.code, data: p.data });
  const f = parseFrame(bytes);
  assert.ok(f.ok);
  return f.frame;
}

function reply(bytes: Uint8Array | null) {
  assert.ok(bytes, 'the PD answered');
  const f = parseFrame(bytes);
  assert.ok(f.ok);
  return f.frame;
}

test('RSTAT is answered with an RSTATR that carries one byte per reader (an empty one is malformed to libosdp)', () => {
  const pd = new PdSim({ address: 1, inputs: 2, outputs: 1, identity }, 0);
  reply(pd.handleFrame(frame(1, 0, { type: 'POLL' }), 0));
  const r = reply(pd.handleFrame(frame(1, 1, { type: 'RSTAT' }), 1));
  assert.equal(r.code, 0x4b);
  assert.deepEqual([...r.data], [0], 'one reader, not tampered');
});

test('a repeat is the same sequence AND the same command: an ID after a POLL with that sequence gets a PDID', () => {
  const pd = new PdSim({ address: 1, inputs: 2, outputs: 1, identity }, 0);
  reply(pd.handleFrame(frame(1, 0, { type: 'POLL' }), 0));
  assert.equal(reply(pd.handleFrame(frame(1, 1, { type: 'POLL' }), 1)).code, 0x40);
  const id = reply(pd.handleFrame(frame(1, 1, { type: 'ID' }), 2));
  assert.equal(id.code, 0x45, 'PDID, not the cached ACK');
  // The very same frame again is a repeat request: the cached PDID, processed once.
  assert.equal(reply(pd.handleFrame(frame(1, 1, { type: 'ID' }), 3)).code, 0x45);
  assert.equal(pd.counters.repeated, 1);
});

test('a broadcast on a bus of several PDs is one garbled burst (a collision), never a clean queue of replies', async () => {
  const openings = [
    { ...GOOD, opening_id: 'A', pd_address: 1 },
    { ...GOOD, opening_id: 'B', pd_address: 2 },
  ];
  const pair = memoryPair({ baud: 9600 });
  await pair.bus.open();
  await pair.acu.open();
  const sim = new SiteSim({ openings, now: () => 0 });
  sim.attach(pair.bus);
  const framer = new Framer();
  const got: Uint8Array[] = [];
  pair.acu.onData((b) => got.push(b));
  const p = commandPayload({ type: 'ID' });
  await pair.acu.write(buildFrame({ address: BROADCAST, sequence: 0, useCrc: true, code: p.code, data: p.data }));
  for (let waited = 0; got.length === 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50)); // room for a second (wrong) reply to arrive
  assert.equal(got.length, 1, 'one burst on the line');
  const frames = framer.push(got[0]!, 0).filter((o) => o.type === 'frame');
  assert.equal(frames.length, 0, 'no reply survives the collision');
  assert.equal(sim.collisions, 1);
  sim.detach();
  await pair.acu.close();
  await pair.bus.close();
});
