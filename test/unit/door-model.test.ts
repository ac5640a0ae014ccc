import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Opening } from '../../core/schedule/types';
import { DoorModel, LOCK_TIMING, doorConfigFromOpening } from '../../controller/sim/door-model';
import { doorConfig } from '../fixtures/sim/door-config';

test('fail-safe: secured while powered, releases after the release delay when the relay cuts power, relocks after restore', () => {
  const d = new DoorModel(doorConfig(), 0);
  assert.equal(d.state(0).mechanism, 'secured');
  assert.deepEqual(d.inputs(0), { lockStatus: 1, dps: 0, rex: 0 });
  d.setLockRelay(false, 1000);
  assert.equal(d.state(1000).lockPowered, false);
  assert.equal(d.state(1199).mechanism, 'secured', 'still held during the release delay');
  assert.equal(d.state(1200).mechanism, 'released');
  assert.equal(d.inputs(1200).lockStatus, 0);
  d.setLockRelay(true, 5000);
  assert.equal(d.state(5099).mechanism, 'released', 'relock delay');
  assert.equal(d.state(5100).mechanism, 'secured');
});

test('fail-safe: a power blip shorter than the release delay never releases', () => {
  const d = new DoorModel(doorConfig(), 0);
  d.setLockRelay(false, 100);
  d.setLockRelay(true, 150);
  assert.equal(d.state(10_000).mechanism, 'secured');
});

test('fail-safe: REX releases it while powered (access control cuts power), then it relocks', () => {
  const d = new DoorModel(doorConfig(), 0);
  d.pressRex(0);
  assert.equal(d.inputs(0).rex, 1);
  assert.equal(d.state(200).mechanism, 'released');
  assert.equal(d.inputs(1000).rex, 0);
  assert.equal(d.state(1100).mechanism, 'secured');
});

test('fail-secure: holds when power is dropped, even when a release is attempted', () => {
  const d = new DoorModel(doorConfig({ scheduledMode: 'fail-secure', lockType: 'electric-strike' }), 0);
  assert.equal(d.state(0).mechanism, 'secured');
  d.setLockRelay(false, 10);
  d.pressRex(20);
  d.presentCredential(30);
  assert.equal(d.state(5000).mechanism, 'secured');
  assert.equal(d.push(100, 'secure'), false, 'door does not open from the secure side');
  assert.equal(d.state(100).doorOpen, false);
});

test('fail-secure: released only while powered AND a release is commanded', () => {
  const d = new DoorModel(doorConfig({ scheduledMode: 'fail-secure' }), 0);
  d.presentCredential(1000);
  assert.equal(d.state(1199).mechanism, 'secured');
  assert.equal(d.state(1200).mechanism, 'released');
  assert.equal(d.state(4000).mechanism, 'released', 'credential window is 3000 ms');
  assert.equal(d.state(4100).mechanism, 'secured');
});

test('fire alarm via alarm_output removes power from a tied lock: fail-safe releases; untied lock unaffected', () => {
  const tied = new DoorModel(doorConfig(), 0);
  tied.setAlarmRelay(true, 0);
  assert.equal(tied.state(0).lockPowered, false);
  assert.equal(tied.state(200).mechanism, 'released');
  tied.setAlarmRelay(false, 1000);
  assert.equal(tied.state(1100).mechanism, 'secured');

  const untied = new DoorModel(doorConfig({ fireAlarmRelease: false }), 0);
  untied.setAlarmRelay(true, 0);
  assert.equal(untied.state(0).fireAlarmActive, true);
  assert.equal(untied.state(0).lockPowered, true);
  assert.equal(untied.state(5000).mechanism, 'secured');
});

test('panel fire alarm is latched until reset', () => {
  const d = new DoorModel(doorConfig(), 0);
  d.setPanelFireAlarm(true, 0);
  assert.equal(d.state(60_000).mechanism, 'released');
  d.setPanelFireAlarm(false, 60_000);
  assert.equal(d.state(60_100).mechanism, 'secured');
});

test('door position: opens only when released from the secure side, closes after the hold, relock waits for the door', () => {
  const d = new DoorModel(doorConfig(), 0);
  assert.equal(d.push(0, 'secure'), false);
  d.setLockRelay(false, 0);
  assert.equal(d.push(200, 'secure', 2000), true);
  assert.deepEqual(d.inputs(200), { lockStatus: 0, dps: 1, rex: 0 });
  d.setLockRelay(true, 300);
  assert.equal(d.state(1500).mechanism, 'released', 'cannot relock onto an open door');
  assert.equal(d.state(2200).doorOpen, false);
  assert.equal(d.state(2299).mechanism, 'released');
  assert.equal(d.state(2300).mechanism, 'secured');
  assert.equal(d.inputs(2300).lockStatus, 1);
});

test('mechanical egress frees the door from the egress side even when secured', () => {
  const d = new DoorModel(doorConfig({ scheduledMode: 'fail-secure', mechanicalEgress: true }), 0);
  d.setLockRelay(false, 0);
  assert.equal(d.push(10, 'secure'), false);
  assert.equal(d.push(10, 'egress'), true);
  assert.equal(d.state(10).mechanism, 'secured');
  assert.equal(d.inputs(10).lockStatus, 0, 'a bond sensor does not read secured with the door open');
  const noMech = new DoorModel(doorConfig({ scheduledMode: 'fail-secure', mechanicalEgress: false }), 0);
  assert.equal(noMech.push(10, 'egress'), false);
});

test('input polarity: lock_status_active=released and dps_active=closed invert the raw values', () => {
  const d = new DoorModel(doorConfig({ lockStatusActive: 'released', dpsActive: 'closed' }), 0);
  assert.deepEqual(d.inputs(0), { lockStatus: 0, dps: 1, rex: 0 });
  d.setLockRelay(false, 0);
  d.push(500, 'secure', 1000);
  assert.deepEqual(d.inputs(500), { lockStatus: 1, dps: 0, rex: 0 });
});

test('fault: installed mode opposite to the schedule (ordered fail-safe, installed fail-secure holds on power loss)', () => {
  const d = new DoorModel(doorConfig({ faults: { modeOpposite: true } }), 0);
  assert.equal(d.installedMode, 'fail-secure');
  d.setLockRelay(false, 0);
  assert.equal(d.state(10_000).mechanism, 'secured');
  const reverse = new DoorModel(doorConfig({ scheduledMode: 'fail-secure', faults: { modeOpposite: true } }), 0);
  reverse.setLockRelay(false, 0);
  assert.equal(reverse.state(10_000).mechanism, 'released');
});

test('fault: stuck relay keeps lock power on; a release attempt on a fail-secure lock then releases it', () => {
  const safe = new DoorModel(doorConfig({ faults: { stuckRelay: true } }), 0);
  safe.setLockRelay(false, 0);
  assert.equal(safe.state(10_000).lockPowered, true);
  assert.equal(safe.state(10_000).mechanism, 'secured');
  const secure = new DoorModel(doorConfig({ scheduledMode: 'fail-secure', faults: { stuckRelay: true } }), 0);
  secure.setLockRelay(false, 0);
  secure.pressRex(100);
  assert.equal(secure.state(400).mechanism, 'released', 'the release attempt exposes power that was never dropped');
  // The fire alarm interface still cuts power downstream of the relay.
  safe.setAlarmRelay(true, 20_000);
  assert.equal(safe.state(20_200).mechanism, 'released');
});

test('fault: unwired lock-status sensor reads inactive, or 3 (open circuit) when supervised', () => {
  const inactive = new DoorModel(doorConfig({ faults: { lockStatusUnwired: 'inactive' } }), 0);
  assert.equal(inactive.inputs(0).lockStatus, 0);
  const open = new DoorModel(doorConfig({ faults: { lockStatusUnwired: 'open' } }), 0);
  assert.equal(open.inputs(0).lockStatus, 3);
  open.setLockRelay(false, 0);
  assert.equal(open.inputs(1000).lockStatus, 3);
  assert.equal(open.state(1000).mechanism, 'released', 'the lock still works, only the sensor is missing');
});

test('faults can be changed at run time; PD faults are carried for the PD simulator', () => {
  const d = new DoorModel(doorConfig(), 0);
  d.setFaults({ pd: 'silent', modeOpposite: true }, 100);
  assert.equal(d.faults.pd, 'silent');
  d.setLockRelay(false, 200);
  assert.equal(d.state(5000).mechanism, 'secured');
});

test('nextEventAt names the next self-driven change; time never goes back', () => {
  const d = new DoorModel(doorConfig(), 0);
  assert.equal(d.nextEventAt(), null);
  d.setLockRelay(false, 50);
  assert.equal(d.nextEventAt(), 250);
  d.advance(250);
  assert.equal(d.nextEventAt(), null);
  d.advance(100);
  assert.equal(d.state(100).mechanism, 'released');
});

test('doorConfigFromOpening takes mode, type, alarm tie, egress and polarities from the schedule', () => {
  const opening = {
    opening_id: '1-101',
    lock_type: 'maglock',
    fail_mode: 'fail-safe',
    fire_alarm_release: true,
    egress: 'electronic',
    lock_status_active: 'secured',
    dps_active: 'open',
  } as Opening;
  const c = doorConfigFromOpening(opening, { stuckRelay: true });
  assert.equal(c.openingId, '1-101');
  assert.equal(c.scheduledMode, 'fail-safe');
  assert.equal(c.fireAlarmRelease, true);
  assert.equal(c.mechanicalEgress, false);
  assert.equal(c.releaseDelayMs, LOCK_TIMING.maglock.releaseDelayMs);
  assert.equal(c.faults.stuckRelay, true);
});

test('fault: a back-fed lock re-secures while its own feed is still cut, at the exact time, and frees when the feed returns', () => {
  const d = new DoorModel(doorConfig({ faults: { backfeedAfterMs: 4000 } }), 0);
  d.setLockRelay(false, 1000);
  assert.equal(d.state(1200).mechanism, 'released');
  assert.equal(d.nextEventAt(), 5000, 'the second feed is an event the runner can wake for');
  assert.equal(d.state(4999).lockPowered, false);
  assert.equal(d.state(5000).lockPowered, true);
  assert.equal(d.state(5099).mechanism, 'released', 'relock delay');
  assert.equal(d.state(5100).mechanism, 'secured', 're-secured 4.1 s into the drop, power still "off" at the relay');
  assert.equal(d.state(5100).lockRelayOn, false);
  d.setLockRelay(true, 8000);
  d.setLockRelay(false, 9000);
  assert.equal(d.state(9200).mechanism, 'released', 'a new cut starts a new back-feed delay');
  assert.equal(d.state(12_999).mechanism, 'released');
  assert.equal(d.state(13_100).mechanism, 'secured');
  // The fire alarm cutting power is a cut too.
  const a = new DoorModel(doorConfig({ faults: { backfeedAfterMs: 2000 } }), 0);
  a.setAlarmRelay(true, 0);
  assert.equal(a.state(300).mechanism, 'released');
  assert.equal(a.state(2100).mechanism, 'secured');
});
