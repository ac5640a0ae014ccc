// The import's bulk insert (multi-row INSERTs, findings from firingRules) stores exactly
// what inserting the openings one by one with insertOpening (evaluateOpening) stores.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { evaluateOpening, firingRules } from '../../core/rules';
import { CATEGORIES, FAIL_MODES, LOCK_TYPES, LOCKING_ARRANGEMENTS, TRI_STATES, type Opening } from '../../core/schedule/types';
import { createSite, deleteOpening, insertOpening, insertOpenings } from '../../db/schedule';
import { migrate } from '../../db/migrate';
import { openSqlite, type Db } from '../../db/sqlite';
import { GOOD } from '../fixtures/schedules/openings';
import { tempDir } from '../support/tmp';

/** Seeded openings over every vocabulary value, so every rule fires somewhere. */
function generate(n: number, prefix: string): Opening[] {
  let seed = 11;
  const rnd = () => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: n }, (_, i): Opening => ({
    ...GOOD,
    opening_id: `${prefix}-${i}`,
    location: pick(['Stair', 'Lab', '  padded  ', 'ünï "q", x']),
    category: pick(CATEGORIES),
    locking_arrangement: pick(LOCKING_ARRANGEMENTS),
    lock_type: pick(LOCK_TYPES),
    fail_mode: pick(FAIL_MODES),
    egress: pick(['mechanical', 'electronic'] as const),
    fire_alarm_release: rnd() < 0.5,
    lock_voltage: rnd() < 0.3 ? null : pick([12, 24.5]),
    pd_address: rnd() < 0.3 ? null : Math.floor(rnd() * 127),
    code_basis: rnd() < 0.5 ? '' : 'IBC',
    ndaa_889: pick(TRI_STATES),
    taa: pick(TRI_STATES),
    extras: rnd() < 0.5 ? {} : { Heading: `H${i}`, Größe: 'x' },
  }));
}

function dump(db: Db) {
  return {
    openings: db.prepare('SELECT * FROM openings ORDER BY id').all(),
    findings: db.prepare('SELECT * FROM opening_findings ORDER BY id').all(),
  };
}

test('firingRules gives the rules of evaluateOpening, in the same order', () => {
  for (const o of generate(2000, 'r')) {
    assert.deepEqual(
      firingRules(o).map((r) => [r.id, r.severity]),
      evaluateOpening(o).map((f) => [f.rule_id, f.severity]),
    );
  }
});

test('insertOpenings stores the same rows and findings as insertOpening one by one', (t) => {
  const dir = tempDir(t);
  const now = new Date('2026-02-03T04:05:06Z');
  // An odd count (not a multiple of any batch size), after a site whose last opening was
  // deleted, so ids continue from max(id) + 1 as SQLite assigns them.
  const earlier = generate(7, 'old');
  const openings = generate(1237, 'new');
  const run = (bulk: boolean) => {
    const db = openSqlite(join(dir, `${bulk ? 'bulk' : 'one'}.sqlite`));
    t.after(() => db.close());
    migrate(db);
    db.transaction(() => {
      const first = createSite(db, 'First', now);
      const refs = earlier.map((o, i) => insertOpening(db, first.id, o, i, now));
      deleteOpening(db, refs[6]!);
      const site = createSite(db, 'Second', now);
      if (bulk) insertOpenings(db, site.id, openings, now);
      else openings.forEach((o, i) => insertOpening(db, site.id, o, i, now));
    });
    return dump(db);
  };
  const one = run(false);
  const bulk = run(true);
  assert.equal(bulk.openings.length, 1243);
  assert.ok(bulk.findings.length > 1000);
  assert.deepEqual(bulk, one);
});
