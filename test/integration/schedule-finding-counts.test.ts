// Migration 011: an opening's findings are counted by severity on its own row. A database
// written before it (one opening_findings row per finding) keeps every count it showed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluateOpening } from '../../core/rules';
import { SEVERITIES, type Opening } from '../../core/schedule/types';
import { loadMigrations, migrate } from '../../db/migrate';
import { listFindings, listSites, queryOpenings, siteSummary } from '../../db/schedule';
import { openSqlite, type Db } from '../../db/sqlite';
import { GOOD, seededOpenings } from '../fixtures/schedules/openings';
import { tempDir } from '../support/tmp';

const generate = (n: number, prefix: string): Opening[] => seededOpenings(n, prefix, 7);

/** Writes openings as DoorCx did before migration 011: the row, then one opening_findings row per finding. */
function insertAsBefore(db: Db, siteId: number, openings: Opening[]): void {
  const fields = Object.keys(GOOD).filter((k) => k !== 'extras' && k !== 'lock_output_active' && k !== 'alarm_output_active');
  const insert = db.prepare(
    `INSERT INTO openings (site_id, position, updated_at, finding_count, worst_severity, worst_rank, severity_mask, ${fields.join(', ')}, extras)
     VALUES (${Array.from({ length: fields.length + 8 }, () => '?').join(', ')})`,
  );
  const finding = db.prepare('INSERT INTO opening_findings (opening_ref, site_id, rule_id, severity) VALUES (?, ?, ?, ?)');
  openings.forEach((o, position) => {
    const findings = evaluateOpening(o);
    const ranks = findings.map((f) => SEVERITIES.indexOf(f.severity));
    const values = fields.map((f) => {
      const v = o[f as keyof Opening];
      return typeof v === 'boolean' ? (v ? 1 : 0) : (v as string | number | null);
    });
    const ref = insert.run(
      siteId,
      position,
      '2026-01-01T00:00:00.000Z',
      findings.length,
      findings[0]?.severity ?? null,
      ranks.length > 0 ? Math.min(...ranks) : SEVERITIES.length,
      ranks.reduce((m, r) => m | (1 << r), 0),
      ...values,
      '{}',
    ).lastInsertRowid;
    for (const f of findings) finding.run(ref, siteId, f.rule_id, f.severity);
  });
}

test('migration 011 carries the findings of a database written before it into per-severity counts, and they read the same', (t) => {
  const db = openSqlite(join(tempDir(t), 'old.sqlite'));
  t.after(() => db.close());
  const all = loadMigrations();
  const at = all.findIndex((m) => m.version === 11);
  assert.ok(at > 0, 'migration 011 exists');
  migrate(db, all.slice(0, at));
  const sites = ['North', 'South'].map(
    (name) => db.prepare('INSERT INTO sites (name, created_at, updated_at) VALUES (?, ?, ?)').run(name, 'x', 'x').lastInsertRowid as number,
  );
  insertAsBefore(db, sites[0]!, generate(400, 'n'));
  insertAsBefore(db, sites[1]!, generate(150, 's'));
  // What the old table said, per site and severity.
  const before = db
    .prepare('SELECT site_id, severity, COUNT(*) AS n FROM opening_findings GROUP BY site_id, severity ORDER BY site_id, severity')
    .all() as { site_id: number; severity: string; n: number }[];
  assert.equal(new Set(before.map((r) => r.severity)).size, SEVERITIES.length, 'every severity occurs');

  assert.deepEqual(
    migrate(db, all).applied,
    all.slice(at).map((m) => m.name),
  );

  assert.equal(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'opening_findings'").get()!.n, 0, 'the table is gone');
  assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  for (const s of listSites(db)) {
    const expected = Object.fromEntries(
      SEVERITIES.map((sev) => [sev, before.find((r) => r.site_id === s.id && r.severity === sev)?.n ?? 0]),
    );
    assert.deepEqual(s.findingsBySeverity, expected, s.name);
    assert.deepEqual(siteSummary(db, s.id).findingsBySeverity, expected, s.name);
    // The findings themselves (rendered from the openings) and the severity filter agree with the counts.
    const findings = listFindings(db, s.id);
    for (const sev of SEVERITIES) {
      assert.equal(findings.filter((f) => f.severity === sev).length, expected[sev]);
      const withIt = new Set(findings.filter((f) => f.severity === sev).map((f) => f.openingId)).size;
      assert.equal(queryOpenings(db, { siteId: s.id, severity: sev, offset: 0, limit: 1 }).total, withIt);
    }
  }
});

test('a site without openings counts no findings', (t) => {
  const db = openSqlite(join(tempDir(t), 'empty.sqlite'));
  t.after(() => db.close());
  migrate(db);
  const id = db.prepare('INSERT INTO sites (name, created_at, updated_at) VALUES (?, ?, ?)').run('Empty', 'x', 'x')
    .lastInsertRowid as number;
  const zero = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  assert.deepEqual(listSites(db)[0]!.findingsBySeverity, zero);
  assert.deepEqual(siteSummary(db, id).findingsBySeverity, zero);
});
