import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcuSession, Framer, PdSession, decode, decodeCommand, decodeReply, parseFrame } from '../../controller/protocol/index';
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
