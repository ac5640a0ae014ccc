// How import problems are reported: never a whole cell, one issue per distinct
// problem, and mixed line endings as one clear message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clip, tableToOpenings, tidyIssues } from '../../core/schedule/rows';
import { mixedLineEndings, oneLineEnding, readDelimited } from '../../db/schedule/files';

test('clip: short text unchanged, long text cut with its length', () => {
  assert.equal(clip('lobby'), 'lobby');
  const big = 'x'.repeat(50 * 1024 * 1024);
  const c = clip(big);
  assert.ok(c.length < 120);
  assert.match(c, /^x{80}… \[52428800 characters\]$/);
});

test('tidyIssues: the same problem on many rows is one issue naming its rows; different values stay apart', () => {
  const issues = [3, 4, 5, 6, 7, 8, 9].map((row) => ({
    row,
    column: 'Category',
    field: 'category',
    value: 'lobby',
    reason: 'Category must be one of: …',
  }));
  issues.push({ row: 10, column: 'Category', field: 'category', value: 'hall', reason: 'Category must be one of: …' });
  const out = tidyIssues(issues);
  assert.equal(out.length, 2);
  assert.equal(out[0]!.row, 3);
  assert.equal(out[0]!.reason, 'Category must be one of: … (the same on rows 4, 5, 6, 7, 8 and 1 more)');
  assert.deepEqual(out[1], issues[7]);
});

test('a huge bad cell on many rows: one short issue', () => {
  const huge = 'lobby'.repeat(2_000_000); // 10 MB
  const rows = [2, 3, 4].map((rowNumber) => ({ rowNumber, cells: [`1-${rowNumber}`, huge, 'maglock', 'fail-safe'] }));
  const r = tableToOpenings({ headers: ['opening_id', 'category', 'lock_type', 'fail_mode'], headerRow: 1, rows });
  assert.equal(r.errors.length, 1);
  const e = r.errors[0]!;
  assert.ok(JSON.stringify(e).length < 600, JSON.stringify(e).slice(0, 700));
  assert.match(e.value!, /\[10000000 characters\]$/);
  assert.match(e.reason, /the same on rows 3, 4\)$/);
  // A huge header is clipped too.
  const h = tableToOpenings({
    headers: ['opening_id', 'category', 'lock_type', 'fail_mode', 'x'.repeat(1e6), 'x'.repeat(1e6)],
    headerRow: 1,
    rows: [],
  });
  assert.ok(h.errors.every((i) => JSON.stringify(i).length < 1000));
});

test('mixed line endings outside quoted cells: one message naming the row', () => {
  const crlf = 'opening_id,category\r\n1-1,egress\r\n1-2,egress\n1-3,egress\r\n1-4,egress\n';
  const issue = mixedLineEndings(crlf, ',');
  assert.equal(issue?.row, 3);
  assert.match(issue.reason, /mixes line endings: rows end with CRLF \(Windows\) until row 3, which ends with LF/);
  const r = readDelimited(crlf);
  assert.deepEqual(r.errors, [issue]);
  assert.match(mixedLineEndings('a,b\r1,2\r\n', ',')!.reason, /CR \(classic Mac\) until row 2, which ends with CRLF/);
  // Consistent endings, and line breaks inside quoted cells (Excel: LF in a CRLF file), are fine.
  for (const ok of [
    'a,b\n1,2\n',
    'a,b\r\n1,2\r\n',
    'a,b\r1,2\r',
    'a,b\r\n"x\ny",2\r\n"a\rb",3\r\n',
    'a,b\r\n3" wide,"two\nlines"\r\n4,"q ""\n"""\r\n',
  ])
    assert.equal(mixedLineEndings(ok, ','), null, JSON.stringify(ok));
  assert.equal(mixedLineEndings('a\tb\r\n"x\ny"\t2\r\n', '\t'), null);
});

test('oneLineEnding: the one kind of line break in the whole text, quoted cells included, else null', () => {
  assert.equal(oneLineEnding('a,b\n1,"x\ny"\n'), '\n');
  assert.equal(oneLineEnding('a,b\r\n1,"x\r\ny"\r\n'), '\r\n');
  assert.equal(oneLineEnding('a,b\r1,2\r'), '\r');
  assert.equal(oneLineEnding('a,b'), null, 'no line break');
  assert.equal(oneLineEnding('a,b\r\n1,"x\ny"\r\n'), null, 'LF inside a quoted cell of a CRLF file');
  assert.equal(oneLineEnding('a,b\r\n1,2\r'), null, 'a last bare CR');
  assert.equal(oneLineEnding('\na,b\r\n'), null, 'a first bare LF');
  // Rows split the same whichever ending, given or guessed: the cells come out alike.
  const cells = (text: string) => {
    const rows: string[][] = [];
    readDelimited(text, { header: (c) => rows.push(c), row: (r) => rows.push(r.cells) });
    return rows;
  };
  const expected = [
    ['a', 'b'],
    ['1', 'x y'],
    ['2', ''],
    [''], // the line after the last line break
  ];
  for (const nl of ['\n', '\r\n', '\r']) assert.deepEqual(cells(['a,b', '1,"x y"', '2,', ''].join(nl)), expected, JSON.stringify(nl));
});

test('extra columns have the same limits on import as in the edit form: 200-character headers, 4000-character values', () => {
  const headers = ['opening_id', 'category', 'lock_type', 'fail_mode', 'Heading', 'H'.repeat(300)];
  const rows = [
    { rowNumber: 2, cells: ['1-1', 'egress', 'maglock', 'fail-safe', 'x'.repeat(4000), ''] },
    { rowNumber: 3, cells: ['1-2', 'egress', 'maglock', 'fail-safe', 'y'.repeat(4001), ''] },
  ];
  const r = tableToOpenings({ headers, headerRow: 1, rows });
  assert.deepEqual(
    r.errors.map((e) => [e.row, e.column, e.value, e.reason]),
    [
      [1, `${'H'.repeat(80)}… [300 characters]`, undefined, 'A column header must be at most 200 characters'],
      [3, 'Heading', `${'y'.repeat(80)}… [4001 characters]`, 'A value in an extra column must be at most 4000 characters'],
    ],
  );
});
