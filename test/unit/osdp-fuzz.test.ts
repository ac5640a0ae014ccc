import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AcuBus,
  AcuSession,
  Framer,
  PdSession,
  type Reply,
  decode,
  decodeCommand,
  decodeReply,
  encodeReply,
  parseFrame,
} from '../../controller/protocol/index';
import { fuzzFrames, prng } from '../fixtures/osdp/fuzz';

const N = 100_000;

test(`decoder: ${N} random and mutated frames, zero throws, every result typed`, () => {
  let ok = 0;
  const kinds = new Map<string, number>();
  for (const b of fuzzFrames(N)) {
    const r = decode(b);
    if (r.ok) ok++;
    else {
      assert.equal(typeof r.error.message, 'string');
      kinds.set(r.error.kind, (kinds.get(r.error.kind) ?? 0) + 1);
    }
    decodeCommand(b);
    decodeReply(b);
  }
  // The corpus must reach deep paths, not just fail the CRC: several error kinds and some valid frames.
  for (const k of ['bad-check', 'bad-length', 'truncated', 'bad-data', 'unknown-code', 'bad-security-block'])
    assert.ok((kinds.get(k) ?? 0) > 0, `no ${k} case reached`);
  assert.ok(ok > 1000, `only ${ok} frames decoded`);
});

test(`framer + secure sessions: ${N} fuzzed frames as one chopped stream, zero throws, always progresses`, () => {
  const rnd = prng(42);
  const fr = new Framer();
  // active sessions on both sides, to push fuzzed secure frames through MAC verification and decryption
  const acu = new AcuSession({ install: true });
  const pd = new PdSession();
  const cc = pd.onChlng(acu.challenge().command, 0);
  assert.ok(cc.ok);
  const sc = acu.onCcrypt(cc.reply);
  assert.ok(sc.ok);
  const rm = pd.onScrypt(sc.command);
  assert.ok(rm.ok && acu.onRmacI(rm.reply).ok);
  let frames = 0;
  let now = 0;
  for (const b of fuzzFrames(N, 7)) {
    let at = 0;
    while (at < b.length) {
      const n = 1 + Math.floor(rnd() * 24);
      for (const o of fr.push(b.subarray(at, at + n), (now += 1))) {
        if (o.type !== 'frame') continue;
        frames++;
        const f = o.frame.frame;
        if (f.security && f.security.type >= 0x15) {
          if (f.reply) acu.unwrapReply(f);
          else pd.unwrapCommand(f);
        }
        assert.ok(parseFrame(o.frame.bytes).ok, 'framer only emits frames that parse');
      }
      at += n;
    }
    if (rnd() < 0.01) fr.tick((now += 50));
  }
  fr.tick((now += 50));
  assert.ok(frames > 1000, `only ${frames} frames framed`);
  assert.ok(fr.stats.drops > 1000);
  assert.equal(fr.pending, 0);
});

test('link: 20,000 fuzzed frames fed to a polling bus, zero throws, and the bus recovers afterwards', async () => {
  const rnd = prng(5);
  let pending: Uint8Array[] = [];
  const bus = new AcuBus({ write: (b) => pending.push(b), random: (n) => new Uint8Array(n).fill(3) });
  bus.addPd({ address: 3 });
  bus.addPd({ address: 4, useCrc: false });
  let now = 0;
  for (const b of fuzzFrames(20_000, 11)) {
    bus.tick((now += 1 + Math.floor(rnd() * 100)));
    bus.receive(b, now);
  }
  // A well-behaved PD 3 now answers every command with ACK (PDID for ID): the bus must bring it online and serve a request.
  const answer = (bytes: Uint8Array): Uint8Array | null => {
    const c = decodeCommand(bytes);
    if (!c.ok || c.frame.address !== 3) return null;
    const reply: Reply =
      c.command.type === 'ID'
        ? { type: 'PDID', vendor: [1, 2, 3], model: 1, version: 1, serial: 9, firmware: { major: 1, minor: 0, build: 0 } }
        : { type: 'ACK' };
    return encodeReply(reply, { address: 3, sequence: c.frame.sequence });
  };
  const run = (steps: number) => {
    for (let i = 0; i < steps; i++) {
      bus.tick((now += 20));
      for (const b of pending.splice(0)) {
        const r = answer(b);
        if (r) bus.receive(r, (now += 2));
      }
    }
  };
  run(200); // ≤ 4 s: a re-probe or the next poll brings PD 3 (back) online
  assert.equal(bus.status(3)!.online, true);
  const id = bus.request(3, { type: 'ID' });
  run(50);
  pending = [];
  const reply = await id;
  assert.equal(reply.type, 'PDID');
});
