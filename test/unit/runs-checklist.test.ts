// The pure checklist logic: which answers a checklist item needs, the step records and
// verdict its answers make, the steps and "cannot run here" reason the checklist shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { procedureFor, resolveSettings } from '../../core/procedures';
import { blockedReason, checklistAnswerProblems, checklistRecords, stepView, verdictOfRecords } from '../../core/runs/checklist';
import { GOOD } from '../fixtures/schedules/openings';

const settings = resolveSettings({});
const srDevice = procedureFor(GOOD, 'check-sr-device', settings);
const allYes = { 'sr-height': 'yes', 'sr-distance': 'yes', 'sr-sign': 'yes' } as const;

test('a checklist item needs every confirmation answered and nothing else', () => {
  assert.equal(checklistAnswerProblems(srDevice, allYes), null);
  const p = checklistAnswerProblems(srDevice, { 'sr-height': 'yes', 'sr-typo': 'no' });
  assert.deepEqual(p?.missing, ['sr-distance', 'sr-sign']);
  assert.deepEqual(p?.unknown, ['sr-typo']);
  assert.equal(p?.message, 'unanswered: sr-distance, sr-sign; not steps of check-sr-device: sr-typo');
  assert.equal(checklistAnswerProblems(srDevice, {})?.message, 'unanswered: sr-height, sr-distance, sr-sign');
});

test('answers become one person-evidence record per confirmation, judged against the expected answer', () => {
  const at = Date.UTC(2026, 11, 1, 9, 30);
  const records = checklistRecords(srDevice, { ...allYes, 'sr-sign': 'no' }, at, 'sign missing on the push side');
  assert.deepEqual(
    records.map((r) => [r.stepId, r.stepIndex, r.verdict]),
    [
      ['sr-height', 0, 'pass'],
      ['sr-distance', 1, 'pass'],
      ['sr-sign', 2, 'fail'],
    ],
  );
  for (const r of records) {
    assert.equal(r.procedureId, 'check-sr-device');
    assert.equal(r.personEvidence, true);
    assert.equal(r.startedAt, at);
    assert.equal(r.endedAt, at);
    assert.equal(r.measuredMs, null);
  }
  const sign = records[2]!;
  assert.equal(sign.evidence.answer, 'no');
  assert.equal(sign.evidence.note, 'sign missing on the push side');
  assert.ok(sign.deficiency, 'the wrong answer makes a deficiency');
  assert.equal(records[0]!.deficiency, null);

  const v = verdictOfRecords(records);
  assert.equal(v.verdict, 'fail');
  assert.match(v.reason, new RegExp(sign.deficiency.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(verdictOfRecords(checklistRecords(srDevice, allYes, at, null)).verdict, 'pass');
  const notChecked = verdictOfRecords(checklistRecords(srDevice, { ...allYes, 'sr-height': 'not-checked' }, at, null));
  assert.equal(notChecked.verdict, 'inconclusive', 'a step not checked is no pass');
  assert.equal(verdictOfRecords([]).verdict, 'inconclusive', 'nothing recorded is no pass');
});

test('records refuse a missing answer rather than recording a guess', () => {
  assert.throws(() => checklistRecords(srDevice, { 'sr-height': 'yes' }, 0, null), /sr-distance/);
});

test('the checklist shows each step with its text and time, and why an automatic test cannot run', () => {
  const powerDrop = procedureFor(GOOD, 'power-drop', settings);
  const views = powerDrop.steps.map(stepView);
  const confirm = views.find((s) => s.kind === 'confirm');
  const watch = views.find((s) => s.kind === 'watch');
  const output = views.find((s) => s.kind === 'output');
  assert.ok(confirm?.text && confirm.ms === null);
  assert.ok(watch && watch.ms !== null && watch.ms > 0 && watch.text === null);
  assert.ok(output && output.ms !== null && output.ms > 0);
  const rex = procedureFor(GOOD, 'rex', settings).steps.map(stepView);
  assert.ok(rex.find((s) => s.kind === 'action')?.text, 'an action shows its instruction');

  assert.equal(blockedReason(GOOD, powerDrop), null);
  assert.equal(blockedReason({ ...GOOD, pd_address: null }, powerDrop), 'the opening has no PD address in the schedule');
  assert.equal(blockedReason({ ...GOOD, pd_address: null }, srDevice), null, 'a person-checked item needs no PD');
});
