// The reply timer over a memory line that models RS-485 wire time: the PD's 200 ms start when our last byte
// has left the wire, so a long command at 9600 baud to a PD that answers late (but in time) is not retried.
// The PD answers 120 ms after the last byte: the reply is on the wire at ~239 ms after the send call, past the old
// 200 ms deadline, and 72 ms inside the right one (311 ms), a margin a loaded test machine keeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OsdpController } from '../../controller/driver';
import { Framer, encodeReply, type LedRecord } from '../../controller/protocol';
import { memoryPair } from '../../controller/serial/transport';

const led = (n: number): LedRecord => ({
  reader: 0,
  led: n,
  temporary: { control: 0, onTime: 0, offTime: 0, onColor: 0, offColor: 0, timer: 0 },
  permanent: { control: 1, onTime: 1, offTime: 0, onColor: 2, offColor: 0 },
});

test('a 107-byte command at 9600 baud to a PD that answers 120 ms after the last byte is not retried', async (t) => {
  const pair = memoryPair({ baud: 9600, modelWireTime: true });
  await pair.bus.open();
  const framer = new Framer();
  const received: { code: number; seq: number; bytes: number; at: number }[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let raw = 0; // bytes on the wire for the frame being received (mark included)
  pair.bus.onData((b) => {
    raw += b.length;
    for (const out of framer.push(b, performance.now())) {
      if (out.type !== 'frame') continue;
      const f = out.frame.frame;
      received.push({ code: f.code, seq: f.sequence, bytes: raw, at: performance.now() });
      raw = 0;
      const reply = encodeReply({ type: 'ACK' }, { address: f.address, sequence: f.sequence });
      // The PD is slow on LED (a long frame to act on) but within its 200 ms.
      const delay = f.code === 0x69 ? 120 : 0;
      const timer = setTimeout(() => {
        timers.delete(timer);
        void pair.bus.write(reply);
      }, delay);
      timers.add(timer);
    }
  });
  const ctl = new OsdpController(pair.acu);
  await ctl.open();
  t.after(async () => {
    for (const x of timers) clearTimeout(x);
    await ctl.close();
    await pair.bus.close();
  });
  const reply = await ctl.request(1, { type: 'LED', records: Array.from({ length: 7 }, (_, i) => led(i)) });
  assert.equal(reply.type, 'ACK');
  const leds = received.filter((r) => r.code === 0x69);
  assert.equal(leds[0]!.bytes, 107, 'the command is 107 bytes on the wire (111 ms at 9600 baud)');
  assert.equal(leds.length, 1, `sent once, not retried (sends at ${leds.map((l) => Math.round(l.at)).join(', ')} ms)`);
  assert.equal(ctl.status(1)!.counters.retries, 0);
  assert.equal(ctl.status(1)!.counters.timeouts, 0);
});
