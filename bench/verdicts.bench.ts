// Verdict core figures: how long one judgement takes at the end of a long watched window (the runner
// judges after every reading, re-reading the whole trace), and how many whole procedures the runner core
// + door model get through per second in virtual time (the verdict matrix's speed).
import { procedureFor, resolveSettings, type WatchStep } from '../core/procedures';
import { judgeWatch, type WatchEvidence } from '../core/verdicts';
import type { Sample } from '../core/verdicts/types';
import { makeOpening, runInVirtualTime } from '../test/support/runs-harness';

const opening = makeOpening({ fail_mode: 'fail-secure', category: 'perimeter', egress: 'mechanical', locking_arrangement: 'normal' });

function judgeAtEnd(windowMs: number, pollMs: number): { readings: number; usPerJudgement: number } {
  const settings = resolveSettings({ thresholds: { holdWindowMs: windowMs } });
  const hold = procedureFor(opening, 'power-drop', settings).steps.find((s) => s.id === 'hold') as WatchStep;
  const trace: Sample[] = [];
  for (let at = pollMs; at <= windowMs + 3000; at += pollMs)
    trace.push({ sentAt: at - pollMs + 1, at, values: [1, 0, at === 1000 ? 1 : 0] });
  const ev: WatchEvidence = {
    opening,
    baseline: { lockTrusted: true, reason: null },
    stepStart: 0,
    clockStart: 0,
    trace,
    attemptReportedAt: null,
    stimulusEnd: windowMs + 3000,
    linkLost: null,
    blockedBy: null,
    maxGapMs: 250,
    attemptWatchMs: 2000,
  };
  const n = 200;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) judgeWatch(hold, ev, windowMs + 3000);
  return { readings: trace.length, usPerJudgement: ((performance.now() - t0) / n) * 1000 };
}

for (const [windowMs, pollMs] of [
  [10_000, 50],
  [30_000, 50],
  [30_000, 5],
] as const) {
  const r = judgeAtEnd(windowMs, pollMs);
  console.log(
    `judge hold at window end: ${windowMs / 1000} s window, ${pollMs} ms polls, ${r.readings} readings → ${r.usPerJudgement.toFixed(1)} µs per judgement`,
  );
}

const settings = resolveSettings({ thresholds: { holdWindowMs: 3000, alarmHoldMs: 2000, pollIntervalMs: 100, promptTimeoutMs: 20_000 } });
for (const proc of ['power-drop', 'alarm-release'] as const) {
  for (const mode of ['fail-safe', 'fail-secure'] as const) {
    const o = makeOpening({ fail_mode: mode, fire_alarm_release: true, locking_arrangement: 'normal', category: 'perimeter' });
    const plan = procedureFor(o, proc, settings);
    const runs = 200;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) runInVirtualTime({ opening: o, procedure: plan });
    const ms = performance.now() - t0;
    console.log(`virtual-time ${proc} (${mode}): ${((runs / ms) * 1000).toFixed(0)} procedures/s (${(ms / runs).toFixed(2)} ms each)`);
  }
}
