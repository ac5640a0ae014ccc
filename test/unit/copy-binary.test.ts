import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowRoom, writeRow, type CopyField } from '../../server/copy-binary';

const U1 = '00112233-4455-6677-8899-aabbccddeeff';
const U2 = 'ffeeddcc-bbaa-9988-7766-554433221100';
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const uuidBytes = (u: string) => Buffer.from(u.replaceAll('-', ''), 'hex');

test('a COPY row in binary: each field its length and bytes, NULL as -1, uuid[] as a one-dimensional array', () => {
  const fields: CopyField[] = [{ uuid: U1 }, { uuid: null }, { uuids: [] }, { uuids: [U1, U2] }, { text: 'é—"\\' }];
  const buf = Buffer.alloc(rowRoom(fields));
  const end = writeRow(buf, 0, fields);
  const text = Buffer.from('é—"\\', 'utf8');
  const expected = Buffer.concat([
    Buffer.from([0, 5]),
    int32(16),
    uuidBytes(U1),
    int32(-1),
    int32(12),
    int32(0),
    int32(0),
    int32(2950),
    int32(20 + 2 * 20),
    int32(1),
    int32(0),
    int32(2950),
    int32(2),
    int32(1),
    int32(16),
    uuidBytes(U1),
    int32(16),
    uuidBytes(U2),
    int32(text.length),
    text,
  ]);
  assert.deepEqual(buf.subarray(0, end), expected);
});

test('a COPY row refuses a value that is not a lower-case UUID', () => {
  const buf = Buffer.alloc(100);
  assert.throws(() => writeRow(buf, 0, [{ uuid: U1.toUpperCase() }]), /not a lower-case UUID digit: A/);
  assert.throws(() => writeRow(buf, 0, [{ uuid: 'abc' }]), /not a UUID: abc/);
});
