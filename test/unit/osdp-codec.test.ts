import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Command,
  type Reply,
  crc16,
  checksum,
  decode,
  decodeCommand,
  decodeReply,
  encodeCommand,
  encodeReply,
  fromHex,
  hex,
  inputStateName,
  buildFrame,
} from '../../controller/protocol/index';
import { VECTORS } from '../fixtures/osdp/vectors';

test('CRC-16/AUG-CCITT check value of "123456789" is 0xE5CC', () => {
  assert.equal(crc16(new TextEncoder().encode('123456789')), 0xe5cc);
});

test('checksum makes the byte sum zero', () => {
  const b = fromHex('53 00 08 00 00 61 00');
  const c = checksum(b);
  assert.equal(c, 0x44);
  assert.equal(
    [...b, c].reduce((s, x) => (s + x) & 0xff, 0),
    0,
  );
});

for (const v of VECTORS) {
  test(`vector decodes and re-encodes byte-exact: ${v.meaning}`, () => {
    const bytes = fromHex(v.hex);
    const d = decode(bytes);
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    assert.equal(d.frame.address, v.address);
    assert.equal(d.frame.sequence, v.sequence);
    assert.equal(d.frame.useCrc, v.useCrc);
    const opts = { address: v.address, sequence: v.sequence, useCrc: v.useCrc, mark: bytes[0] === 0xff };
    if (v.command) {
      assert.equal(d.direction, 'command');
      assert.deepEqual(d.direction === 'command' && d.command, v.command);
      assert.equal(hex(encodeCommand(v.command, opts)), hex(bytes));
    } else {
      assert.equal(d.direction, 'reply');
      assert.deepEqual(d.direction === 'reply' && d.reply, v.reply);
      assert.equal(hex(encodeReply(v.reply!, opts)), hex(bytes));
    }
  });
}

const commands: Command[] = [
  { type: 'POLL' },
  { type: 'ID', reportType: 0 },
  { type: 'CAP', reportType: 0 },
  { type: 'LSTAT' },
  { type: 'ISTAT' },
  { type: 'OSTAT' },
  { type: 'RSTAT' },
  {
    type: 'OUT',
    records: ([0, 1, 2, 3, 4, 5, 6] as const).map((code, i) => ({ output: i, code, timerMs: code >= 5 ? 2000 * (i + 1) : 0 })),
  },
  {
    type: 'LED',
    records: [
      {
        reader: 0,
        led: 1,
        temporary: { control: 2, onTime: 3, offTime: 4, onColor: 1, offColor: 0, timer: 300 },
        permanent: { control: 1, onTime: 5, offTime: 0, onColor: 2, offColor: 0 },
      },
    ],
  },
  { type: 'BUZ', reader: 0, tone: 2, onTime: 5, offTime: 5, count: 3 },
  { type: 'COMSET', address: 12, baud: 115200 },
  { type: 'KEYSET', keyType: 1, key: Uint8Array.from({ length: 16 }, (_, i) => i) },
  { type: 'CHLNG', rndA: fromHex('B0 B1 B2 B3 B4 B5 B6 B7') },
  { type: 'SCRYPT', cryptogram: new Uint8Array(16).fill(0x26) },
];
const replies: Reply[] = [
  { type: 'ACK' },
  { type: 'NAK', code: 3, meaning: 'unknown command code' },
  { type: 'PDID', vendor: [0xc3, 0xb2, 0xa1], model: 2, version: 1, serial: 0x12345678, firmware: { major: 3, minor: 2, build: 0 } },
  {
    type: 'PDCAP',
    capabilities: [
      { function: 1, compliance: 1, count: 4 },
      { function: 2, compliance: 1, count: 2 },
    ],
  },
  { type: 'LSTATR', tamper: 0, power: 1 },
  { type: 'ISTATR', inputs: [0, 1, 2, 3, 4, 5] },
  { type: 'OSTATR', outputs: [1, 0] },
  { type: 'RSTATR', readers: [0] },
  { type: 'COM', address: 5, baud: 38400 },
  { type: 'BUSY' },
  { type: 'CCRYPT', clientUid: new Uint8Array(8).fill(1), rndB: new Uint8Array(8).fill(2), cryptogram: new Uint8Array(16).fill(3) },
  { type: 'RMAC_I', rmac: new Uint8Array(16).fill(9) },
];

for (const useCrc of [true, false]) {
  test(`every command round-trips (${useCrc ? 'CRC' : 'checksum'})`, () => {
    for (const c of commands) {
      const bytes = encodeCommand(c, { address: 0x65, sequence: 3, useCrc });
      const d = decodeCommand(bytes);
      assert.ok(d.ok, `${c.type}: ${d.ok ? '' : d.error.message}`);
      assert.deepEqual(d.command, c);
      assert.equal(d.frame.address, 0x65);
      assert.equal(d.frame.sequence, 3);
    }
  });
  test(`every reply round-trips (${useCrc ? 'CRC' : 'checksum'})`, () => {
    for (const r of replies) {
      const bytes = encodeReply(r, { address: 0x65, sequence: 1, useCrc, mark: false });
      assert.equal(bytes[1], 0xe5, 'reply bit set on the address');
      const d = decodeReply(bytes);
      assert.ok(d.ok, `${r.type}: ${d.ok ? '' : d.error.message}`);
      assert.deepEqual(d.reply, r);
    }
  });
}

test('ISTATR v2.2.2 supervised values have names', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map(inputStateName), ['inactive', 'active', 'short', 'open', 'fault', 'unknown', 'other-9']);
});

test('OUT timer is sent in 100 ms units and rejects out-of-range values', () => {
  const b = encodeCommand({ type: 'OUT', records: [{ output: 0, code: 6, timerMs: 2000 }] }, { address: 1, sequence: 1 });
  assert.equal(hex(b.subarray(7, 11)), '00 06 14 00');
  assert.throws(
    () => encodeCommand({ type: 'OUT', records: [{ output: 0, code: 6, timerMs: 7_000_000 }] }, { address: 1, sequence: 1 }),
    /timer/,
  );
  assert.throws(() => encodeCommand({ type: 'POLL' }, { address: 200, sequence: 1 }), /address/);
});

test('decode errors are typed, carry the byte offset, and never throw', () => {
  const id = fromHex('53 00 09 00 04 61 00 C0 66');
  const badCrc = id.slice();
  badCrc[8] = 0x67;
  assert.deepEqual(
    [decode(badCrc), decode(id.subarray(0, 5)), decode(fromHex('54 00 09')), decode(new Uint8Array(0))].map((r) => !r.ok && r.error.kind),
    ['bad-check', 'truncated', 'bad-som', 'truncated'],
  );
  const r = decode(badCrc);
  assert.ok(!r.ok && r.error.offset === 7);
  // unknown command code in a well-formed frame
  const unk = decodeCommand(buildFrame({ address: 0, sequence: 1, code: 0x99 }));
  assert.ok(!unk.ok && unk.error.kind === 'unknown-code');
  // OUT with a bad control code: a decode error at the record's byte
  const out = encodeCommand({ type: 'OUT', records: [{ output: 0, code: 1, timerMs: 0 }] }, { address: 0, sequence: 1, mark: false });
  out[7] = 9;
  const crc = crc16(out, 0, out.length - 2);
  out[out.length - 2] = crc & 0xff;
  out[out.length - 1] = crc >> 8;
  const e = decodeCommand(out);
  assert.ok(!e.ok && e.error.kind === 'bad-data' && e.error.offset === 7, JSON.stringify(e));
  // a reply given where a command is expected
  const ack = decodeCommand(fromHex('53 80 08 00 05 40 68 9F'));
  assert.ok(!ack.ok && ack.error.kind === 'wrong-direction');
});
