// The report's text is written straight into the page content (each string laid out once by pdfkit's font, long
// paragraphs broken by pdfkit's wrapper once per text): what poppler reads back must be every character drawn, in
// one size per paragraph even where a paragraph runs onto the next page, and the file must stay a clean PDF. The
// builder's own check of a signed file compares the embedded data stream exactly as rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '../../db/migrate';
import { createSite, insertOpenings } from '../../db/schedule';
import { openSqlite } from '../../db/sqlite';
import { renderToFile } from '../../report/build';
import { createTechnicianP12, openP12 } from '../../report/certificate';
import { loadReportModel } from '../../report/load';
import { signPdf } from '../../report/sign';
import { verifyReport } from '../../report/verify';
import { GOOD } from '../fixtures/schedules/openings';
import { tempDir } from '../support/tmp';

const OPENINGS = 40;
const MARK = 'Qzxw';
const location = (i: number) => `AVATAR To Wa ${i} — Zoë’s “east” wing 東館`;
// Reasons long enough to wrap over several lines, of different lengths so that some of them run onto the next page.
const marksIn = (i: number) => 150 + ((i * 37) % 400);
// Each reason also carries 100 words of its own: more than the 2,000 unique words pdfkit's word layout cache is
// allowed to keep before it is emptied (every 25 openings), so text drawn after that still has to come back whole.
const ownWords = (i: number) => Array.from({ length: 100 }, (_, k) => `u${i}v${k}`);
const reason = (id: string) => {
  const i = Number(id.slice(2));
  return `Reason for ${id}: ${ownWords(i).join(' ')} ${`${MARK} `.repeat(marksIn(i)).trim()}.`;
};

function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Word {
  text: string;
  yMin: number;
  yMax: number;
}

/** pdftotext -bbox: the words of every page with their boxes. */
function wordsByPage(file: string): Word[][] {
  return tool('pdftotext', ['-bbox', file, '-'])
    .split('<page ')
    .slice(1)
    .map((page) =>
      [...page.matchAll(/<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((m) => ({
        text: m[3]!,
        yMin: Number(m[1]),
        yMax: Number(m[2]),
      })),
    );
}

function setup(t: { after: (fn: () => void) => void }) {
  const dir = tempDir(t);
  const db = openSqlite(join(dir, 'doorcx.sqlite'));
  t.after(() => db.close());
  migrate(db);
  const now = new Date('2026-03-02T10:00:00Z');
  const site = createSite(db, 'Render site', now);
  insertOpenings(
    db,
    site.id,
    Array.from({ length: OPENINGS }, (_, i) => ({ ...GOOD, opening_id: `2-${String(i).padStart(3, '0')}`, location: location(i) })),
    now,
  );
  const load = (generatedAt: Date) =>
    loadReportModel(db, {
      siteId: site.id,
      scope: { runIds: [], floors: [], openingIds: [] },
      generatedAt,
      dataDir: dir,
      modeReason: (o) => reason(o.opening_id),
    }).model;
  return { dir, load };
}

test('every character drawn comes back from the text layer, a paragraph keeps its size across a page break', async (t) => {
  const { dir, load } = setup(t);
  const file = join(dir, 'r.pdf');
  await renderToFile(load(new Date('2026-03-02T12:00:00Z')), dir, file);
  assert.match(tool('qpdf', ['--check', file]), /No syntax or stream encoding errors/);

  const text = tool('pdftotext', [file, '-']);
  const words = new Set(text.split(/\s+/));
  for (let i = 0; i < OPENINGS; i++) {
    const id = `2-${String(i).padStart(3, '0')}`;
    assert.ok(text.includes(`${id} — ${location(i)}`), `the section heading of ${id} comes back whole (kerning pairs, quotes, CJK)`);
    assert.ok(text.includes(`Reason for ${id}:`), `the reason of ${id} is there`);
    for (const w of ownWords(i)) assert.ok(words.has(w), `${w} (a word seen once) comes back`);
  }

  const pages = wordsByPage(file);
  const marks = pages.flat().filter((w) => w.text.startsWith(MARK));
  const expected = Array.from({ length: OPENINGS }, (_, i) => marksIn(i)).reduce((x, y) => x + y, 0);
  assert.equal(marks.length, expected, 'no word of a wrapped paragraph is lost, across page breaks too');
  const heights = new Set(marks.map((w) => (w.yMax - w.yMin).toFixed(2)));
  assert.equal(heights.size, 1, `every line of every reason is in one size (heights seen: ${[...heights].join(', ')})`);
  // The case that matters: a reason that ran onto the next page (its continuation is the first line of a page).
  const continued = pages.filter((words) => {
    const top = words.reduce<Word | null>((a, w) => (a === null || w.yMin < a.yMin ? w : a), null);
    return top?.text.startsWith(MARK);
  });
  assert.ok(continued.length > 0, 'at least one reason runs onto the next page');
});

test("the builder's check of a signed report compares the embedded data stream exactly as it rendered it", async (t) => {
  const { dir, load } = setup(t);
  const a = await renderToFile(load(new Date('2026-03-02T12:00:00Z')), dir, join(dir, 'a.pdf'));
  const b = await renderToFile(load(new Date('2026-03-02T12:00:01Z')), dir, join(dir, 'b.pdf'));
  assert.notEqual(a.jsonStreamSha256, b.jsonStreamSha256);
  const identity = openP12(createTechnicianP12('Render Tech', 'render passphrase', new Date()), 'render passphrase', new Date());
  const signed = await signPdf(readFileSync(join(dir, 'a.pdf')), identity, { reason: 'r', location: 'l', signingTime: new Date() });

  const own = verifyReport(signed, 'a.pdf', undefined, { built: { modelSha256: a.jsonSha256, dataStreamSha256: a.jsonStreamSha256 } });
  assert.deepEqual(own.problems, []);
  assert.equal(own.ok, true);

  const wrong = verifyReport(signed, 'a.pdf', undefined, { built: { modelSha256: b.jsonSha256, dataStreamSha256: b.jsonStreamSha256 } });
  assert.equal(wrong.ok, false);
  assert.ok(wrong.problems.includes('The embedded report data is not the data that was rendered.'), wrong.problems.join(' | '));
  assert.ok(wrong.problems.some((p) => /DoorCxModelSha256 entry is not the SHA-256 of the data that was rendered/.test(p)));

  // The full verification (no builder's shortcut) of the same file: the embedded JSON is read and checked as always.
  const full = verifyReport(signed, 'a.pdf');
  assert.equal(full.ok, true, full.problems.join(' | '));
  assert.equal(full.report?.modelSha256, a.jsonSha256);
});
