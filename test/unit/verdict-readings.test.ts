import { test } from 'node:test';
import assert from 'node:assert/strict';
import { procedureFor, DEFAULT_SETTINGS } from '../../core/procedures';
import type { ConfirmStep, WatchStep } from '../../core/procedures';
import { combineSteps, interpretInputs, judgeConfirm, judgePrecheck, judgeWatch, type WatchEvidence } from '../../core/verdicts';
import { makeOpening } from '../support/runs-harness';

test('inputs are read through binding and polarity; v2.2.2 fault values are faults, never values', () => {
  const o = makeOpening();
  assert.deepEqual(
    [interpretInputs(o, [1, 0, 0]).lockStatus, interpretInputs(o, [0, 1, 1]).dps, interpretInputs(o, [0, 1, 1]).rex].map(
      (r) => r.ok && r.value,
    ),
    ['secured', 'open', 'active'],
  );
  const inverted = makeOpening({ lock_status_active: 'released', dps_active: 'closed' });
  const r = interpretInputs(inverted, [1, 1, 0]);
  assert.ok(r.lockStatus.ok && r.lockStatus.value === 'released' && r.dps.ok && r.dps.value === 'closed');
  for (const [v, fault] of [
    [2, 'short'],
    [3, 'open'],
    [4, 'fault'],
    [5, 'unknown'],
    [9, 'invalid'],
  ] as const) {
    const x = interpretInputs(o, [v, 0, 0]).lockStatus;
    assert.ok(!x.ok && x.fault === fault, `value ${v}`);
  }
  const unbound = interpretInputs(makeOpening({ lock_status_input: null }), [1]).lockStatus;
  assert.ok(!unbound.ok && unbound.fault === 'unbound' && /not wired/.test(unbound.reason));
  const short = interpretInputs(o, [1]).dps;
  assert.ok(!short.ok && short.fault === 'missing');
});

test('precheck: an unwired sensor that reads "released" with power on makes lock-status untrusted', () => {
  const o = makeOpening();
  assert.equal(judgePrecheck(o, { sentAt: 0, at: 1, values: [1, 0, 0] }, [1, 0]).baseline.lockTrusted, true);
  const inactive = judgePrecheck(o, { sentAt: 0, at: 1, values: [0, 0, 0] }, [1, 0]);
  assert.equal(inactive.verdict, 'inconclusive');
  assert.equal(inactive.baseline.lockTrusted, false);
  const open = judgePrecheck(o, { sentAt: 0, at: 1, values: [3, 0, 0] }, [1, 0]);
  assert.match(open.baseline.reason!, /open circuit/);
  assert.match(
    judgePrecheck(o, { sentAt: 0, at: 1, values: [1, 0, 0] }, [0, 0]).reason,
    /lock power reads dropped before anything was switched/,
  );
});

const step = (id: string) => procedureFor(makeOpening(), 'power-drop', DEFAULT_SETTINGS).steps.find((s) => s.id === id) as WatchStep;
const ev = (trace: [number, number][], over: Partial<WatchEvidence> = {}): WatchEvidence => ({
  opening: makeOpening(),
  baseline: { lockTrusted: true, reason: null },
  stepStart: 0,
  clockStart: 0,
  trace: trace.map(([at, lock], i) => ({ sentAt: i === 0 ? 0 : trace[i - 1]![0], at, values: [lock, 0, 0] })),
  attemptReportedAt: null,
  stimulusEnd: null,
  linkLost: null,
  blockedBy: null,
  maxGapMs: 1000,
  attemptWatchMs: 2000,
  ...over,
});

test('release watch: pass within threshold with resolution, fail after, inconclusive when the resolution straddles it', () => {
  const w = step('release');
  const pass = judgeWatch(
    w,
    ev([
      [100, 1],
      [200, 1],
      [300, 0],
    ]),
    300,
  );
  assert.equal(pass.verdict, 'pass');
  assert.equal(pass.measuredMs, 300);
  // The previous "secured" reading was sampled somewhere between its request (100) and reply (200): the release
  // happened after 100 at the earliest, so the measurement's resolution is 300 − 100.
  assert.equal(pass.resolutionMs, 200);
  const held = ev([...Array.from({ length: 21 }, (_, i) => [(i + 1) * 100, 1] as [number, number])]);
  // Held past the limit with power still off: not final yet, a release attempt is asked for (which cause?).
  const asking = judgeWatch(w, { ...held, stimulusEnd: 12_000 }, 2100);
  assert.equal(asking.done, false);
  assert.equal(asking.wantAttempt, true);
  const fail = judgeWatch({ ...w, diagnose: undefined }, held, 2100);
  assert.equal(fail.verdict, 'fail');
  assert.match(
    fail.deficiency!.description,
    /fail-safe expected on an egress door; the lock held on power loss — occupants can be trapped/,
  );
  const straddle = judgeWatch(
    w,
    ev([
      [1900, 1],
      [2100, 0],
    ]),
    2100,
  );
  assert.equal(straddle.verdict, 'inconclusive');
  const waiting = judgeWatch(w, ev([[100, 1]]), 100);
  assert.equal(waiting.done, false);
});

test('a lost link, a reading gap or a sensor fault mid-step is inconclusive, never pass', () => {
  const w = step('release');
  assert.match(judgeWatch(w, ev([[100, 1]], { linkLost: { at: 150, reason: 'no reply' } }), 200).reason, /link was lost/);
  // A release seen late but within the limit is still a pass (the measurement is an upper bound)…
  assert.equal(
    judgeWatch(
      w,
      ev([
        [100, 1],
        [1500, 0],
      ]),
      1500,
    ).verdict,
    'pass',
  );
  // …but "never released" needs the window covered: a release that came and went while no reading was taken
  // (the PD restored power before the first reading on a busy bus) must not become a false fail.
  const late = judgeWatch(
    w,
    ev([
      [1500, 1],
      [2100, 1],
    ]),
    2100,
  );
  assert.equal(late.verdict, 'inconclusive');
  assert.match(late.reason, /no reading for .* the lock may have changed unseen/);
  const hold = procedureFor(
    makeOpening({ fail_mode: 'fail-secure', egress: 'mechanical', locking_arrangement: 'normal' }),
    'power-drop',
    DEFAULT_SETTINGS,
  ).steps.find((s) => s.id === 'hold') as WatchStep;
  assert.match(
    judgeWatch(
      hold,
      ev(
        [
          [100, 1],
          [1500, 1],
        ],
        { attemptReportedAt: 50 },
      ),
      1500,
    ).reason,
    /no reading for 1\.5 s/,
  );
  assert.equal(
    judgeWatch(
      w,
      ev([
        [100, 1],
        [200, 3],
      ]),
      200,
    ).verdict,
    'inconclusive',
  );
  const untrusted = judgeWatch(w, ev([[2100, 0]], { baseline: { lockTrusted: false, reason: 'sensor unwired' } }), 2100);
  assert.equal(untrusted.verdict, 'inconclusive');
  assert.match(untrusted.reason, /technician's confirmation is the evidence/);
});

test('confirmations: the expected answer passes as person evidence, the other fails with the risk, none is inconclusive', () => {
  const c = procedureFor(makeOpening(), 'power-drop', DEFAULT_SETTINGS).steps.find((s) => s.id === 'door-opened') as ConfirmStep;
  assert.equal(judgeConfirm(c, 'yes').verdict, 'pass');
  assert.equal(judgeConfirm(c, 'no').deficiency?.severity, 'life-safety');
  assert.equal(judgeConfirm(c, null).verdict, 'inconclusive');
  assert.equal(judgeConfirm(c, 'not-checked').verdict, 'inconclusive');
  const combined = combineSteps([
    { stepId: 'release', title: 'Release', kind: 'watch', v: { verdict: 'inconclusive', reason: 'sensor unwired' } },
    { stepId: 'door-opened', title: 'Door opens', kind: 'confirm', v: judgeConfirm(c, 'yes') },
  ]);
  assert.equal(combined.verdict, 'inconclusive');
  assert.match(combined.reason, /The technician's confirmation is the evidence/);
});

test('a REX pressed before lock power dropped makes a release in the hold window inconclusive, not a stuck-relay fail', () => {
  const hold = procedureFor(
    makeOpening({ fail_mode: 'fail-secure', egress: 'mechanical', locking_arrangement: 'normal' }),
    'power-drop',
    DEFAULT_SETTINGS,
  ).steps.find((s) => s.id === 'hold') as WatchStep;
  const withRex = (trace: [number, number, number][]) =>
    ev(
      trace.map(([at, lock]) => [at, lock]),
      {},
    ).trace.map((x, i) => ({ ...x, values: [x.values[0]!, 0, trace[i]![2]] }));
  const early = judgeWatch(
    hold,
    {
      ...ev([]),
      trace: withRex([
        [100, 1, 1],
        [200, 0, 1],
      ]),
    },
    200,
  );
  assert.equal(early.verdict, 'inconclusive');
  assert.match(early.reason, /REX was already active/);
  const late = judgeWatch(
    hold,
    {
      ...ev([]),
      trace: withRex([
        [100, 1, 0],
        [200, 1, 1],
        [300, 0, 1],
      ]),
    },
    300,
  );
  assert.equal(late.verdict, 'fail');
  assert.match(late.deficiency!.description, /stuck relay/);
});
