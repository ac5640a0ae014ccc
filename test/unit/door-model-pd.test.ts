// The simulated PD, driven frame by frame with the protocol codec (no transport, no clock).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AcuSession,
  SecretKey,
  decodeReply,
  encodeCommand,
  parseFrame,
  type Command,
  type Reply,
  type Sequence,
} from '../../controller/protocol';
import { DoorModel, type DoorConfig } from '../../controller/sim/door-model';
import { PdSim, type PdSimConfig } from '../../controller/sim/pd';
import { doorConfig as sharedDoorConfig } from '../fixtures/sim/door-config';

const doorConfig = (over: Partial<DoorConfig> = {}): DoorConfig => sharedDoorConfig({ openingId: '1-101', ...over });

let seed = 1;
const random = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};

function makePd(over: Partial<PdSimConfig> = {}, door = new DoorModel(doorConfig(), 0)) {
  return new PdSim(
    {
      address: 5,
      inputs: 4,
      outputs: 2,
      identity: { vendor: [0x5c, 0x26, 0x0a], model: 0x12, version: 1, serial: 0x10005, firmware: { major: 2, minor: 2, build: 2 } },
      door,
      binding: { lockOutput: 0, alarmOutput: 1, lockStatusInput: 0, dpsInput: 1, rexInput: 2 },
      secureChannel: true,
      random,
      ...over,
    },
    0,
  );
}

/** A tiny ACU: sequence 0 first, then 1,2,3,1… */
class Acu {
  seq: Sequence = 0;
  constructor(
    readonly pd: PdSim,
    readonly address = 5,
  ) {}
  raw(command: Command, now: number, seq: Sequence = this.seq): Uint8Array | null {
    const f = parseFrame(encodeCommand(command, { address: this.address, sequence: seq }));
    assert.ok(f.ok);
    return this.pd.handleFrame(f.frame, now);
  }
  send(command: Command, now: number): Reply {
    const bytes = this.raw(command, now);
    this.seq = ((this.seq % 3) + 1) as Sequence;
    assert.ok(bytes, 'PD answered');
    const r = decodeReply(bytes);
    assert.ok(r.ok, `reply decodes: ${JSON.stringify(r)}`);
    assert.equal(r.frame.address, this.address);
    return r.reply;
  }
}

test('PD answers ID and CAP with its identity and capabilities (inputs, outputs, CRC, secure channel)', () => {
  const acu = new Acu(makePd());
  assert.deepEqual(acu.send({ type: 'POLL' }, 0), { type: 'ACK' });
  const id = acu.send({ type: 'ID' }, 0);
  assert.equal(id.type, 'PDID');
  assert.equal(id.type === 'PDID' && id.serial, 0x10005);
  const cap = acu.send({ type: 'CAP' }, 0);
  assert.ok(cap.type === 'PDCAP');
  const fn = (f: number) => cap.capabilities.find((c) => c.function === f);
  assert.equal(fn(1)?.count, 4);
  assert.equal(fn(2)?.count, 2);
  assert.ok(fn(8));
  assert.ok(fn(9));
});

test('sequence: the same sequence number repeats the last reply byte for byte; a wrong one gets NAK 4', () => {
  const pd = makePd();
  const acu = new Acu(pd);
  acu.send({ type: 'POLL' }, 0);
  const first = acu.raw({ type: 'OUT', records: [{ output: 0, code: 6, timerMs: 5000 }] }, 10, 1);
  const again = acu.raw({ type: 'OUT', records: [{ output: 0, code: 6, timerMs: 5000 }] }, 20, 1);
  assert.deepEqual(again, first);
  assert.equal(pd.counters.repeated, 1);
  assert.equal(pd.device.outputDetail()[0]?.timerEnd, 5010, 'the repeat did not restart the timer');
  const bad = decodeReply(acu.raw({ type: 'POLL' }, 30, 3)!);
  assert.ok(bad.ok && bad.reply.type === 'NAK' && bad.reply.code === 4);
  // A fresh PD expects sequence 0 first.
  const fresh = decodeReply(new Acu(makePd()).raw({ type: 'POLL' }, 0, 2)!);
  assert.ok(fresh.ok && fresh.reply.type === 'NAK' && fresh.reply.code === 4);
});

test('timed OUT 6 drops lock power and the PD restores it by itself when the timer ends', () => {
  const door = new DoorModel(doorConfig(), 0);
  const pd = makePd({}, door);
  const acu = new Acu(pd);
  acu.send({ type: 'POLL' }, 0);
  assert.deepEqual(acu.send({ type: 'OSTAT' }, 0), { type: 'OSTATR', outputs: [1, 0] });
  assert.deepEqual(acu.send({ type: 'OUT', records: [{ output: 0, code: 6, timerMs: 3000 }] }, 1000), { type: 'ACK' });
  assert.deepEqual(acu.send({ type: 'OSTAT' }, 1001), { type: 'OSTATR', outputs: [0, 0] });
  assert.equal(door.state(1300).mechanism, 'released');
  assert.deepEqual(acu.send({ type: 'ISTAT' }, 1300), { type: 'ISTATR', inputs: [0, 0, 0, 0] });
  // No command arrives after the drop (the ACU died): the PD's own timer restores power at 4000.
  pd.device.advance(4000);
  assert.equal(door.state(4000).lockPowered, true);
  assert.equal(door.state(4100).mechanism, 'secured');
  assert.deepEqual(acu.send({ type: 'OSTAT' }, 4100), { type: 'OSTATR', outputs: [1, 0] });
});

test('OUT control codes 1-6: permanent states, letting a timer finish, temporary ON; several records at once', () => {
  const pd = makePd({ outReply: 'ostatr' });
  const acu = new Acu(pd);
  acu.send({ type: 'POLL' }, 0);
  assert.deepEqual(acu.send({ type: 'OUT', records: [{ output: 1, code: 5, timerMs: 1000 }] }, 0), { type: 'OSTATR', outputs: [1, 1] });
  // Code 4 (permanent ON, let the timer finish): stays ON, and after the timer it is ON for good.
  acu.send({ type: 'OUT', records: [{ output: 1, code: 3, timerMs: 0 }] }, 100);
  pd.device.advance(999);
  assert.deepEqual(pd.device.readOutputs(), [1, 1], 'code 3 lets the running temporary ON finish');
  pd.device.advance(1000);
  assert.deepEqual(pd.device.readOutputs(), [1, 0], '…then the new permanent OFF applies');
  acu.send(
    {
      type: 'OUT',
      records: [
        { output: 0, code: 6, timerMs: 500 },
        { output: 1, code: 2, timerMs: 0 },
      ],
    },
    2000,
  );
  assert.deepEqual(pd.device.readOutputs(), [0, 1]);
  acu.send({ type: 'OUT', records: [{ output: 0, code: 2, timerMs: 0 }] }, 2100);
  pd.device.advance(3000);
  assert.deepEqual(pd.device.readOutputs(), [1, 1], 'code 2 aborted the timer');
  acu.send({ type: 'OUT', records: [{ output: 1, code: 1, timerMs: 0 }] }, 3000);
  assert.deepEqual(pd.device.readOutputs(), [1, 0]);
  const nak = acu.send({ type: 'OUT', records: [{ output: 7, code: 1, timerMs: 0 }] }, 3000);
  assert.ok(nak.type === 'NAK' && nak.code === 9, 'no such output');
  const zero = acu.send({ type: 'OUT', records: [{ output: 0, code: 6, timerMs: 0 }] }, 3000);
  assert.ok(zero.type === 'NAK' && zero.code === 9, 'a temporary state without a timer is refused');
  assert.deepEqual(pd.device.readOutputs(), [1, 0], 'a refused OUT changed nothing');
});

test('an input change is reported unsolicited as ISTATR in answer to POLL, once', () => {
  const door = new DoorModel(doorConfig(), 0);
  const acu = new Acu(makePd({}, door));
  assert.deepEqual(acu.send({ type: 'POLL' }, 0), { type: 'ACK' });
  door.pressRex(500);
  assert.deepEqual(acu.send({ type: 'POLL' }, 510), { type: 'ISTATR', inputs: [1, 0, 1, 0] });
  assert.deepEqual(acu.send({ type: 'POLL' }, 520), { type: 'ACK' });
  assert.deepEqual(acu.send({ type: 'POLL' }, 700), { type: 'ISTATR', inputs: [0, 0, 1, 0] }, 'lock released after 200 ms');
  assert.deepEqual(acu.send({ type: 'LSTAT' }, 700), { type: 'LSTATR', tamper: 0, power: 0 });
});

test('unwired supervised lock-status input reports 3 (open circuit)', () => {
  const door = new DoorModel(doorConfig({ faults: { lockStatusUnwired: 'open' } }), 0);
  const acu = new Acu(makePd({}, door));
  acu.send({ type: 'POLL' }, 0);
  assert.deepEqual(acu.send({ type: 'ISTAT' }, 0), { type: 'ISTATR', inputs: [3, 0, 0, 0] });
});

test('faults: a silent PD never answers, a NAKing PD NAKs, a noisy line corrupts some replies', () => {
  const silent = makePd();
  silent.setPdFault('silent', 0);
  assert.equal(new Acu(silent).raw({ type: 'POLL' }, 0), null);
  const naks = new Acu(makePd({ door: undefined, faults: 'nak' }));
  const r = naks.send({ type: 'POLL' }, 0);
  assert.ok(r.type === 'NAK' && r.code === 9);
  const noisy = makePd();
  noisy.setPdFault('noise', 0);
  let bad = 0;
  for (let i = 0; i < 30; i++) {
    const bytes = new Acu(noisy).raw({ type: 'POLL' }, i, 0)!;
    const parsed = parseFrame(bytes);
    if (!parsed.ok) bad++;
  }
  assert.ok(bad > 0 && bad < 30, `some but not all replies corrupted (${bad}/30)`);
});

test('other addresses and other PDs’ replies are ignored; COMSET answers COM then moves the PD', () => {
  const pd = makePd();
  assert.equal(new Acu(pd, 6).raw({ type: 'POLL' }, 0), null);
  const acu = new Acu(pd);
  acu.send({ type: 'POLL' }, 0);
  assert.deepEqual(acu.send({ type: 'COMSET', address: 9, baud: 38400 }, 0), { type: 'COM', address: 9, baud: 38400 });
  assert.equal(pd.address, 9);
  assert.equal(pd.pendingBaud, 38400);
});

function handshake(acu: Acu, session: AcuSession, now: number): Reply | 'ok' {
  const ch = session.challenge();
  const f = parseFrame(encodeCommand(ch.command, { address: 5, sequence: 0, security: ch.security }));
  assert.ok(f.ok);
  acu.seq = 1;
  const r1 = decodeReply(acu.pd.handleFrame(f.frame, now)!);
  assert.ok(r1.ok);
  if (r1.reply.type !== 'CCRYPT') return r1.reply;
  const s = session.onCcrypt(r1.reply);
  if (!s.ok) return { type: 'NAK', code: -1, meaning: s.error.kind };
  const f2 = parseFrame(encodeCommand(s.command, { address: 5, sequence: 1, security: s.security }));
  assert.ok(f2.ok);
  acu.seq = 2;
  const r2 = decodeReply(acu.pd.handleFrame(f2.frame, now)!);
  assert.ok(r2.ok);
  const done = session.onRmacI(r2.reply);
  return done.ok ? 'ok' : r2.reply;
}

function secureSend(acu: Acu, session: AcuSession, command: Command, now: number): Reply {
  const f = parseFrame(session.wrapCommand(command, { address: 5, sequence: acu.seq }));
  acu.seq = ((acu.seq % 3) + 1) as Sequence;
  assert.ok(f.ok);
  const bytes = acu.pd.handleFrame(f.frame, now);
  assert.ok(bytes);
  const p = parseFrame(bytes);
  assert.ok(p.ok);
  const u = session.unwrapReply(p.frame);
  assert.ok(u.ok, JSON.stringify(u));
  return u.reply;
}

test('secure channel: a PD on the default key accepts SCBK-D; encrypted OUT and ISTATR flow with MACs', () => {
  const door = new DoorModel(doorConfig(), 0);
  const pd = makePd({}, door);
  assert.equal(pd.usesDefaultKey, true);
  const acu = new Acu(pd);
  const session = new AcuSession({ random: (n) => new Uint8Array(n).fill(0xb0) });
  assert.equal(handshake(acu, session, 0), 'ok');
  assert.deepEqual(secureSend(acu, session, { type: 'OUT', records: [{ output: 0, code: 6, timerMs: 2000 }] }, 10), { type: 'ACK' });
  assert.deepEqual(secureSend(acu, session, { type: 'OSTAT' }, 20), { type: 'OSTATR', outputs: [0, 0] });
  assert.deepEqual(secureSend(acu, session, { type: 'ISTAT' }, 300), { type: 'ISTATR', inputs: [0, 0, 0, 0] });
  // A plaintext command inside the session is refused and ends it.
  const plain = decodeReply(acu.raw({ type: 'POLL' }, 400)!);
  assert.ok(plain.ok && plain.reply.type === 'NAK' && plain.reply.code === 6);
});

test('secure channel: a re-keyed PD refuses SCBK-D (NAK 6) and accepts its own key; a wrong key is a mismatch', () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const pd = makePd({ scbk: key });
  assert.equal(pd.usesDefaultKey, false);
  const refused = handshake(new Acu(pd), new AcuSession(), 0);
  assert.ok(refused !== 'ok' && refused.type === 'NAK' && refused.code === 6);
  const wrong = handshake(new Acu(pd), new AcuSession({ scbk: new SecretKey(new Uint8Array(16).fill(7)) }), 0);
  assert.ok(wrong !== 'ok' && wrong.type === 'NAK' && wrong.meaning === 'key-mismatch');
  const acu = new Acu(pd);
  const session = new AcuSession({ scbk: new SecretKey(key) });
  assert.equal(handshake(acu, session, 0), 'ok');
  assert.equal(secureSend(acu, session, { type: 'ID' }, 0).type, 'PDID');
});

test('secure channel not offered: a security block gets NAK 5', () => {
  const acu = new Acu(makePd({ secureChannel: false }));
  const r = handshake(acu, new AcuSession(), 0);
  assert.ok(r !== 'ok' && r.type === 'NAK' && r.code === 5);
});
