import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { z } from 'zod';
import { OPENING_FIELD_NAMES, OPENING_FIELDS, openingSchema, openingShape, parseField } from '../../core/schedule/schema';
import { CATEGORIES, LOCK_TYPES } from '../../core/schedule/types';
import { GOOD } from '../fixtures/schedules/openings';

test('a complete opening passes the schema unchanged', () => {
  assert.deepEqual(openingSchema.parse(GOOD), GOOD);
});

test('ranges: pd_address 0-126, points 0-255, fire rating 0-240', () => {
  for (const [field, ok, bad] of [
    ['pd_address', 126, 127],
    ['pd_address', 0, -1],
    ['lock_output', 255, 256],
    ['rex_input', 0, 1.5],
    ['fire_rating_min', 240, 241],
  ] as const) {
    assert.equal(parseField(field, ok).ok, true, `${field}=${ok}`);
    const r = parseField(field, bad);
    assert.equal(r.ok, false, `${field}=${bad}`);
  }
  const r = parseField('pd_address', '127');
  assert.ok(!r.ok && /PD address must be a whole number from 0 to 126/.test(r.reason));
});

test('required fields say so; defaulted fields take their default when blank', () => {
  const r = parseField('fail_mode', '');
  assert.ok(!r.ok && r.reason === 'Fail mode is required');
  assert.deepEqual(parseField('locking_arrangement', ''), { ok: true, value: 'normal' });
  assert.deepEqual(parseField('ndaa_889', ''), { ok: true, value: 'unknown' });
  assert.deepEqual(parseField('fire_alarm_release', ''), { ok: true, value: false });
  assert.deepEqual(parseField('pd_address', ''), { ok: true, value: null });
  assert.deepEqual(parseField('lock_status_active', ''), { ok: true, value: 'secured' });
  assert.deepEqual(parseField('dps_active', ''), { ok: true, value: 'open' });
});

test('an enum error lists the accepted values', () => {
  const r = parseField('category', 'lobby');
  assert.ok(!r.ok);
  for (const c of CATEGORIES) assert.ok(r.reason.includes(c));
});

test('single-line text refuses line breaks; notes keep them', () => {
  assert.equal(parseField('location', 'a\nb').ok, false);
  assert.deepEqual(parseField('notes', 'a\r\nb'), { ok: true, value: 'a\nb' });
});

test('the form path: whole-object validation names each bad field', () => {
  const r = openingSchema.safeParse({ ...GOOD, pd_address: 300, fail_mode: 'sideways', bogus: 1 });
  assert.equal(r.success, false);
  const paths = r.error.issues.map((i) => String(i.path[0] ?? i.code));
  assert.ok(paths.includes('pd_address'));
  assert.ok(paths.includes('fail_mode'));
  assert.ok(r.error.issues.some((i) => i.code === 'unrecognized_keys'));
});

test('OPENING_FIELDS covers every field in schema order, with options for enums', () => {
  assert.deepEqual(
    OPENING_FIELDS.map((m) => m.field),
    OPENING_FIELD_NAMES,
  );
  const lockType = OPENING_FIELDS.find((m) => m.field === 'lock_type')!;
  assert.equal(lockType.kind, 'enum');
  assert.deepEqual(lockType.options, LOCK_TYPES);
  assert.equal(lockType.required, true);
  assert.equal(OPENING_FIELDS.find((m) => m.field === 'pd_address')!.max, 126);
});

test('the fast path for canonical cells agrees with the schema on every field', () => {
  // Values the fast path accepts and values it must hand to the schema (which may reject them).
  const samples = [
    '',
    'yes',
    'no',
    'unknown',
    '0',
    '1',
    '24',
    '24.5',
    '126',
    '127',
    '240',
    '241',
    '255',
    '256',
    '20000',
    '1-101',
    ' padded ',
    'a\tb',
    'x\ny',
    'a\r\nb',
    // Spaces trim() removes beyond ASCII: no-break, ideographic, byte-order mark.
    'Lab\u00a0',
    '\u00a0Lab',
    '\u3000x',
    'x\ufeff',
    '-',
    // Numbers the fast path must read as Number() does, or leave to the schema.
    '007',
    '24.50',
    '0.5',
    '.5',
    '5.',
    '1.2.3',
    '+1',
    '-1',
    '1e3',
    '0x10',
    '123456789',
    '1234567890',
    '12.1234567890',
    '\u0661',
    '２４',
  ];
  const more = [
    ...CATEGORIES,
    ...LOCK_TYPES,
    'fail-safe',
    'fail-secure',
    'normal',
    'sensor-release',
    'mechanical',
    'electronic',
    'secured',
    'open',
    'closed',
  ];
  for (const field of OPENING_FIELD_NAMES) {
    for (const v of [...samples, ...more]) {
      const viaSchema = (openingShape[field] as z.ZodType).safeParse(v);
      const viaParse = parseField(field, v);
      assert.equal(viaParse.ok, viaSchema.success, `${field} ${JSON.stringify(v)}`);
      if (viaParse.ok && viaSchema.success) assert.deepEqual(viaParse.value, viaSchema.data, `${field} ${JSON.stringify(v)}`);
    }
  }
});
