// The PD identity as a technician compares it with libosdp's output and the device label.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summariseIdentity } from '../../controller/driver';

test('vendor code in the order libosdp prints it: the three PDID bytes as a little-endian 24-bit number', () => {
  const id = summariseIdentity({
    type: 'PDID',
    vendor: [0x5c, 0x26, 0x0a],
    model: 0x12,
    version: 1,
    serial: 0x10002,
    firmware: { major: 2, minor: 2, build: 2 },
  });
  assert.deepEqual(id, { vendor: '0x0A265C', model: 0x12, version: 1, serial: '00010002', firmware: '2.2.2' });
  assert.equal(
    summariseIdentity({ type: 'PDID', vendor: [1, 0, 0], model: 0, version: 0, serial: 0, firmware: { major: 0, minor: 0, build: 0 } })
      ?.vendor,
    '0x000001',
  );
});
