// Tamper evidence on a real SQLite file: a real run (the miswired demo door 1-102
// fails power-drop, with its deficiency, a status change and a photo), then
// someone with the file drops the append-only triggers and edits, deletes, forges
// rows, edits the log or truncates it. `verifyEventLog` and `doorcx results` must
// name every row that disagrees (table, row id, field) and never say "verifies".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../app/index';
import type { AttemptSummary } from '../../app/contract/runs';
import { DEMO_SITE_NAME } from '../../app/demo';
import { runCli } from '../../cli/main';
import { eventHash, verifyEventLog, type EventLogCheck } from '../../db/runs';
import { getSiteByName } from '../../db/schedule';
import { openSqlite, type Db } from '../../db/sqlite';
import { FAST } from '../support/runs-technician';
import { tempDir } from '../support/tmp';

const TRIGGERS = ['runs', 'attempts', 'attempt_ends', 'step_results', 'deficiencies', 'deficiency_status', 'attachments', 'event_log'];
const dropTriggers = (db: Db) => {
  for (const t of TRIGGERS) db.exec(`DROP TRIGGER ${t}_no_update; DROP TRIGGER ${t}_no_delete;`);
};

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** A finished run on a real file: 1-102 fails power-drop (deficiency, status change, photo), 1-101 passes. */
async function recordedRun(dir: string): Promise<{ file: string; failedAttempt: number; deficiencyId: number }> {
  const file = join(dir, 'golden.sqlite');
  const app = await createApp({ dbFile: file, dataDir: dir, demo: true });
  try {
    const siteId = getSiteByName(app.ctx.db, DEMO_SITE_NAME)!.id;
    const run = await app.call('startRun', { siteId, technician: 'Ana', settings: FAST });
    const ids: number[] = [];
    for (const [openingId, answer] of [
      ['1-102', 'no'],
      ['1-101', 'yes'],
    ] as const) {
      const a = await app.call('runProcedure', {
        runId: run.id,
        openingId,
        procedureId: 'power-drop',
        link: { kind: 'simulated' },
        answers: { 'door-opened': answer },
      });
      for (let i = 0; i < 1000 && ((await app.call('getAttempt', { attemptId: a.id })) as AttemptSummary).status === 'running'; i++)
        await new Promise((r) => setTimeout(r, 20));
      ids.push(a.id);
    }
    const failed = (await app.call('getAttempt', { attemptId: ids[0]! })) as AttemptSummary;
    assert.equal(failed.verdict, 'fail', 'the miswired door fails');
    const [d] = await app.call('listDeficiencies', { siteId, openingId: '1-102' });
    await app.call('setDeficiencyStatus', { deficiencyId: d!.id, status: 'accepted-by-ahj', note: 'AHJ waived for now', by: 'Ana' });
    await app.call('attachPhoto', {
      deficiencyId: d!.id,
      fileName: 'lock.png',
      mimeType: 'image/png',
      contentBase64: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64'),
    });
    return { file, failedAttempt: ids[0]!, deficiencyId: d!.id };
  } finally {
    await app.close();
  }
}

test('tampering with a real database file is reported row by row', async (t) => {
  const dir = tempDir(t);
  const golden = await recordedRun(dir);
  let n = 0;
  /** A fresh copy of the recorded database, tampered by fn with the raw file open. */
  const tampered = (fn: (db: Db) => void): string => {
    const file = join(dir, `copy-${++n}.sqlite`);
    copyFileSync(golden.file, file);
    const db = openSqlite(file);
    try {
      fn(db);
    } finally {
      db.close();
    }
    return file;
  };
  const check = (file: string, anchor?: { seq: number; hash: string }): EventLogCheck => {
    const db = openSqlite(file);
    try {
      return verifyEventLog(db, { anchor });
    } finally {
      db.close();
    }
  };
  const has = (c: EventLogCheck, table: string, rowId: number | null, field: string | null) =>
    assert.ok(
      c.rows.some((r) => r.table === table && r.rowId === rowId && r.field === field),
      `expected ${table} row ${rowId} ${field ?? '(whole row)'} in:\n${c.rows.map((r) => r.message).join('\n')}`,
    );

  const clean = check(golden.file);
  assert.equal(clean.ok, true, clean.reason ?? '');
  assert.deepEqual(clean.rows, []);
  assert.deepEqual(clean.unchecked, []);
  const head = { seq: clean.headSeq!, hash: clean.headHash! };
  let r = await cli('results', '--db', golden.file, '--site', DEMO_SITE_NAME);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /hash chain verifies and every recorded row matches it/);
  assert.match(r.out, /1-102\s+FAIL/);

  await t.test('fail turned into pass with the triggers dropped', async () => {
    const file = tampered((db) => {
      dropTriggers(db);
      db.exec(`UPDATE step_results SET verdict = 'pass', deficiency = NULL WHERE verdict = 'fail'`);
      db.exec(`UPDATE attempt_ends SET verdict = 'pass', reason = 'all good' WHERE attempt_id = ${golden.failedAttempt}`);
    });
    const c = check(file);
    assert.equal(c.ok, false);
    assert.deepEqual(c.chain, [], 'the log itself is intact: only the tables were changed');
    const db = openSqlite(file);
    const stepIds = db
      .prepare<{ id: number }>(`SELECT id FROM step_results WHERE attempt_id = ${golden.failedAttempt} AND kind != 'prompt'`)
      .all();
    db.close();
    assert.ok(c.rows.some((m) => m.table === 'step_results' && m.field === 'verdict' && m.logged === '"fail"' && m.stored === '"pass"'));
    assert.ok(c.rows.every((m) => stepIds.some((s) => s.id === m.rowId) || m.table !== 'step_results'));
    has(c, 'attempt_ends', golden.failedAttempt, 'verdict');
    has(c, 'attempt_ends', golden.failedAttempt, 'reason');
    assert.ok(c.triggersMissing.includes('step_results_no_update'));
    r = await cli('results', '--db', file, '--site', DEMO_SITE_NAME);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.out, /verifies/);
    assert.match(r.out, /^WARNING: the recorded results were changed outside DoorCx/);
    assert.match(
      r.out,
      new RegExp(`attempt_ends row ${golden.failedAttempt}, field verdict: the table says "pass" but event \\d+ recorded "fail"`),
    );
    assert.match(r.out, /step_results row \d+, field verdict/);
    r = await cli('results', '--db', file, '--site', DEMO_SITE_NAME, '--json');
    const json = JSON.parse(r.out) as { eventLog: EventLogCheck };
    assert.equal(json.eventLog.ok, false);
    assert.ok(json.eventLog.rows.length >= 3);
  });

  await t.test('JSON columns are compared as JSON: re-spaced or re-ordered keys pass, a nested change is named', () => {
    const same = tampered((db) => {
      dropTriggers(db);
      // The same values, keys reversed and spaced out: the row still says what the log recorded.
      const rev = (v: unknown): unknown =>
        Array.isArray(v)
          ? v.map(rev)
          : v && typeof v === 'object'
            ? Object.fromEntries(
                Object.entries(v)
                  .reverse()
                  .map(([k, x]) => [k, rev(x)]),
              )
            : v;
      for (const row of db.prepare<{ id: number; plan: string }>('SELECT id, plan FROM attempts').all())
        db.prepare('UPDATE attempts SET plan = ? WHERE id = ?').run(JSON.stringify(rev(JSON.parse(row.plan)), null, 1), row.id);
    });
    const ok = check(same);
    assert.deepEqual(ok.rows, []);
    const changed = tampered((db) => {
      dropTriggers(db);
      const row = db.prepare<{ id: number; plan: string }>(`SELECT id, plan FROM attempts WHERE id = ${golden.failedAttempt}`).get()!;
      // One number deep inside the plan: a watch window shortened.
      db.prepare('UPDATE attempts SET plan = ? WHERE id = ?').run(
        row.plan.replace(/("ms":)(\d+)/, (_m, k: string, v: string) => `${k}${Number(v) + 1}`),
        row.id,
      );
    });
    const c = check(changed);
    assert.equal(c.ok, false);
    has(c, 'attempts', golden.failedAttempt, 'plan');
  });

  await t.test('deleted rows: a deficiency and its history vanish', () => {
    const file = tampered((db) => {
      dropTriggers(db);
      db.pragma('foreign_keys = OFF');
      db.exec(`DELETE FROM attachments; DELETE FROM deficiency_status; DELETE FROM deficiencies WHERE id = ${golden.deficiencyId}`);
    });
    const c = check(file);
    assert.equal(c.ok, false);
    has(c, 'deficiencies', golden.deficiencyId, null);
    assert.equal(c.rows.filter((m) => m.table === 'deficiency_status' && m.field === null).length, 2, 'open and accepted');
    assert.equal(c.rows.filter((m) => m.table === 'attachments' && m.field === null).length, 1);
    assert.ok(c.rows.every((m) => /missing from the table: it was deleted/.test(m.message)));
  });

  await t.test('forged rows: an AHJ acceptance and a superseding passing step nobody recorded', () => {
    let forgedStatus = 0;
    let forgedStep = 0;
    const file = tampered((db) => {
      forgedStatus = Number(
        db
          .prepare(`INSERT INTO deficiency_status (deficiency_id, status, note, at, by) VALUES (?, 'accepted-by-ahj', 'ok', ?, 'Ana')`)
          .run(golden.deficiencyId, new Date().toISOString()).lastInsertRowid,
      );
      forgedStep = Number(
        db
          .prepare(
            `INSERT INTO step_results (uuid, attempt_id, step_index, step_id, kind, title, verdict, reason, started_at, ended_at,
              person_evidence, evidence, supersedes, recorded_at)
             SELECT 'forged-uuid', attempt_id, step_index, step_id, kind, title, 'pass', 'fine', started_at, ended_at, 0, '{}', id, recorded_at
             FROM step_results WHERE verdict = 'fail' LIMIT 1`,
          )
          .run().lastInsertRowid,
      );
    });
    const c = check(file);
    assert.equal(c.ok, false);
    has(c, 'deficiency_status', forgedStatus, null);
    has(c, 'step_results', forgedStep, null);
    assert.equal(c.rows.length, 2, c.rows.map((m) => m.message).join('\n'));
    assert.match(c.rows.find((m) => m.rowId === forgedStep)!.message, /not in the event log: it was added outside DoorCx/);
    assert.deepEqual(c.triggersMissing, [], 'inserts need no dropped trigger, and are caught all the same');
  });

  await t.test('an edited event payload breaks the chain at that event', () => {
    let seq = 0;
    const file = tampered((db) => {
      dropTriggers(db);
      const e = db
        .prepare<{ seq: number; payload: string }>(`SELECT seq, payload FROM event_log WHERE type = 'attempt-ended' AND attempt_id = ?`)
        .get(golden.failedAttempt)!;
      seq = e.seq;
      db.prepare('UPDATE event_log SET payload = ? WHERE seq = ?').run(e.payload.replace('"verdict":"fail"', '"verdict":"pass"'), seq);
      db.prepare(`UPDATE attempt_ends SET verdict = 'pass' WHERE attempt_id = ?`).run(golden.failedAttempt);
    });
    const c = check(file);
    assert.equal(c.ok, false);
    assert.equal(c.badSeq, seq);
    assert.deepEqual(
      c.chain.map((x) => x.seq),
      [seq],
      'one problem, not one per later event',
    );
    assert.match(c.chain[0]!.reason, /altered/);
    assert.equal(c.headHash, null);
  });

  await t.test('a truncated log: rows whose events are gone, and the anchor that was kept elsewhere', () => {
    const file = tampered((db) => {
      dropTriggers(db);
      db.exec(`DELETE FROM event_log WHERE seq > ${head.seq - 2}`);
    });
    const c = check(file);
    assert.equal(c.ok, false);
    assert.deepEqual(c.chain, [], 'what is left of the chain still links');
    has(c, 'attachments', c.rows.find((m) => m.table === 'attachments')?.rowId ?? -1, null);
    has(c, 'deficiency_status', c.rows.find((m) => m.table === 'deficiency_status')?.rowId ?? -1, null);
    // Truncating the rows too leaves a consistent file: only the head kept elsewhere shows it.
    const file2 = tampered((db) => {
      dropTriggers(db);
      db.exec(`DELETE FROM event_log WHERE seq > ${head.seq - 1}; DELETE FROM attachments;`);
    });
    const noAnchor = check(file2);
    assert.deepEqual(noAnchor.rows, []);
    const anchored = check(file2, head);
    assert.equal(anchored.ok, false);
    assert.match(
      anchored.reason!,
      new RegExp(`event ${head.seq}, recorded elsewhere as the head of the log, is gone: the log was truncated`),
    );
  });

  await t.test('a log rewritten with every hash recomputed is only caught by the kept head', () => {
    const file = tampered((db) => {
      dropTriggers(db);
      const rows = db
        .prepare<{
          seq: number;
          at: string;
          type: string;
          run_id: number | null;
          attempt_id: number | null;
          payload: string;
        }>('SELECT seq, at, type, run_id, attempt_id, payload FROM event_log ORDER BY seq')
        .all();
      let prev = '0'.repeat(64);
      for (const e of rows) {
        const payload = e.type === 'attempt-ended' ? e.payload.replace('"verdict":"fail"', '"verdict":"pass"') : e.payload;
        const hash = eventHash(prev, {
          seq: e.seq,
          at: e.at,
          type: e.type,
          runId: e.run_id,
          attemptId: e.attempt_id,
          payload: JSON.parse(payload),
        });
        db.prepare('UPDATE event_log SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(payload, prev, hash, e.seq);
        prev = hash;
      }
      db.exec(`UPDATE attempt_ends SET verdict = 'pass'`);
    });
    assert.equal(check(file).chain.length, 0);
    const anchored = check(file, head);
    assert.equal(anchored.ok, false);
    assert.match(anchored.reason!, /its hash differs.*rewritten/);
  });

  await t.test('dropped or neutered triggers alone are reported', () => {
    const c = check(tampered(dropTriggers));
    assert.equal(c.ok, false);
    assert.equal(c.triggersMissing.length, 16);
    assert.match(c.reason!, /append-only triggers were removed/);
    // A same-named trigger that no longer aborts counts as removed.
    const neutered = check(
      tampered((db) =>
        db.exec(
          'DROP TRIGGER step_results_no_update; CREATE TRIGGER step_results_no_update BEFORE UPDATE ON step_results BEGIN SELECT 1; END;',
        ),
      ),
    );
    assert.deepEqual(neutered.triggersMissing, ['step_results_no_update']);
  });

  await t.test('huge forged values are never echoed whole', () => {
    const file = tampered((db) => {
      dropTriggers(db);
      db.prepare(`UPDATE step_results SET reason = ? WHERE id = (SELECT MIN(id) FROM step_results)`).run('x'.repeat(1_000_000));
    });
    const m = check(file).rows.find((x) => x.field === 'reason')!;
    assert.ok(m.message.length < 400, `message is ${m.message.length} characters`);
    assert.match(m.stored!, /1000002 characters/);
  });
});
