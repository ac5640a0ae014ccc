// The command log's wording (what the technician reads) and the simulator config's error messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandLog, describeCommand, describeReply } from '../../controller/command-log';
import { encodeCommand, encodeReply, hex } from '../../controller/protocol';
import { readSimSiteConfig } from '../../controller/sim/site-config';
import { parseSimSiteConfig } from '../../controller/sim/site-sim';

test('log entries: direction, decoded meaning, hex; idle POLL/ACK marked; drops and notes kept; capacity bounded', () => {
  const log = new CommandLog(5);
  const seen: string[] = [];
  log.onEntry((e) => seen.push(e.direction));
  const poll = encodeCommand({ type: 'POLL' }, { address: 3, sequence: 1 });
  log.record({ type: 'tx', at: 1, address: 3, bytes: poll, command: { type: 'POLL' }, retry: false, secure: false }, 1000);
  const ack = encodeReply({ type: 'ACK' }, { address: 3, sequence: 1 });
  log.record({ type: 'rx', at: 2, address: 3, bytes: ack, reply: { type: 'ACK' }, secure: false }, 1001);
  const out = { type: 'OUT' as const, records: [{ output: 0, code: 6 as const, timerMs: 5000 }] };
  log.record(
    { type: 'tx', at: 3, address: 3, bytes: encodeCommand(out, { address: 3, sequence: 2 }), command: out, retry: true, secure: true },
    1002,
  );
  const r = log.recent();
  assert.deepEqual(
    r.map((e) => [e.direction, e.meaning, e.idle]),
    [
      ['tx', 'POLL · seq 1', true],
      ['rx', 'ACK · seq 1', true],
      ['tx', 'OUT out 0 temporary OFF for 5.0 s [secure] (retry) · seq 2', false],
    ],
  );
  assert.equal(r[0]?.hex, hex(poll));
  assert.equal(r[0]?.at, 1000);
  log.record(
    {
      type: 'drop',
      at: 4,
      drop: { reason: 'bad-check', count: 9, bytes: Uint8Array.of(0x53, 0x83), message: 'CRC mismatch on a 9-byte frame' },
    },
    1003,
  );
  log.record({ type: 'offline', at: 5, address: 3, silentMs: 8012 }, 1004);
  log.note(1005, 3, 'timed output 0 OFF');
  assert.equal(log.recent(10).length, 5, 'oldest entries dropped beyond capacity');
  assert.deepEqual(
    log.recent(3).map((e) => e.meaning),
    ['dropped 9 byte(s): bad-check — CRC mismatch on a 9-byte frame', 'PD offline (no valid reply for 8012 ms)', 'timed output 0 OFF'],
  );
  assert.deepEqual(seen, ['tx', 'rx', 'tx', 'drop', 'note', 'note']);
});

test('key material never reaches the log wording', () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => 0xc0 + i);
  const text = describeCommand({ type: 'KEYSET', keyType: 1, key });
  assert.equal(text, 'KEYSET (new secure-channel key; redacted)');
  assert.doesNotMatch(text, /C0|c0/);
  assert.equal(describeReply({ type: 'ISTATR', inputs: [1, 0, 3] }), 'ISTATR in0=active in1=inactive in2=open');
  assert.equal(describeReply({ type: 'NAK', code: 4, meaning: 'unexpected sequence number' }), 'NAK 4: unexpected sequence number');
});

test('simulator config: the demo file parses; a bad one names the field at fault', () => {
  const demo = readSimSiteConfig();
  assert.deepEqual(demo.openings['1-102']?.faults, { modeOpposite: true });
  assert.deepEqual(demo.openings['1-103']?.faults, { stuckRelay: true });
  assert.deepEqual(demo.openings['1-104']?.faults, { lockStatusUnwired: 'open' });
  assert.throws(
    () => parseSimSiteConfig({ openings: { '1-100': { scbk: '00 11' } } }),
    /openings\["1-100"\]\.scbk: must be 16 bytes of hex/,
  );
  assert.throws(
    () => parseSimSiteConfig({ openings: { '1-103': { faults: { stuckRelais: true } } } }),
    /openings\["1-103"\]\.faults: .*stuckRelais/,
  );
  assert.throws(
    () => parseSimSiteConfig({ openings: { '1-104': { faults: { lockStatusUnwired: 'loose' } } } }),
    /faults\.lockStatusUnwired: /,
  );
  assert.throws(() => parseSimSiteConfig({ openings: [] }), /simulator config openings: /);
  assert.throws(() => parseSimSiteConfig(null), /simulator config: /);
  assert.throws(() => readSimSiteConfig('/nonexistent/sim.json'), /Cannot read simulator config \/nonexistent\/sim\.json/);
});
