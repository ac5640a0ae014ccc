// The report model: the attempt that counts and the history kept, untested
// openings shown as such, person evidence marked, deficiency history, interrupted
// attempts inconclusive, and what blocks a build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReportModel, reportModelSchema, type InputAttempt, type InputStep, type ReportInput } from '../../core/report/model';
import { resultsCsv } from '../../core/report/csv';
import { DEFAULT_SETTINGS, procedureFor } from '../../core/procedures';
import type { Verdict } from '../../core/verdicts/types';
import { reportJsonSchema } from '../../report/json-schema';
import { makeOpening } from '../support/runs-harness';

const A = makeOpening({ fire_alarm_release: false, opening_id: 'A-1', floor: '1', location: 'Stair 1 — “north”' });
const B = makeOpening({ fire_alarm_release: false, opening_id: 'B-2', floor: '2', location: 'Café 東館' });
const C = makeOpening({ fire_alarm_release: false, opening_id: 'C-3', floor: '2', location: 'Server room' });

const step = (i: number, verdict: Verdict, over: Partial<InputStep> = {}): InputStep => ({
  stepIndex: i,
  stepId: `s${i}`,
  kind: 'watch',
  title: `Step ${i}`,
  verdict,
  reason: `step ${i} ${verdict}`,
  measuredMs: 410.5,
  resolutionMs: 50,
  startedAt: Date.UTC(2026, 0, 5, 10, 0, i),
  endedAt: Date.UTC(2026, 0, 5, 10, 0, i + 1),
  personEvidence: false,
  ...over,
});

let nextId = 1;
function attempt(openingId: string, verdict: Verdict | null, over: Partial<InputAttempt> = {}): InputAttempt {
  const id = nextId++;
  const o = [A, B, C].find((x) => x.opening_id === openingId)!;
  return {
    id,
    uuid: `u-${id}`,
    runId: 1,
    openingId,
    procedureId: 'power-drop',
    plan: procedureFor(o, over.procedureId ?? 'power-drop', DEFAULT_SETTINGS),
    link: 'simulated',
    startedAt: `2026-01-05T10:0${id % 10}:00.000Z`,
    supersedes: null,
    end: verdict ? { verdict, reason: `attempt ${id} ${verdict}`, endedAt: `2026-01-05T10:0${id % 10}:30.000Z` } : null,
    running: false,
    steps: [step(0, 'pass'), step(1, verdict ?? 'inconclusive')],
    ...over,
  };
}

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    generatedAt: '2026-01-05T12:00:00.000Z',
    site: { id: 1, name: 'Test site' },
    scope: { runIds: [], floors: [], openingIds: [] },
    openings: [A, B, C],
    modeReason: (o) => `Expected ${o.fail_mode}.`,
    runs: [{ id: 1, technician: 'Ana Núñez', startedAt: '2026-01-05T09:00:00.000Z', settings: DEFAULT_SETTINGS }],
    attempts: [],
    deficiencies: [],
    signatures: [],
    witness: null,
    scheduleHash: 'f'.repeat(64),
    eventLog: { head: 'e'.repeat(64), length: 42 },
    ...over,
  };
}

test('a retest counts and the superseded attempt stays as history', () => {
  const failed = attempt('A-1', 'fail');
  const retest = attempt('A-1', 'pass', { supersedes: failed.id });
  const { model, blockers } = buildReportModel(input({ attempts: [retest, failed] }));
  assert.deepEqual(blockers, []);
  const pd = model.openings[0]!.procedures.find((p) => p.id === 'power-drop')!;
  assert.equal(pd.final?.id, retest.id);
  assert.equal(pd.final?.verdict, 'pass');
  assert.deepEqual(
    pd.history.map((h) => [h.id, h.verdict]),
    [[failed.id, 'fail']],
  );
  assert.equal(model.openings[0]!.result, 'pass');
  // The CSV row says the earlier attempt exists.
  assert.match(resultsCsv(model), /A-1,1,Stair 1 — “north”,fail-safe,pass,power-drop,.*,1\r\n/);
});

test('untested openings appear as "not tested" and the report does not claim coverage', () => {
  const { model } = buildReportModel(input({ attempts: [attempt('A-1', 'pass')] }));
  assert.deepEqual(
    model.openings.map((o) => o.result),
    ['pass', 'not-tested', 'not-tested'],
  );
  assert.equal(model.summary.all.notTested, 2);
  assert.equal(model.overall, 'incomplete', 'two untested openings: not an overall pass');
  assert.deepEqual(
    model.summary.byFloor.map((f) => [f.floor, f.pass, f.notTested]),
    [
      ['1', 1, 0],
      ['2', 0, 2],
    ],
  );
  assert.ok(model.warnings.some((w) => w.includes('2 of 3 openings not tested: B-2, C-3')));
  const csv = resultsCsv(model);
  assert.match(csv, /B-2,2,Café 東館,fail-safe,not-tested,,,,not-tested/);
  // Every opening present, untested ones with no attempt.
  assert.equal(
    model.openings[1]!.procedures.every((p) => p.final === null && p.history.length === 0),
    true,
  );
});

test('person-confirmed evidence stays marked in the model', () => {
  const a = attempt('B-2', 'pass', {
    steps: [step(0, 'pass'), step(1, 'pass', { kind: 'confirm', personEvidence: true, measuredMs: null })],
  });
  const { model } = buildReportModel(input({ attempts: [a] }));
  const steps = model.openings[1]!.procedures.find((p) => p.id === 'power-drop')!.final!.steps;
  assert.deepEqual(
    steps.map((s) => s.personEvidence),
    [false, true],
  );
});

test('deficiencies keep their status history; the current status is the last entry; open life-safety is warned', () => {
  const a = attempt('C-3', 'fail');
  const hist = [
    { status: 'open' as const, note: '', at: '2026-01-05T10:00:00.000Z', by: 'Ana', retestAttemptId: null },
    { status: 'accepted-by-ahj' as const, note: 'AHJ J. Roe accepted', at: '2026-01-06T10:00:00.000Z', by: 'Ana', retestAttemptId: null },
  ];
  const base = {
    uuid: 'd',
    openingId: 'C-3',
    procedureId: 'power-drop',
    severity: 'life-safety' as const,
    description: 'Does not release on power loss',
    source: 'step' as const,
    createdAt: '2026-01-05T10:00:00.000Z',
    createdBy: 'Ana',
    runId: 1,
    photos: [{ sha256: 'a'.repeat(64), fileName: 'x.png', mimeType: 'image/png', size: 10 }],
  };
  const { model } = buildReportModel(
    input({
      attempts: [a],
      deficiencies: [
        { ...base, id: 1, history: hist },
        { ...base, id: 2, uuid: 'd2', history: hist.slice(0, 1) },
        // Another run out of scope: not reported.
        { ...base, id: 3, uuid: 'd3', runId: 99, history: hist.slice(0, 1) },
      ],
    }),
  );
  assert.deepEqual(
    model.deficiencies.map((d) => [d.id, d.status, d.history.length]),
    [
      [1, 'accepted-by-ahj', 2],
      [2, 'open', 1],
    ],
  );
  assert.deepEqual(model.openings[2]!.deficiencyIds, [1, 2]);
  assert.equal(model.deficiencies[0]!.photos[0]!.sha256, 'a'.repeat(64));
  assert.ok(model.warnings.some((w) => w.startsWith('1 open life-safety deficiencies: C-3')));
});

test('an attempt DoorCx never finished is inconclusive (interrupted); a running one blocks the build', () => {
  const cut = attempt('A-1', null);
  const { model, blockers } = buildReportModel(input({ attempts: [cut] }));
  const final = model.openings[0]!.procedures[0]!.final!;
  assert.equal(final.verdict, 'inconclusive');
  assert.equal(final.interrupted, true);
  assert.match(final.reason, /Interrupted/);
  assert.equal(model.openings[0]!.result, 'inconclusive');
  assert.deepEqual(blockers, []);
  assert.ok(model.warnings.some((w) => w.includes('interrupted')));

  const running = buildReportModel(input({ attempts: [attempt('A-1', null, { running: true })] }));
  assert.match(running.blockers.join(), /A test is running on opening A-1/);
});

test('no results, an unknown opening, or an empty scope block the build', () => {
  assert.match(buildReportModel(input()).blockers.join(), /No results in scope/);
  assert.match(
    buildReportModel(input({ attempts: [attempt('A-1', 'pass')], scope: { runIds: [], floors: [], openingIds: ['Z-9'] } })).blockers.join(),
    /"Z-9" is not in the site's schedule/,
  );
  assert.match(
    buildReportModel(input({ attempts: [attempt('A-1', 'pass')], scope: { runIds: [], floors: ['9'], openingIds: [] } })).blockers.join(),
    /No openings in scope/,
  );
});

test('scope by floor keeps only that floor; draft until both hand signatures; the model matches its JSON Schema file', () => {
  const sig = (role: 'technician' | 'witness') => ({
    id: role === 'technician' ? 1 : 2,
    role,
    name: role,
    title: '',
    signedAt: '2026-01-05T12:00:00.000Z',
    strokes: [
      [
        [0, 0],
        [1, 1],
      ] as [number, number][],
    ],
  });
  const one = buildReportModel(
    input({ attempts: [attempt('B-2', 'pass')], scope: { runIds: [], floors: ['2'], openingIds: [] }, signatures: [sig('technician')] }),
  );
  assert.deepEqual(
    one.model.openings.map((o) => o.openingId),
    ['B-2', 'C-3'],
  );
  assert.equal(one.model.draft, true);
  assert.ok(one.model.warnings.some((w) => w.includes('by the witness')));
  const both = buildReportModel(input({ attempts: [attempt('B-2', 'pass')], signatures: [sig('technician'), sig('witness')] }));
  assert.equal(both.model.draft, false);
  reportModelSchema.parse(JSON.parse(JSON.stringify(both.model)));
  const onDisk = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'report.schema.json'), 'utf8'));
  assert.deepEqual(
    onDisk,
    JSON.parse(JSON.stringify(reportJsonSchema())),
    'docs/report.schema.json is stale: node --import tsx report/write-schema.ts',
  );
});

test('an opening tied to the fire alarm with only power-drop recorded is incomplete, not pass', () => {
  const fa = { ...A, fire_alarm_release: true, opening_id: 'F-1' };
  const a = { ...attempt('A-1', 'pass'), openingId: 'F-1', plan: procedureFor(fa, 'power-drop', DEFAULT_SETTINGS) };
  const { model } = buildReportModel(input({ openings: [fa], attempts: [a] }));
  assert.equal(model.openings[0]!.result, 'incomplete');
  assert.equal(model.overall, 'incomplete');
  assert.ok(model.warnings.some((w) => w.includes('missing a required procedure: F-1')));
});
