import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  AcuSession,
  PdSession,
  SCBK_D,
  SecretKey,
  clientCryptogram,
  computeMac,
  decryptPayload,
  deriveSessionKeys,
  fromHex,
  hex,
  initialRmac,
  parseFrame,
  serverCryptogram,
  type Command,
  type Frame,
  type Reply,
} from '../../controller/protocol/index';
import { SC_EXAMPLE as X } from '../fixtures/osdp/vectors';
import { loadSession } from '../fixtures/osdp/session';

const fixedRandom = (hexBytes: string) => () => fromHex(hexBytes);

test('worked example: session keys, both cryptograms and R-MAC-I', () => {
  assert.equal(hex(SCBK_D.reveal()), X.scbkD);
  const k = deriveSessionKeys(SCBK_D, fromHex(X.rndA));
  assert.equal(hex(k.enc.reveal()), X.sEnc);
  assert.equal(hex(k.mac1.reveal()), X.sMac1);
  assert.equal(hex(k.mac2.reveal()), X.sMac2);
  const rndA = fromHex(X.rndA);
  const rndB = fromHex(X.rndB);
  assert.equal(hex(clientCryptogram(k, rndA, rndB)), X.clientCryptogram);
  assert.equal(hex(serverCryptogram(k, rndA, rndB)), X.serverCryptogram);
  assert.equal(hex(initialRmac(k, fromHex(X.serverCryptogram))), X.rmacI);
});

test('worked example through the session objects (install mode, SCBK-D)', () => {
  const acu = new AcuSession({ install: true, random: fixedRandom(X.rndA) });
  const pd = new PdSession({ random: fixedRandom(X.rndB) });
  const ch = acu.challenge();
  assert.deepEqual([...ch.security.data], [0]);
  const cc = pd.onChlng(ch.command, 0);
  assert.ok(cc.ok);
  assert.equal(cc.reply.type === 'CCRYPT' && hex(cc.reply.cryptogram), X.clientCryptogram);
  const sc = acu.onCcrypt(cc.reply);
  assert.ok(sc.ok);
  assert.equal(sc.command.type === 'SCRYPT' && hex(sc.command.cryptogram), X.serverCryptogram);
  const rm = pd.onScrypt(sc.command);
  assert.ok(rm.ok);
  assert.equal(rm.reply.type === 'RMAC_I' && hex(rm.reply.rmac), X.rmacI);
  assert.ok(acu.onRmacI(rm.reply).ok);
  assert.equal(acu.state, 'active');
  // a MAC'd and an encrypted exchange in both directions
  for (let i = 0; i < 5; i++) {
    const cmd: Command = i % 2 ? { type: 'POLL' } : { type: 'OUT', records: [{ output: 0, code: 6, timerMs: 2000 }] };
    const tx = parseFrame(acu.wrapCommand(cmd, { address: 3, sequence: 1 }));
    assert.ok(tx.ok);
    const got = pd.unwrapCommand(tx.frame);
    assert.ok(got.ok);
    assert.deepEqual(got.command, cmd);
    const reply: Reply = i % 2 ? { type: 'ACK' } : { type: 'ISTATR', inputs: [0, 1, 3, 4] };
    const rx = parseFrame(pd.wrapReply(reply, { address: 3, sequence: 1 }));
    assert.ok(rx.ok);
    assert.equal(rx.frame.security?.type, i % 2 ? 0x16 : 0x18);
    const back = acu.unwrapReply(rx.frame);
    assert.ok(back.ok);
    assert.deepEqual(back.reply, reply);
  }
});

test('key mismatch is a typed failure on the ACU side', () => {
  const acu = new AcuSession({ scbk: new SecretKey(new Uint8Array(16).fill(7)) });
  const pd = new PdSession({ scbk: new SecretKey(new Uint8Array(16).fill(8)) });
  const ch = acu.challenge();
  const cc = pd.onChlng(ch.command, ch.security.data[0]!);
  assert.ok(cc.ok);
  const r = acu.onCcrypt(cc.reply);
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'key-mismatch');
  assert.equal(acu.state, 'failed');
  // a PD that is not in install mode refuses SCBK-D
  const refused = new PdSession({ scbk: new SecretKey(new Uint8Array(16).fill(8)) }).onChlng(new AcuSession().challenge().command, 0);
  assert.ok(!refused.ok && refused.error.kind === 'key-mismatch');
});

test('a tampered MAC is rejected', () => {
  const acu = new AcuSession({ install: true });
  const pd = new PdSession();
  const cc = pd.onChlng(acu.challenge().command, 0);
  assert.ok(cc.ok);
  const sc = acu.onCcrypt(cc.reply);
  assert.ok(sc.ok);
  const rm = pd.onScrypt(sc.command);
  assert.ok(rm.ok && acu.onRmacI(rm.reply).ok);
  const tx = acu.wrapCommand({ type: 'POLL' }, { address: 0, sequence: 2, mark: false });
  const f = parseFrame(tx);
  assert.ok(f.ok);
  const forged: Frame = { ...f.frame, mac: Uint8Array.from(f.frame.mac!, (b) => b ^ 1) };
  const r = pd.unwrapCommand(forged);
  assert.ok(!r.ok && 'kind' in r.error && r.error.kind === 'bad-mac');
});

test('keys never appear in strings, JSON or inspect output', () => {
  const key = new SecretKey(fromHex('00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F'));
  const acu = new AcuSession({ scbk: key });
  acu.challenge();
  const texts = [String(key), JSON.stringify({ key }), inspect(key), inspect(acu, { depth: 5 }), JSON.stringify(acu), inspect(SCBK_D)];
  for (const t of texts) {
    assert.doesNotMatch(t, /000102030405|0, 1, 2, 3, 4|30 31 32|48, 49, 50/i, t);
    assert.ok(!t.includes('0a0b0c0d'), t);
  }
});

test('fixture session: handshake verifies, all 252 MACs verify, encrypted payloads decrypt to the header values', () => {
  const { key, frames } = loadSession();
  const scbk = new SecretKey(key);
  const parsed = frames.map((f) => {
    const p = parseFrame(f.bytes);
    assert.ok(p.ok, `line ${f.line}: ${p.ok ? '' : p.error.message}`);
    assert.equal(p.frame.reply, f.dir === 'RX', `line ${f.line} direction`);
    return { ...f, frame: p.frame };
  });
  const chlng = parsed.find((f) => f.dir === 'TX' && f.frame.code === 0x76)!;
  const ccrypt = parsed.find((f) => f.dir === 'RX' && f.frame.code === 0x76)!;
  // Drive both of our session objects with the capture's random numbers, so their outputs must equal the capture.
  const acu = new AcuSession({ scbk, random: () => chlng.frame.data.slice() });
  const pd = new PdSession({ scbk, random: () => ccrypt.frame.data.slice(8, 16), clientUid: ccrypt.frame.data.slice(0, 8) });
  let macs = 0;
  let byteExact = 0;
  const decrypted: string[] = [];
  const k = { n: 0 };
  for (const f of parsed) {
    const fr = f.frame;
    const opts = { address: fr.address, sequence: fr.sequence, useCrc: fr.useCrc, mark: fr.mark };
    const t = fr.security?.type;
    if (t === 0x11) {
      const ch = acu.challenge();
      assert.equal(hex(ch.command.type === 'CHLNG' ? ch.command.rndA : new Uint8Array()), hex(fr.data));
      const cc = pd.onChlng(ch.command, fr.security!.data[0]!);
      assert.ok(cc.ok);
      assert.equal(cc.reply.type === 'CCRYPT' && hex(cc.reply.cryptogram), hex(ccrypt.frame.data.subarray(16)), 'PD cryptogram');
    } else if (t === 0x12) {
      const r = parseFrame(f.bytes);
      assert.ok(r.ok);
      const sc = acu.onCcrypt({
        type: 'CCRYPT',
        clientUid: fr.data.slice(0, 8),
        rndB: fr.data.slice(8, 16),
        cryptogram: fr.data.slice(16),
      });
      assert.ok(sc.ok, sc.ok ? '' : sc.error.message);
      const next = parsed[parsed.indexOf(f) + 1]!;
      assert.equal(sc.command.type === 'SCRYPT' && hex(sc.command.cryptogram), hex(next.frame.data), 'ACU cryptogram');
    } else if (t === 0x13) {
      const rm = pd.onScrypt({ type: 'SCRYPT', cryptogram: fr.data.slice() });
      assert.ok(rm.ok);
    } else if (t === 0x14) {
      assert.ok(acu.onRmacI({ type: 'RMAC_I', rmac: fr.data.slice() }).ok, 'R-MAC-I');
    } else if (t !== undefined) {
      macs++;
      if (f.dir === 'TX') {
        const c = pd.unwrapCommand(fr);
        assert.ok(c.ok, `line ${f.line}: ${c.ok ? '' : JSON.stringify(c.error)}`);
        // our ACU session re-encodes the same command into the same bytes (keys, IVs, padding, MAC chain all agree)
        assert.equal(hex(acu.wrapCommand(c.command, { ...opts, encrypt: t === 0x17 })), hex(f.bytes), `line ${f.line} re-encode`);
        byteExact++;
        if (t === 0x17) decrypted.push(`TX ${JSON.stringify(c.command)}`);
      } else {
        const r = acu.unwrapReply(fr);
        assert.ok(r.ok, `line ${f.line}: ${r.ok ? '' : r.error.message}`);
        // quirk: two MAC-only replies carry block 0x15; our PD reproduces them with quirkBlock15
        if (t === 0x15) k.n++;
        assert.equal(
          hex(pd.wrapReply(r.reply, { ...opts, quirkBlock15: t === 0x15, encrypt: t === 0x18 })),
          hex(f.bytes),
          `line ${f.line} re-encode`,
        );
        byteExact++;
        if (t === 0x18) decrypted.push(`RX ${JSON.stringify(r.reply)}`);
      }
    }
  }
  assert.equal(macs, 252);
  assert.equal(k.n, 2, 'two quirky 0x15 replies in the capture');
  assert.equal(byteExact, 252);
  assert.deepEqual(decrypted, [
    'TX {"type":"OUT","records":[{"output":0,"code":2,"timerMs":0}]}',
    'RX {"type":"ISTATR","inputs":[0,1,0,0]}',
    'TX {"type":"OUT","records":[{"output":0,"code":6,"timerMs":2000}]}',
    'RX {"type":"ISTATR","inputs":[0,0,0,0]}',
    'RX {"type":"ISTATR","inputs":[0,1,0,0]}',
  ]);
});

test('decryptPayload rejects wrong lengths and bad padding', () => {
  const k = deriveSessionKeys(SCBK_D, fromHex(X.rndA));
  assert.equal(decryptPayload(k, new Uint8Array(16), new Uint8Array(15)), null);
  assert.equal(decryptPayload(k, new Uint8Array(16), new Uint8Array(16)), null);
  assert.equal(computeMac(k, new Uint8Array(16), new Uint8Array(16)).length, 16);
});
