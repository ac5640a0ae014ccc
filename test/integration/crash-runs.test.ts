// SIGKILL the runner process at 21 points of a power-drop test (the simulator lives
// in this process, across a real PTY, so it survives every kill). After each kill:
// no committed step lost, PRAGMA integrity_check = ok, the hash chain verifies, the
// next process resumes the interrupted attempt, and the PD restored lock power.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../../db/sqlite';
import { crashLoop, crashRig } from '../support/crash-runs';
import { tempDir } from '../support/tmp';

test('the runner survives SIGKILL at 21 points of a run', async (t) => {
  const rig = await crashRig(tempDir(t));
  t.after(() => rig.close());
  const reports = await crashLoop(rig, 21, (cond, message) => assert.ok(cond, message));
  assert.equal(reports.length, 21);
  assert.ok(
    reports.some((r) => r.interruptedAttempt !== null),
    'some kills landed mid-attempt',
  );
  // Interrupted steps are recorded as such, never as pass.
  const db = openSqlite(rig.dbFile);
  try {
    const interrupted = db.prepare<{ verdict: string }>("SELECT verdict FROM step_results WHERE reason LIKE 'interrupted:%'").all();
    assert.ok(interrupted.length > 0, 'some steps were interrupted and recorded as such');
    assert.ok(interrupted.every((r) => r.verdict === 'inconclusive'));
    const ends = db.prepare<{ verdict: string; reason: string }>('SELECT verdict, reason FROM attempt_ends').all();
    assert.ok(
      ends.some((e) => e.verdict === 'pass'),
      'uninterrupted attempts still pass',
    );
    assert.ok(ends.filter((e) => /interrupted/.test(e.reason)).every((e) => e.verdict !== 'pass'));
  } finally {
    db.close();
  }
});
