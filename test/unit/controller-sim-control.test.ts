// The simulator controls' mapping from API actions to simulator commands: each action
// reaches the simulator as the command it names, and a door action without a door is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../app/contract';
import { simCommand } from '../../app/handlers/controller/sim-control';

test('each simulator action becomes the command it names', () => {
  const id = '1-101';
  assert.deepEqual(simCommand({ action: 'rex', openingId: id }), { action: 'rex', openingId: id });
  assert.deepEqual(simCommand({ action: 'push', openingId: id }), { action: 'push', openingId: id, side: 'secure' });
  assert.deepEqual(simCommand({ action: 'push-egress', openingId: id }), { action: 'push', openingId: id, side: 'egress' });
  assert.deepEqual(simCommand({ action: 'credential', openingId: id }), { action: 'credential', openingId: id });
  assert.deepEqual(simCommand({ action: 'fire-alarm' }), { action: 'fire-alarm', active: true });
  assert.deepEqual(simCommand({ action: 'fire-alarm-reset' }), { action: 'fire-alarm', active: false });
  assert.deepEqual(simCommand({ action: 'set-faults', openingId: id, faults: { stuckRelay: true } }), {
    action: 'set-faults',
    openingId: id,
    faults: { stuckRelay: true },
  });
  assert.deepEqual(simCommand({ action: 'set-faults', openingId: id }), { action: 'set-faults', openingId: id, faults: {} });
  assert.deepEqual(simCommand({ action: 'tamper', openingId: id }), { action: 'local-status', openingId: id, tamper: true });
  assert.deepEqual(simCommand({ action: 'tamper-clear', openingId: id }), { action: 'local-status', openingId: id, tamper: false });
  assert.deepEqual(simCommand({ action: 'power-fail', openingId: id }), { action: 'local-status', openingId: id, powerFailure: true });
  assert.deepEqual(simCommand({ action: 'power-restore', openingId: id }), {
    action: 'local-status',
    openingId: id,
    powerFailure: false,
  });
});

test('a door action without an opening is refused, naming the field', () => {
  for (const action of ['rex', 'push', 'push-egress', 'credential', 'set-faults', 'tamper', 'power-fail'] as const) {
    assert.throws(
      () => simCommand({ action }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 'invalid-input' &&
        err.message === `Action "${action}" needs an openingId.` &&
        JSON.stringify(err.details) === JSON.stringify([{ field: 'openingId', reason: 'required' }]),
    );
  }
});
