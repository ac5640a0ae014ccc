// The output polarity columns (lock_output_active, alarm_output_active): migration 003 on a database written
// before them, defaults for blank cells, header and value aliases on import, and the export round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSqlite } from '../../db/sqlite';
import { loadMigrations, migrate } from '../../db/migrate';
import { applyImport, createSite, exportSite, getOpeningById, insertOpening, listOpenings, previewImport } from '../../db/schedule';
import { OPENING_FIELD_NAMES, parseField } from '../../core/schedule/schema';
import { makeOpening } from '../support/runs-harness';
import { tempDir } from '../support/tmp';

const now = new Date('2026-01-01T00:00:00Z');

test('migration 003: openings stored before it keep the usual wiring (ON = lock power on, ON = alarm)', (t) => {
  const dir = tempDir(t);
  const db = openSqlite(join(dir, 'old.sqlite'));
  t.after(() => db.close());
  const all = loadMigrations();
  migrate(
    db,
    all.filter((m) => m.version < 3),
  );
  const cols = (db.prepare('PRAGMA table_info(openings)').all() as { name: string }[]).map((c) => c.name);
  assert.ok(!cols.includes('lock_output_active'), 'the old schema has no polarity columns');
  const site = createSite(db, 'Old', now);
  // Stored the way the previous build stored it: every field it knew.
  const old = makeOpening({ opening_id: 'OLD-1' });
  const fields = OPENING_FIELD_NAMES.filter((f) => f !== 'lock_output_active' && f !== 'alarm_output_active');
  db.prepare(
    `INSERT INTO openings (site_id, position, extras, updated_at, ${fields.join(', ')})
     VALUES (?, 0, '{}', ?, ${fields.map(() => '?').join(', ')})`,
  ).run(site.id, now.toISOString(), ...fields.map((f) => (typeof old[f] === 'boolean' ? (old[f] ? 1 : 0) : old[f])));
  assert.ok(migrate(db).applied.includes('003_output_polarity'), 'migration 003 applies to a database made before it');
  const o = getOpeningById(db, site.id, 'OLD-1')!;
  assert.equal(o.lock_output_active, 'power-on');
  assert.equal(o.alarm_output_active, 'alarm');
  assert.throws(() => db.prepare(`UPDATE openings SET lock_output_active = 'inverted'`).run(), /CHECK constraint failed/);
});

test('polarity cells: blank is the usual wiring, aliases are understood, anything else is named', () => {
  assert.deepEqual(parseField('lock_output_active', ''), { ok: true, value: 'power-on' });
  assert.deepEqual(parseField('alarm_output_active', ''), { ok: true, value: 'alarm' });
  assert.deepEqual(parseField('lock_output_active', 'Normally Closed'), { ok: true, value: 'power-off' });
  assert.deepEqual(parseField('lock_output_active', 'power off'), { ok: true, value: 'power-off' });
  assert.deepEqual(parseField('alarm_output_active', 'No Alarm'), { ok: true, value: 'no-alarm' });
  const bad = parseField('lock_output_active', 'sideways');
  assert.equal(bad.ok, false);
  assert.match(JSON.stringify(bad), /Lock output active/);
});

test('import with "Lock Output Polarity" / "Alarm Output Polarity" headers, then export → import keeps them exactly', async (t) => {
  const dir = tempDir(t);
  const db = openSqlite(join(dir, 'rt.sqlite'));
  t.after(() => db.close());
  migrate(db);
  const csv = [
    'Opening ID,Category,Lock Type,Fail Mode,Lock Output Polarity,Alarm Output Polarity',
    'P-1,egress,maglock,fail-safe,Normally Closed,No Alarm',
    'P-2,perimeter,electric strike,fail-secure,,',
  ].join('\r\n');
  const bytes = new TextEncoder().encode(csv);
  const p = await previewImport(db, { fileName: 'p.csv', bytes, siteName: 'Polarity' });
  assert.deepEqual(p.errors, []);
  const r = await applyImport(db, { fileName: 'p.csv', bytes, siteName: 'Polarity', confirmDiffHash: p.diffHash!, editor: 't', now });
  const [p1, p2] = listOpenings(db, r.siteId);
  assert.equal(p1!.lock_output_active, 'power-off');
  assert.equal(p1!.alarm_output_active, 'no-alarm');
  assert.equal(p2!.lock_output_active, 'power-on');
  assert.equal(p2!.alarm_output_active, 'alarm');

  const site = createSite(db, 'Source', now);
  const openings = [
    makeOpening({ opening_id: 'A', lock_output_active: 'power-off', alarm_output_active: 'alarm' }),
    makeOpening({ opening_id: 'B', lock_output_active: 'power-on', alarm_output_active: 'no-alarm' }),
  ];
  openings.forEach((o, i) => insertOpening(db, site.id, o, i, now));
  for (const format of ['csv', 'xlsx'] as const) {
    const file = await exportSite(db, site.id, format);
    const pv = await previewImport(db, { fileName: file.fileName, bytes: file.bytes, siteName: `Copy ${format}` });
    assert.deepEqual(pv.errors, []);
    const back = await applyImport(db, {
      fileName: file.fileName,
      bytes: file.bytes,
      siteName: `Copy ${format}`,
      confirmDiffHash: pv.diffHash!,
      editor: 't',
      now,
    });
    assert.deepEqual(listOpenings(db, back.siteId), openings);
  }
});
