// The steps a report prints are read for a whole run in one query (reportStepsOfRun): they must be exactly the
// committed steps the runs layer gives per attempt (committedSteps), so a step that was recorded again (the new row
// supersedes the old one) appears once, with its new verdict, and the superseded row is not printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, procedureFor } from '../../core/procedures';
import { modeReason } from '../../core/runs/progress';
import { migrate } from '../../db/migrate';
import { reportStepsOfRun } from '../../db/reports/repository';
import { committedSteps, createAttempt, createRun, endAttempt, listSteps, recordStep } from '../../db/runs';
import { createSite, insertOpenings } from '../../db/schedule';
import { openSqlite } from '../../db/sqlite';
import { loadReportModel } from '../../report/load';
import { GOOD } from '../fixtures/schedules/openings';
import { tempDir } from '../support/tmp';

test('a report prints the committed steps of every attempt: a step recorded again replaces the superseded row', (t) => {
  const dir = tempDir(t);
  const db = openSqlite(join(dir, 'doorcx.sqlite'));
  t.after(() => db.close());
  migrate(db);
  const now = new Date('2026-03-02T10:00:00Z');
  const site = createSite(db, 'Steps site', now);
  const openings = ['1-001', '1-002'].map((id) => ({ ...GOOD, opening_id: id }));
  insertOpenings(db, site.id, openings, now);
  const run = createRun(db, { siteId: site.id, technician: 'Tess', settings: DEFAULT_SETTINGS }, now);
  const attemptIds: number[] = [];
  let redone: { attemptId: number; oldId: number } | null = null;
  for (const o of openings) {
    const plan = procedureFor(o, 'power-drop', DEFAULT_SETTINGS);
    const attempt = createAttempt(db, { runId: run.id, opening: o, plan, link: 'simulated', supersedes: null }, now);
    attemptIds.push(attempt.id);
    plan.steps.forEach((s, i) => {
      const step = (verdict: 'pass' | 'inconclusive', supersedes: number | null) =>
        recordStep(
          db,
          {
            run,
            attempt,
            by: 'Tess',
            supersedes,
            record: {
              procedureId: plan.id,
              stepId: s.id,
              stepIndex: i,
              kind: s.kind,
              title: s.title,
              verdict,
              reason: verdict === 'pass' ? 'as expected' : 'no reading in time',
              measuredMs: s.kind === 'watch' ? 400 + i : null,
              resolutionMs: s.kind === 'watch' ? 50 : null,
              startedAt: now.getTime() + i * 1000,
              endedAt: now.getTime() + i * 1000 + 500,
              deficiency: null,
              personEvidence: s.kind === 'confirm',
              evidence: { trace: [{ at: i, big: 'x'.repeat(1000) }] },
            },
          },
          now,
        ).stepResultId;
      // On the second opening the first step is recorded inconclusive, then recorded again and passes.
      if (o.opening_id === '1-002' && i === 0) {
        const oldId = step('inconclusive', null);
        step('pass', oldId);
        redone = { attemptId: attempt.id, oldId };
      } else step('pass', null);
    });
    endAttempt(db, attempt, 'pass', 'all steps passed', now);
  }
  assert.ok(redone);
  const { attemptId, oldId } = redone as { attemptId: number; oldId: number };

  const byAttempt = reportStepsOfRun(db, run.id);
  assert.deepEqual([...byAttempt.keys()].sort(), [...attemptIds].sort());
  for (const id of attemptIds) {
    const expected = committedSteps(db, id, 'power-drop').map((s) => ({
      stepIndex: s.stepIndex,
      stepId: s.stepId,
      kind: s.kind,
      title: s.title,
      verdict: s.verdict,
      reason: s.reason,
      measuredMs: s.measuredMs,
      resolutionMs: s.resolutionMs,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      personEvidence: s.personEvidence,
    }));
    assert.deepEqual(byAttempt.get(id), expected, `attempt ${id}: the same steps as committedSteps, in step order`);
  }
  const redoneSteps = byAttempt.get(attemptId)!;
  assert.equal(redoneSteps.filter((s) => s.stepIndex === 0).length, 1, 'the step recorded again appears once');
  assert.equal(redoneSteps[0]!.verdict, 'pass', 'with its new verdict');
  assert.ok(
    listSteps(db, attemptId).some((s) => s.id === oldId && s.verdict === 'inconclusive'),
    'the superseded row is still stored (append-only)',
  );
  assert.ok(!redoneSteps.some((s) => s.verdict === 'inconclusive'), 'but not printed');

  // And the report model carries them.
  const { model } = loadReportModel(db, {
    siteId: site.id,
    scope: { runIds: [], floors: [], openingIds: [] },
    generatedAt: now,
    dataDir: dir,
    modeReason,
  });
  const printed = model.openings.find((o) => o.openingId === '1-002')!.procedures.find((p) => p.final)!.final!;
  assert.deepEqual(
    printed.steps.map((s) => s.verdict),
    redoneSteps.map((s) => s.verdict),
  );
  assert.equal(printed.steps.length, procedureFor(openings[1]!, 'power-drop', DEFAULT_SETTINGS).steps.length);
});
