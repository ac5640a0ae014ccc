import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Framer, type FramerOutput, fromHex, hex } from '../../controller/protocol/index';
import { VECTORS } from '../fixtures/osdp/vectors';
import { loadSession } from '../fixtures/osdp/session';

// Frames as they appear on the wire; the framer reports them from SOM (mark stripped).
const wire = [
  ...VECTORS.map((v) => fromHex(v.hex)),
  ...loadSession()
    .frames.slice(0, 12)
    .map((f) => f.bytes),
];
const som = (b: Uint8Array) => (b[0] === 0xff ? b.subarray(1) : b);
const frames = (out: FramerOutput[]) => out.flatMap((o) => (o.type === 'frame' ? [hex(o.frame.bytes)] : []));
const drops = (out: FramerOutput[]) => out.flatMap((o) => (o.type === 'drop' ? [o.drop] : []));
const cat = (...parts: Uint8Array[]) => {
  const o = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    o.set(p, i);
    i += p.length;
  }
  return o;
};

test('each fixture frame re-fed split at every byte offset, with garbage before, between and after', () => {
  const garbageA = fromHex('00 12 53 FE 07'); // contains a false SOM
  const garbageB = fromHex('AA 55');
  for (const f of wire) {
    const stream = cat(garbageA, f, garbageB, f, garbageA);
    for (let cut = 0; cut <= stream.length; cut++) {
      const fr = new Framer();
      const out = [...fr.push(stream.subarray(0, cut)), ...fr.push(stream.subarray(cut))];
      assert.deepEqual(frames(out), [hex(som(f)), hex(som(f))], `cut at ${cut} of ${hex(stream)}`);
      assert.ok(drops(out).length >= 1, 'garbage reported');
      assert.ok(drops(out).every((d) => d.count > 0 && d.bytes.length > 0 && d.reason !== 'timeout'));
    }
  }
});

test('byte-at-a-time feeding yields every frame once', () => {
  const fr = new Framer();
  const stream = cat(...wire);
  const out: FramerOutput[] = [];
  for (const b of stream) out.push(...fr.push(Uint8Array.of(b)));
  assert.deepEqual(
    frames(out),
    wire.map((w) => hex(som(w))),
  );
  assert.equal(drops(out).length, 0);
  assert.equal(fr.stats.frames, wire.length);
  assert.equal(fr.pending, 0);
});

test('a lost byte costs that frame only; the next one is recovered and the drop reported', () => {
  for (const f of wire) {
    for (let lost = 1; lost < som(f).length; lost++) {
      const damaged = cat(som(f).subarray(0, lost), som(f).subarray(lost + 1));
      const next = wire[0]!;
      const fr = new Framer({ interCharTimeoutMs: 20 });
      // The damaged frame's LEN now reaches into the next frames (a bad check, then a re-sync on the next SOM),
      // or beyond them (the inter-character timeout drops the stale head and the frames behind it are recovered).
      const out = [...fr.push(damaged, 0), ...fr.push(next, 1), ...fr.push(next, 2), ...fr.tick(30)];
      const got = frames(out);
      assert.ok(got.length === 2 && got.every((g) => g === hex(som(next))), `lost byte ${lost} of ${hex(f)}: ${got.join(' | ')}`);
      assert.ok(drops(out).length >= 1);
    }
  }
});

test('a bad CRC or checksum is dropped with its bytes, then framing continues', () => {
  for (const f of wire) {
    const bad = som(f).slice();
    bad[bad.length - 1]! ^= 0x5a;
    const fr = new Framer();
    const out = fr.push(cat(bad, f));
    assert.deepEqual(frames(out), [hex(som(f))]);
    const d = drops(out);
    assert.equal(d[0]?.reason, 'bad-check');
    assert.equal(hex(Uint8Array.from(d.flatMap((x) => [...x.bytes]))), hex(bad));
    assert.equal(fr.stats.droppedBytes, bad.length);
  }
});

test('a partial frame is dropped after the inter-character timeout, and an impossible LEN immediately', () => {
  const fr = new Framer({ interCharTimeoutMs: 20 });
  const f = som(wire[0]!);
  assert.deepEqual(fr.push(f.subarray(0, 6), 1000), []);
  assert.equal(fr.pending, 6);
  assert.deepEqual(fr.tick(1010), []);
  const t = drops(fr.tick(1021));
  assert.equal(t[0]?.reason, 'timeout');
  assert.equal(t[0]?.count, 6);
  assert.deepEqual(frames(fr.push(f, 1030)), [hex(f)]);
  const l = drops(fr.push(fromHex('53 00 02 00 04 61'), 1040));
  assert.equal(l[0]?.reason, 'bad-length');
  assert.deepEqual(frames(fr.push(f, 1041)), [hex(f)]);
});

test('a large stream does not grow the buffer without bound', () => {
  const fr = new Framer();
  const chunk = cat(...wire, fromHex('01 02 03'));
  let n = 0;
  for (let i = 0; i < 2000; i++) n += frames(fr.push(chunk)).length;
  assert.equal(n, 2000 * wire.length);
  assert.ok(fr.pending < 600);
});

test('a fake header from noise (0x53 with a huge LEN) does not hold back a complete frame behind it', () => {
  const f = som(wire[0]!);
  const fr = new Framer();
  const out = fr.push(cat(fromHex('53 00 00 03 04 11'), f), 0);
  assert.deepEqual(frames(out), [hex(f)], 'emitted at once, without waiting for the timeout');
  assert.equal(drops(out)[0]?.reason, 'bad-length');
  // split so that the frame completes only in the second chunk
  const fr2 = new Framer();
  const stream = cat(fromHex('53 00 00 03 04 11'), f);
  assert.deepEqual(
    [...fr2.push(stream.subarray(0, 9), 0), ...fr2.push(stream.subarray(9), 1)].flatMap((o) =>
      o.type === 'frame' ? [hex(o.frame.bytes)] : [],
    ),
    [hex(f)],
  );
});

test('a frame whose chunks arrive after a long gap is kept if they complete it; a stale head that stays incomplete is dropped', () => {
  const f = som(wire[2]!);
  const fr = new Framer({ interCharTimeoutMs: 20 });
  assert.deepEqual(fr.push(f.subarray(0, 4), 0), []);
  assert.deepEqual(frames(fr.push(f.subarray(4), 50)), [hex(f)], 'completed by the late chunk (a stalled event loop)');
  // a fake checksum-mode header (LEN 64) held, then a whole checksum frame arrives late: the head is dropped at once
  const ck = fromHex('53 00 08 00 00 61 00 44');
  const fr2 = new Framer({ interCharTimeoutMs: 20 });
  fr2.push(fromHex('53 00 40 00 00'), 0);
  const out = fr2.push(ck, 100);
  assert.deepEqual(frames(out), [hex(ck)]);
  assert.equal(drops(out)[0]?.reason, 'timeout');
});
