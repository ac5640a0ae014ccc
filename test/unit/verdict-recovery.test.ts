// Crash recovery in the runner core: resuming an attempt interrupted while lock
// power was dropped reads the PD's outputs, restores power with a (timed) output
// before anything else, records the interrupted step as inconclusive — never
// pass, never a false fail from a watch without its stimulus — and ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, procedureFor } from '../../core/procedures';
import { ProcedureMachine, type RunnerAction, type RunnerEvent, type StepRecord } from '../../core/runs/machine';
import { makeOpening } from '../support/runs-harness';

const opening = makeOpening();
const procedure = procedureFor(opening, 'power-drop', DEFAULT_SETTINGS);
const committed: StepRecord[] = ['precheck', 'drop-power'].map((stepId, stepIndex) => ({
  procedureId: 'power-drop',
  stepId,
  stepIndex,
  kind: stepIndex === 0 ? 'precheck' : 'output',
  title: stepId,
  verdict: 'pass',
  reason: 'ok',
  measuredMs: null,
  resolutionMs: null,
  startedAt: 0,
  endedAt: 1,
  deficiency: null,
  personEvidence: false,
  evidence: {},
}));

function drive(m: ProcedureMachine, outputs: number[][]): RunnerAction[] {
  const seen: RunnerAction[] = [];
  let ev: RunnerEvent = { type: 'start', now: 100 };
  for (let i = 0; i < 50; i++) {
    const a = m.handle(ev);
    seen.push(a);
    if (a.type === 'done') break;
    const now = 100 + i;
    if (a.type === 'read-outputs') ev = { type: 'outputs', now, values: outputs.shift() ?? [1, 0] };
    else if (a.type === 'output') ev = { type: 'output-done', now, sentAt: now };
    else if (a.type === 'record') ev = { type: 'committed', now };
    else ev = { type: 'tick', now };
  }
  return seen;
}

test('resume with lock power still dropped: warn, read outputs, restore, record the interrupted step, end inconclusive', () => {
  const m = new ProcedureMachine({ opening, procedure, committed, recover: true });
  const seen = drive(m, [
    [0, 0],
    [1, 0],
  ]);
  const warning = seen.find((a) => a.type === 'prompt');
  assert.ok(warning?.type === 'prompt' && warning.prompt.kind === 'warning' && /Lock power may still be dropped/.test(warning.prompt.text));
  const firstIo = seen.find((a) => a.type === 'read-outputs' || a.type === 'output' || a.type === 'read-inputs');
  assert.equal(firstIo?.type, 'read-outputs', "the PD's outputs are read before anything else");
  const restore = seen.find((a) => a.type === 'output');
  assert.ok(
    restore?.type === 'output' &&
      restore.purpose === 'restore' &&
      restore.point === 'lock_output' &&
      restore.state === 'on' &&
      restore.durationMs === 100,
  );
  const records = seen.filter((a) => a.type === 'record');
  assert.equal(records.length, 1, 'only the interrupted step is recorded; nothing after it is judged');
  const first = records[0];
  const rec = first?.type === 'record' ? first.result : null;
  assert.equal(rec?.stepId, 'release');
  assert.equal(rec?.verdict, 'inconclusive');
  assert.match(rec?.reason ?? '', /^interrupted: .*DoorCx restored it/);
  const done = seen[seen.length - 1]!;
  assert.ok(done.type === 'done' && done.verdict.verdict === 'inconclusive');
});

test('resume with power already back (the PD timer ended): no command is sent', () => {
  const m = new ProcedureMachine({ opening, procedure, committed, recover: true });
  const seen = drive(m, [[1, 0]]);
  assert.ok(!seen.some((a) => a.type === 'output'));
  const rec = seen.find((a) => a.type === 'record');
  assert.ok(rec?.type === 'record' && rec.result.verdict === 'inconclusive' && /PD reports lock power on/.test(rec.result.reason));
});

test('a record must be committed before the core hands out anything else', () => {
  const m = new ProcedureMachine({ opening, procedure });
  let a = m.handle({ type: 'start', now: 0 });
  assert.equal(a.type, 'read-outputs');
  a = m.handle({ type: 'outputs', now: 1, values: [1, 0] });
  assert.equal(a.type, 'read-inputs');
  a = m.handle({ type: 'inputs', now: 2, sentAt: 1, values: [1, 0, 0] });
  assert.equal(a.type, 'record');
  assert.throws(() => m.handle({ type: 'tick', now: 3 }), /must be committed before anything else/);
});
