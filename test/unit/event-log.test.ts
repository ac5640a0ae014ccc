// The runs tables are append-only (SQLite triggers) and the event log is a hash
// chain that detects any edit, removal or reordering — on real SQLite files with
// the real migrations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { migrate } from '../../db/migrate';
import { openSqlite, type Db } from '../../db/sqlite';
import { createSite } from '../../db/schedule';
import { DEFAULT_SETTINGS, procedureFor } from '../../core/procedures';
import {
  appendEvent,
  createAttempt,
  createRun,
  listDeficiencies,
  recordStep,
  setDeficiencyStatus,
  verifyEventLog,
  currentStatus,
} from '../../db/runs';
import type { StepRecord } from '../../core/runs/machine';
import { eventHash, GENESIS_HASH, storedEventHash } from '../../db/runs/event-log';
import { makeOpening } from '../support/runs-harness';
import { tempDir } from '../support/tmp';

const now = new Date('2026-11-26T10:00:00Z');

type EventRow = { seq: number; at: string; type: string; run_id: number | null; attempt_id: number | null; payload: string; hash: string };

function setup(t: { after: (fn: () => void) => void }): { db: Db; file: string } {
  const file = join(tempDir(t), 'runs.sqlite');
  const db = openSqlite(file);
  t.after(() => db.close());
  migrate(db);
  return { db, file };
}

const failedStep: StepRecord = {
  procedureId: 'power-drop',
  stepId: 'release',
  stepIndex: 2,
  kind: 'watch',
  title: 'Lock-status reads released within 2 s',
  verdict: 'fail',
  reason: 'still secured 2.1 s after the start',
  measuredMs: null,
  resolutionMs: null,
  startedAt: 1000,
  endedAt: 3100,
  deficiency: {
    severity: 'life-safety',
    description: 'fail-safe expected on an egress door; the lock held on power loss — occupants can be trapped',
  },
  personEvidence: false,
  evidence: { trace: [{ sentAt: 1000, at: 1004, values: [1, 0, 0] }] },
};

function seed(db: Db) {
  const site = createSite(db, 'Test site', now);
  const run = createRun(db, { siteId: site.id, technician: 'Ana', settings: DEFAULT_SETTINGS }, now);
  const opening = makeOpening({ opening_id: '1-102' });
  const attempt = createAttempt(
    db,
    { runId: run.id, opening, plan: procedureFor(opening, 'power-drop', DEFAULT_SETTINGS), link: 'test', supersedes: null },
    now,
  );
  const step = recordStep(db, { run, attempt, record: failedStep, by: 'Ana' }, now);
  return { site, run, attempt, step };
}

test('a failed step records its deficiency (status open) and the chain verifies', (t) => {
  const { db } = setup(t);
  const { site, step } = seed(db);
  assert.ok(step.deficiencyId);
  const [d] = listDeficiencies(db, { siteId: site.id });
  assert.equal(d!.description, failedStep.deficiency!.description);
  assert.equal(currentStatus(d!).status, 'open');
  const check = verifyEventLog(db);
  assert.equal(check.ok, true);
  assert.equal(check.count, 4); // run, attempt, deficiency, step
});

test('UPDATE and DELETE on recorded results abort', (t) => {
  const { db } = setup(t);
  seed(db);
  for (const sql of [
    "UPDATE step_results SET verdict = 'pass'",
    'DELETE FROM step_results',
    "UPDATE attempts SET opening_id = 'x'",
    'DELETE FROM runs',
    "UPDATE deficiencies SET description = 'fine'",
    'DELETE FROM deficiency_status',
    "UPDATE event_log SET type = 'x'",
    'DELETE FROM event_log',
  ])
    assert.throws(() => db.exec(sql), /append-only/, sql);
  assert.throws(() => db.exec('DELETE FROM sites'), /FOREIGN KEY/, 'a site with recorded runs cannot be deleted');
});

test('deficiency status changes are new rows; AHJ acceptance needs a note, fixed-retested a retest', (t) => {
  const { db } = setup(t);
  const { site, step, attempt } = seed(db);
  assert.throws(
    () =>
      setDeficiencyStatus(
        db,
        { deficiencyId: step.deficiencyId!, status: 'accepted-by-ahj', note: ' ', by: 'Ana', retestAttemptId: null },
        now,
      ),
    /CHECK/,
  );
  assert.throws(
    () =>
      setDeficiencyStatus(
        db,
        { deficiencyId: step.deficiencyId!, status: 'fixed-retested', note: '', by: 'Ana', retestAttemptId: null },
        now,
      ),
    /CHECK/,
  );
  setDeficiencyStatus(
    db,
    { deficiencyId: step.deficiencyId!, status: 'fixed-retested', note: 'relay replaced', by: 'Ana', retestAttemptId: attempt.id },
    now,
  );
  const d = listDeficiencies(db, { siteId: site.id })[0]!;
  assert.deepEqual(
    d.history.map((h) => h.status),
    ['open', 'fixed-retested'],
  );
  assert.equal(verifyEventLog(db).ok, true);
});

test('the chain detects an edited, removed or reordered row even with the triggers dropped', (t) => {
  const { db } = setup(t);
  seed(db);
  for (let i = 0; i < 5; i++) db.transaction(() => appendEvent(db, { type: 'reading', payload: { i, values: [1, 0, 0] } }, now));
  assert.equal(verifyEventLog(db).ok, true);
  // Someone with the file bypasses the triggers:
  db.exec('DROP TRIGGER event_log_no_update; DROP TRIGGER event_log_no_delete;');
  db.exec(`UPDATE event_log SET payload = '{"i":9,"values":[0,0,0]}' WHERE seq = 6`);
  const edited = verifyEventLog(db);
  assert.equal(edited.ok, false);
  assert.equal(edited.badSeq, 6);
  assert.match(edited.reason!, /altered/);
});

test('the chain is checked from the stored payload text; a payload only re-spaced still verifies, a changed value does not', (t) => {
  const { db } = setup(t);
  seed(db);
  db.transaction(() => appendEvent(db, { type: 'reading', payload: { b: [1, 'x'], a: { z: null, y: 2.5 } } }, now));
  // The fast path agrees with the hash of the parsed payload for every stored event.
  let prev = GENESIS_HASH;
  for (const r of db.prepare<EventRow>('SELECT seq, at, type, run_id, attempt_id, payload, hash FROM event_log ORDER BY seq').all()) {
    const parsed: unknown = JSON.parse(r.payload);
    assert.equal(storedEventHash(prev, r), r.hash, `event ${r.seq}`);
    assert.equal(
      eventHash(prev, { seq: r.seq, at: r.at, type: r.type, runId: r.run_id, attemptId: r.attempt_id, payload: parsed }),
      r.hash,
    );
    prev = r.hash;
  }
  const head = db.prepare<{ seq: number }>('SELECT max(seq) AS seq FROM event_log').get()!.seq;
  db.exec('DROP TRIGGER event_log_no_update;');
  db.prepare('UPDATE event_log SET payload = ? WHERE seq = ?').run('{ "a" : {"y":2.5,"z":null}, "b":[1,"x"] }', head);
  const respaced = verifyEventLog(db);
  assert.deepEqual(respaced.chain, [], 'same JSON, other spacing and key order: the chain holds (only the dropped trigger is reported)');
  db.prepare('UPDATE event_log SET payload = ? WHERE seq = ?').run('{"a":{"y":2.5,"z":null},"b":[1,"y"]}', head);
  const r = verifyEventLog(db);
  assert.equal(r.ok, false);
  assert.equal(r.badSeq, head);
  assert.match(r.reason!, /altered/);
});

test('a removed row breaks the chain', (t) => {
  const { db } = setup(t);
  seed(db);
  for (let i = 0; i < 3; i++) db.transaction(() => appendEvent(db, { type: 'reading', payload: { i } }, now));
  db.exec('DROP TRIGGER event_log_no_delete;');
  db.exec('DELETE FROM event_log WHERE seq = 5');
  const r = verifyEventLog(db);
  assert.equal(r.ok, false);
  assert.equal(r.badSeq, 6);
  assert.match(r.reason!, /missing/);
});

test('rows logged by an older DoorCx (no ids, no snapshot in the log) still verify, and say what the log cannot vouch for', (t) => {
  const { db } = setup(t);
  const site = createSite(db, 'Old site', now);
  const run = createRun(db, { siteId: site.id, technician: 'Ana', settings: DEFAULT_SETTINGS }, now);
  const opening = makeOpening({ opening_id: '1-102' });
  // What an older build wrote: the attempt-started event without the opening and plan, the step event without its id.
  db.transaction(() => {
    const id = Number(
      db
        .prepare(
          `INSERT INTO attempts (uuid, run_id, opening_id, procedure_id, opening_snapshot, plan, link, started_at) VALUES ('old-a', ?, '1-102', 'power-drop', ?, ?, 'test', ?)`,
        )
        .run(run.id, JSON.stringify(opening), JSON.stringify(procedureFor(opening, 'power-drop', DEFAULT_SETTINGS)), now.toISOString())
        .lastInsertRowid,
    );
    appendEvent(
      db,
      {
        type: 'attempt-started',
        runId: run.id,
        attemptId: id,
        payload: { uuid: 'old-a', openingId: '1-102', procedureId: 'power-drop', link: 'test', supersedes: null },
      },
      now,
    );
    db.prepare(
      `INSERT INTO step_results (uuid, attempt_id, step_index, step_id, kind, title, verdict, reason, measured_ms, resolution_ms, started_at, ended_at,
        person_evidence, evidence, deficiency, supersedes, recorded_at) VALUES ('old-s', ?, 2, 'release', 'watch', ?, 'fail', ?, NULL, NULL, 1000, 3100, 0, ?, NULL, NULL, ?)`,
    ).run(id, failedStep.title, failedStep.reason, JSON.stringify(failedStep.evidence), now.toISOString());
    appendEvent(
      db,
      { type: 'step-result', runId: run.id, attemptId: id, payload: { uuid: 'old-s', ...failedStep, deficiency: null, supersedes: null } },
      now,
    );
  });
  const check = verifyEventLog(db);
  assert.equal(check.ok, true, check.reason ?? '');
  assert.deepEqual(check.unchecked, [
    'attempts.opening_snapshot (attempts recorded before it was logged)',
    'attempts.plan (attempts recorded before it was logged)',
  ]);
  db.exec("DROP TRIGGER step_results_no_update; UPDATE step_results SET verdict = 'pass'");
  const tampered = verifyEventLog(db);
  assert.ok(tampered.rows.some((r) => r.table === 'step_results' && r.field === 'verdict' && r.stored === '"pass"'));
});
