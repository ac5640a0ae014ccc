// import(export(site)) == site for many generated openings with awkward text, in both formats,
// and the byte-level readers (encodings, delimiter sniffing, XLSX cell values).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../db/migrate';
import { openSqlite } from '../../db/sqlite';
import { applyImport, exportSite, insertOpening, createSite, listOpenings, previewImport } from '../../db/schedule';
import { cellText, decodeText, sniffDelimiter } from '../../db/schedule/files';
import { CATEGORIES, FAIL_MODES, LOCK_TYPES, LOCKING_ARRANGEMENTS, TRI_STATES, type Opening } from '../../core/schedule/types';
import { GOOD } from '../fixtures/schedules/openings';
import { join } from 'node:path';
import { tempDir } from '../support/tmp';

const AWKWARD = [
  'plain',
  'comma, inside',
  'quote " inside',
  '"quoted"',
  'ünïcödé – ✓',
  '=1+1',
  '+49 30',
  '-dash',
  '@at',
  "'apostrophe",
  'tab\there',
  '0012',
  '1e5',
  'TRUE',
  'NULL',
];

/** Deterministic (seeded) openings that exercise every field and the quoting rules. */
function generate(n: number): Opening[] {
  let seed = 7;
  const rnd = () => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const maybe = <T>(v: T): T | null => (rnd() < 0.3 ? null : v);
  return Array.from({ length: n }, (_, i) => {
    const text = () => pick(AWKWARD.filter((s) => !s.includes('\t')));
    const extras = (): Record<string, string> =>
      rnd() < 0.5 ? {} : { Heading: text(), 'Install date': '2026-01-15', Größe: pick(AWKWARD) };
    return {
      ...GOOD,
      opening_id: `${1 + (i % 3)}-${100 + i}${pick(['', 'A', 'b'])}`,
      building: text(),
      floor: pick(['1', '01', 'B1', 'Mezz.']),
      location: text(),
      door_type: text(),
      frame_type: text(),
      fire_rating_min: pick([0, 20, 45, 60, 90, 180]),
      category: pick(CATEGORIES),
      locking_arrangement: pick(LOCKING_ARRANGEMENTS),
      lock_type: pick(LOCK_TYPES),
      fail_mode: pick(FAIL_MODES),
      egress: pick(['mechanical', 'electronic'] as const),
      fire_alarm_release: rnd() < 0.5,
      hardware_set: text(),
      power_supply: text(),
      lock_voltage: maybe(pick([12, 24, 24.5, 0.5])),
      lock_current_ma: maybe(Math.floor(rnd() * 2000)),
      pd_address: maybe(Math.floor(rnd() * 127)),
      lock_output: maybe(Math.floor(rnd() * 256)),
      alarm_output: maybe(Math.floor(rnd() * 256)),
      dps_input: maybe(0),
      lock_status_input: maybe(255),
      rex_input: maybe(2),
      code_basis: rnd() < 0.5 ? '' : text(),
      ndaa_889: pick(TRI_STATES),
      taa: pick(TRI_STATES),
      notes: rnd() < 0.5 ? '' : `${text()}\n${pick(AWKWARD)}\n\nend`,
      lock_status_active: pick(['secured', 'released'] as const),
      dps_active: pick(['open', 'closed'] as const),
      lock_output_active: pick(['power-on', 'power-off'] as const),
      alarm_output_active: pick(['alarm', 'no-alarm'] as const),
      extras: extras(),
    };
  });
}

for (const format of ['csv', 'xlsx'] as const) {
  test(`${format}: 300 generated openings with awkward text survive export → import exactly`, async (t) => {
    const dir = tempDir(t);
    const db = openSqlite(join(dir, 'rt.sqlite'));
    t.after(() => db.close());
    migrate(db);
    const now = new Date('2026-01-01T00:00:00Z');
    const openings = generate(300);
    const site = createSite(db, 'Source', now);
    db.transaction(() => openings.forEach((o, i) => insertOpening(db, site.id, o, i, now)));
    assert.deepEqual(listOpenings(db, site.id), openings);

    const file = await exportSite(db, site.id, format);
    const p = await previewImport(db, { fileName: file.fileName, bytes: file.bytes, siteName: 'Copy' });
    assert.deepEqual(p.errors, []);
    const r = await applyImport(db, {
      fileName: file.fileName,
      bytes: file.bytes,
      siteName: 'Copy',
      confirmDiffHash: p.diffHash!,
      editor: 't',
      now,
    });
    assert.deepEqual(listOpenings(db, r.siteId), openings);
  });
}

test('decodeText: UTF-8 with and without BOM, UTF-16 LE/BE with BOM, Windows-1252 fallback', () => {
  const s = 'Zoë – ✓';
  assert.equal(decodeText(Buffer.from(s, 'utf8')), s);
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')])), s);
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')])), s);
  const be = Buffer.from(s, 'utf16le').swap16();
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), s);
  assert.equal(decodeText(Buffer.from([0x5a, 0x6f, 0xeb, 0x20, 0x96])), 'Zoë –');
});

test('sniffDelimiter: the most frequent of comma, tab, semicolon outside quotes on the header line', () => {
  assert.equal(sniffDelimiter('a,b,c\n1\t2\t3\t4'), ',');
  assert.equal(sniffDelimiter('a\tb\t"c,d,e"\n'), '\t');
  assert.equal(sniffDelimiter('a;b;c\r\n'), ';');
  assert.equal(sniffDelimiter('"a;b;c;d",e,f'), ',');
  assert.equal(sniffDelimiter('single'), ',');
});

test('cellText: XLSX cell values as the user sees them', () => {
  assert.equal(cellText(null), '');
  assert.equal(cellText(24), '24');
  assert.equal(cellText(0.1 + 0.2), '0.30000000000000004'); // exact, not rounded: the schema then judges it
  assert.equal(cellText(true), 'yes');
  assert.equal(cellText(new Date(Date.UTC(2026, 0, 15))), '2026-01-15');
  assert.equal(cellText(new Date(Date.UTC(2026, 0, 15, 8, 30))), '2026-01-15T08:30:00.000Z');
  assert.equal(cellText({ richText: [{ text: 'a' }, { text: 'b' }] }), 'ab');
  assert.equal(cellText({ formula: 'A1*2', result: 48 }), '48');
  assert.equal(cellText({ text: 'link', hyperlink: 'https://example.org' }), 'link');
  assert.equal(cellText({ error: '#N/A' } as never), '#N/A');
});
