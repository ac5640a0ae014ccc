// Signed commissioning reports end to end, from the demo site after real runs on
// the simulated controller: build through the API, then check the file with
// poppler's pdfsig (its text: it exits 0 even on a bad digest), qpdf --check and
// pdftotext; flip one byte; countersign; a crash leaves an interrupted attempt;
// and every kind of bad input gets a clear message and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import PDFDocument from 'pdfkit';
import { createApp } from '../../app/index';
import { DEMO_SITE_NAME } from '../../app/demo';
import { modeReason } from '../../core/runs/progress';
import type { AttemptSummary } from '../../app/contract/runs';
import type { ReportSummary } from '../../app/contract/reports';
import { procedureFor } from '../../core/procedures';
import { createAttempt, getRun, recordStep, verifyEventLog } from '../../db/runs';
import { openSqlite } from '../../db/sqlite';
import { getOpeningById, getSiteByName } from '../../db/schedule';
import { listReports } from '../../db/reports/repository';
import { createTechnicianP12, openP12 } from '../../report/certificate';
import { countersignReport, renderToFile } from '../../report/build';
import { loadReportModel } from '../../report/load';
import { signPdf } from '../../report/sign';
import { verifyReport } from '../../report/verify';
import { nonSigningP12 } from '../support/certs';
import { FAST } from '../support/runs-technician';
import { tempDir } from '../support/tmp';

const BIN = fileURLToPath(new URL('../../bin/doorcx.mjs', import.meta.url));
const PASS = 'correct horse battery';
// A real 2×2 PNG (pdfkit decodes it to draw the thumbnail).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

const tool = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status, text: `${r.stdout}${r.stderr}` };
};
const pdfsig = (file: string) => tool('pdfsig', [file]).text;
const pdftext = (file: string) => tool('pdftotext', ['-layout', file, '-']).text;

type App = Awaited<ReturnType<typeof createApp>>;
async function finished(app: App, attemptId: number): Promise<AttemptSummary> {
  for (let i = 0; i < 2000; i++) {
    const a = (await app.call('getAttempt', { attemptId })) as AttemptSummary;
    if (a.status !== 'running') return a;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`attempt ${attemptId} did not finish`);
}

const stroke = (y: number): [number, number][] => [
  [0.1, y],
  [0.3, y - 0.2],
  [0.5, y + 0.1],
  [0.8, y - 0.1],
];

test('signed report from the demo site after real runs: pdfsig, qpdf, pdftotext, tampering, countersign, bad input', async (t) => {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: true });
  t.after(() => app.close());
  const db = app.ctx.db;
  const siteId = getSiteByName(db, DEMO_SITE_NAME)!.id;
  const scope = { siteId };

  // Nothing recorded yet: the preview says why a report cannot be built, and building changes nothing.
  const empty = await app.call('previewReport', scope);
  assert.match(empty.blockers.join(), /No results in scope/);
  await assert.rejects(app.call('buildReport', { ...scope, technician: 'Zoë', passphrase: PASS }), /No results in scope/);
  assert.equal(listReports(db, siteId).length, 0);

  const run = await app.call('startRun', { siteId, technician: 'Zoë Ødegård-李', settings: FAST });
  // 1-101 is wired as scheduled: passes. 1-102 is miswired: fails, is fixed and retested (the failure stays as history).
  const good = await app.call('runProcedure', {
    runId: run.id,
    openingId: '1-101',
    procedureId: 'power-drop',
    link: { kind: 'simulated' },
    answers: { 'door-opened': 'yes' },
  });
  // Building while that test runs is refused.
  await assert.rejects(app.call('buildReport', { ...scope, technician: 'Zoë', passphrase: PASS }), /A test is running on opening 1-101/);
  assert.equal((await finished(app, good.id)).verdict, 'pass');
  const bad = await app.call('runProcedure', {
    runId: run.id,
    openingId: '1-102',
    procedureId: 'power-drop',
    link: { kind: 'simulated' },
    answers: { 'door-opened': 'no' },
  });
  assert.equal((await finished(app, bad.id)).verdict, 'fail');
  const def = (await app.call('listDeficiencies', { siteId, openingId: '1-102' }))[0]!;
  await app.call('attachPhoto', {
    deficiencyId: def.id,
    fileName: 'wiring.png',
    mimeType: 'image/png',
    contentBase64: PNG.toString('base64'),
  });
  app.runs.links.get(`simulated:site-${siteId}`)!.sim!.control({ action: 'set-faults', openingId: '1-102', faults: {} });
  const retest = await app.call('retest', {
    attemptId: bad.id,
    link: { kind: 'simulated' },
    answers: { 'door-opened': 'yes' },
  });
  assert.equal((await finished(app, retest.id)).verdict, 'pass');
  await app.call('setDeficiencyStatus', {
    deficiencyId: def.id,
    status: 'fixed-retested',
    note: 'rewired fail-safe',
    by: 'Zoë',
    retestAttemptId: retest.id,
  });
  await app.call('recordChecklistItem', {
    runId: run.id,
    openingId: '1-102',
    procedureId: 'check-mode-label',
    answers: { 'mode-label': 'yes' },
  });

  // A crash mid-procedure on 1-100: the attempt and its first committed step are on disk, its end never is.
  const runRow = getRun(db, run.id)!;
  const o100 = getOpeningById(db, siteId, '1-100')!;
  const cut = createAttempt(
    db,
    { runId: run.id, opening: o100, plan: procedureFor(o100, 'power-drop', runRow.settings), link: 'simulated', supersedes: null },
    new Date(),
  );
  recordStep(
    db,
    {
      run: runRow,
      attempt: cut,
      by: 'Zoë',
      record: {
        procedureId: 'power-drop',
        stepId: 'precheck',
        stepIndex: 0,
        kind: 'precheck',
        title: 'Before the test: lock power on, lock secured, door closed',
        verdict: 'pass',
        reason: 'lock power on, secured, closed',
        measuredMs: null,
        resolutionMs: null,
        startedAt: Date.now(),
        endedAt: Date.now(),
        deficiency: null,
        personEvidence: false,
        evidence: {},
      },
    },
    new Date(),
  );

  // Draft: no hand signatures yet → DRAFT on every page.
  const draft = (await app.call('buildReport', { ...scope, technician: 'Zoë Ødegård-李', passphrase: PASS })) as ReportSummary & {
    certificateCreated: boolean;
  };
  assert.equal(draft.certificateCreated, true, 'the technician certificate is created on first use');
  assert.ok(existsSync(join(dir, 'signing', 'technician.p12')));
  assert.equal(draft.draft, true);
  const draftPages = pdftext(draft.filePath)
    .split('\f')
    .filter((p) => p.trim());
  assert.ok(draftPages.length >= 5);
  for (const [i, p] of draftPages.entries()) assert.match(p, /DRAFT/, `page ${i + 1} is marked DRAFT`);

  // Both sign by hand (strokes as vectors); the witness is named on the report.
  await assert.rejects(app.call('addHandwrittenSignature', { siteId, role: 'witness', name: 'x', strokes: [] }), /pad is empty/);
  await app.call('addHandwrittenSignature', { siteId, role: 'technician', name: 'Zoë Ødegård-李', strokes: [stroke(0.5), stroke(0.7)] });
  await app.call('addHandwrittenSignature', {
    siteId,
    role: 'witness',
    name: 'Åsa O’Brien',
    title: 'AHJ inspector',
    strokes: [stroke(0.6)],
  });
  const built = (await app.call('buildReport', {
    ...scope,
    technician: 'Zoë Ødegård-李',
    passphrase: PASS,
    witness: { name: 'Åsa O’Brien', title: 'AHJ inspector' },
  })) as ReportSummary;
  assert.equal(built.draft, false);
  assert.equal(built.overall, 'inconclusive', 'the interrupted attempt keeps the site from an overall pass');
  const file = built.filePath;

  // poppler reads it as validly signed; qpdf finds no structural error.
  const sig = pdfsig(file);
  assert.match(sig, /Signature #1:/);
  assert.match(sig, /Signature Validation: Signature is Valid\./);
  assert.match(sig, /Signature Type: ETSI\.CAdES\.detached/);
  assert.match(sig, /Common Name: Zoë Ødegård-李/);
  assert.match(sig, /Total document signed/);
  const q = tool('qpdf', ['--check', file]);
  assert.equal(q.code, 0, q.text);
  // The text layer gives back verdicts, measured times, person evidence, history and every character.
  const text = pdftext(file);
  assert.doesNotMatch(text, /DRAFT/);
  assert.match(text, /Overall result: INCONCLUSIVE/);
  // 1-101 is tied to the fire alarm: its power drop passed, the alarm release was not run → incomplete, never "pass".
  assert.match(text, /1-101 — .*INCOMPLETE/);
  assert.match(text, /Power drop \(required\) +PASS/);
  assert.match(text, /Fire-alarm release \(required\) +NOT TESTED/);
  assert.match(text, /1-104 — .*NOT TESTED/);
  assert.match(text, /INCONCLUSIVE \(interrupted\)/);
  assert.match(text, /Interrupted: DoorCx stopped before this procedure finished/);
  assert.match(text, /\d+ ms ±\d+ ms/, 'measured release time with its resolution');
  assert.match(text, /person-confirmed/);
  assert.match(text, new RegExp(`Earlier attempt ${bad.id} .*FAIL`));
  assert.match(text, /Zoë Ødegård-李/);
  assert.match(text, /Åsa O’Brien, AHJ inspector/);
  assert.match(text, /fixed-retested by Zoë — rewired fail-safe/);
  assert.match(
    text,
    new RegExp(`Photo wiring.png \\(image/png, \\d+ bytes\\) SHA-256\\s+${readdirSync(join(dir, 'attachments'))[0]}`),
    'the photo with its hash',
  );
  assert.match(text, new RegExp(`Report data \\(embedded doorcx-report.json\\) SHA-256: ${built.modelSha256}`));

  // The app's verification (and with the database: the event-log head is in its chain).
  const v = await app.call('verifyReport', { reportId: built.id });
  assert.equal(v.ok, true, v.problems.join('\n'));
  assert.equal(v.unchangedSinceBuilt, true);
  assert.equal(v.eventLog.inChain, true);
  assert.equal(v.signatures.length, 1);
  assert.equal(v.signatures[0]!.coversWholeFile, true);
  assert.equal(v.signatures[0]!.signer, 'Zoë Ødegård-李');
  // With the database, verify asks only whether the report's head is in an intact chain: a table edited
  // behind DoorCx's back does not change the signed report (the app's own log check names it), an edited
  // log event breaks the chain the head hangs from.
  {
    const copy = join(dir, 'tampered.sqlite');
    db.exec(`VACUUM INTO '${copy}'`);
    const other = openSqlite(copy);
    try {
      other.exec("DROP TRIGGER step_results_no_update; UPDATE step_results SET verdict = 'pass' WHERE verdict = 'fail'");
      assert.equal(verifyReport(readFileSync(file), 'report.pdf', other).eventLog.inChain, true);
      assert.equal(verifyEventLog(other).ok, false, "the edited table is the app log check's to report");
      other.exec(`DROP TRIGGER event_log_no_update; UPDATE event_log SET payload = '{"forged":true}' WHERE seq = 1`);
      const broken = verifyReport(readFileSync(file), 'report.pdf', other);
      assert.equal(broken.ok, false);
      assert.equal(broken.eventLog.inChain, false);
      assert.match(broken.eventLog.detail ?? '', /damaged at row 1: event 1 was altered/);
    } finally {
      other.close();
    }
  }
  // The embedded JSON says what the pages say.
  const embedded = tool('pdfdetach', ['-list', file]).text;
  assert.match(embedded, /doorcx-report\.json/);

  // One byte flipped anywhere covered → verify and pdfsig both say invalid.
  const bytes = readFileSync(file);
  for (const at of [Math.floor(bytes.length / 3), 200, bytes.length - 40]) {
    const flipped = Buffer.from(bytes);
    flipped[at] = flipped[at]! ^ 0x01;
    const f = join(dir, `flipped-${at}.pdf`);
    writeFileSync(f, flipped);
    const r = verifyReport(flipped, f, db);
    assert.equal(r.ok, false, `byte ${at} flipped must not verify`);
    assert.ok(r.problems.length > 0);
    assert.doesNotMatch(pdfsig(f), /Signature is Valid\./, `pdfsig on byte ${at} flipped`);
  }
  // Inside the signature's zero padding (outside the signed ranges) → still invalid for DoorCx.
  const padded = Buffer.from(bytes);
  const contentsEnd = padded.indexOf('>', padded.indexOf('/Contents <', padded.indexOf('/ByteRange [0 ')));
  padded[contentsEnd - 4] = 0x31;
  assert.match(verifyReport(padded, 'pad.pdf').problems.join(), /bytes after the signature value were changed/);

  // Countersign (the owner's representative, their own .p12) as an incremental update: the first signature stays valid.
  const ownerP12 = createTechnicianP12('Owner Rep 王', 'owner passphrase', new Date());
  const counter = join(dir, 'countersigned.pdf');
  await countersignReport(file, counter, openP12(ownerP12, 'owner passphrase', new Date()), new Date());
  const sig2 = pdfsig(counter);
  assert.equal(sig2.match(/Signature Validation: Signature is Valid\./g)?.length, 2, sig2);
  assert.equal(tool('qpdf', ['--check', counter]).code, 0);
  const cv = verifyReport(readFileSync(counter), counter, db);
  assert.equal(cv.ok, true, cv.problems.join('\n'));
  assert.equal(cv.signatures[0]!.coversWholeFile, false);
  assert.ok(cv.signatures[0]!.bytesAddedAfter > 0);
  assert.equal(cv.signatures[1]!.signer, 'Owner Rep 王');
  assert.deepEqual(
    readFileSync(counter).subarray(0, bytes.length - 1),
    bytes.subarray(0, bytes.length - 1),
    'the signed revision is untouched',
  );

  // Same data + same time → same bytes before signing.
  const at = new Date('2026-01-05T12:00:00.000Z');
  const load = () =>
    loadReportModel(db, { siteId, scope: { runIds: [], floors: [], openingIds: [] }, generatedAt: at, dataDir: dir, modeReason }).model;
  await renderToFile(load(), dir, join(dir, 'a.pdf'));
  await renderToFile(load(), dir, join(dir, 'b.pdf'));
  assert.ok(readFileSync(join(dir, 'a.pdf')).equals(readFileSync(join(dir, 'b.pdf'))), 'reproducible bytes');

  // Bad verification input: clear verdicts, never a crash.
  assert.match(verifyReport(Buffer.from('hello'), 'x').problems.join(), /not a PDF/);
  assert.match(verifyReport(readFileSync(join(dir, 'a.pdf')), 'a.pdf').problems.join(), /not signed/);
  assert.match(verifyReport(bytes.subarray(0, bytes.length - 500), 't.pdf').problems.join(), /truncated/);
  assert.match(verifyReport(bytes.subarray(0, 5000), 't.pdf').problems.join(), /truncated/);
  // A PDF validly signed by someone else that is not a DoorCx report.
  const other = new PDFDocument({ info: { CreationDate: at } });
  const chunks: Buffer[] = [];
  other.on('data', (c: Buffer) => chunks.push(c));
  other.text('An invoice');
  const ended = new Promise((r) => other.on('end', r));
  other.end();
  await ended;
  const foreign = await signPdf(Buffer.concat(chunks), openP12(ownerP12, 'owner passphrase', new Date()), {
    reason: 'x',
    location: 'y',
    signingTime: new Date(),
  });
  const fv = verifyReport(foreign, 'foreign.pdf');
  assert.equal(fv.signatures[0]!.valid, true);
  assert.equal(fv.ok, false);
  assert.match(fv.problems.join(), /not a DoorCx report/);
  // Against another site's database the event-log head is not in the chain.
  const otherApp = await createApp({ dbFile: join(dir, 'other', 'doorcx.sqlite'), dataDir: join(dir, 'other'), demo: true });
  const ov = verifyReport(bytes, file, otherApp.ctx.db);
  await otherApp.close();
  assert.equal(ov.ok, false);
  assert.match(ov.problems.join(), /Event log: the report's event-log head is not in this database's chain/);

  // Bad signing input: each named, nothing written, nothing recorded.
  const before = { reports: listReports(db, siteId).length, files: readdirSync(join(dir, 'reports')).length };
  const tryBuild = (extra: Record<string, unknown>) => app.call('buildReport', { ...scope, technician: 'Zoë', passphrase: PASS, ...extra });
  await assert.rejects(tryBuild({ passphrase: 'wrong passphrase' }), /Wrong passphrase/);
  await assert.rejects(tryBuild({ p12Base64: Buffer.from('not a p12 at all').toString('base64') }), /damaged or not a PKCS#12/);
  const expired = createTechnicianP12('Old', PASS, new Date('2015-01-01T00:00:00Z'), 1);
  await assert.rejects(tryBuild({ p12Base64: expired.toString('base64') }), /expired on 2016/);
  await assert.rejects(tryBuild({ p12Base64: nonSigningP12(PASS).toString('base64') }), /not allowed to sign/);
  const photo = join(dir, 'attachments', readdirSync(join(dir, 'attachments'))[0]!);
  renameSync(photo, `${photo}.away`);
  await assert.rejects(tryBuild({}), /Photo "wiring.png" of deficiency #\d+ \(1-102\) is missing/);
  renameSync(`${photo}.away`, photo);
  assert.deepEqual({ reports: listReports(db, siteId).length, files: readdirSync(join(dir, 'reports')).length }, before);

  // The CLI: verify (exit 0 / 1), JSON export, build with the passphrase from the environment.
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, input: '' });
  const ok = cli(['report', 'verify', file, '--db', join(dir, 'doorcx.sqlite')]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /VALID[\s\S]*Signature 1: valid — signer Zoë Ødegård-李[\s\S]*in the database's chain/);
  const flippedCli = cli(['report', 'verify', join(dir, `flipped-200.pdf`)]);
  assert.equal(flippedCli.status, 1);
  assert.match(flippedCli.stdout, /NOT VALID/);
  const noPass = cli(['report', 'build', '--db', join(dir, 'doorcx.sqlite'), '--site', DEMO_SITE_NAME, '--out', join(dir, 'cli.pdf')]);
  assert.equal(noPass.status, 1);
  assert.match(noPass.stderr, /set DOORCX_P12_PASSPHRASE/);
  copyFileSync(join(dir, 'signing', 'technician.p12'), join(dir, 'tech.p12'));
  const cliBuild = cli(
    [
      'report',
      'build',
      '--db',
      join(dir, 'doorcx.sqlite'),
      '--site',
      DEMO_SITE_NAME,
      '--floor',
      '1',
      '--out',
      join(dir, 'cli.pdf'),
      '--p12',
      join(dir, 'tech.p12'),
    ],
    { DOORCX_P12_PASSPHRASE: PASS },
  );
  assert.equal(cliBuild.status, 0, cliBuild.stderr);
  assert.match(pdfsig(join(dir, 'cli.pdf')), /Signature is Valid\./);
  const json = cli(['report', 'json', '--db', join(dir, 'doorcx.sqlite'), '--site', DEMO_SITE_NAME]);
  const model = JSON.parse(json.stdout) as {
    openings: { openingId: string; result: string; procedures: { id: string; final: { verdict: string } | null; history: unknown[] }[] }[];
  };
  const o102 = model.openings.find((o) => o.openingId === '1-102')!;
  assert.equal(o102.result, 'incomplete', 'power drop passed on retest; the fire-alarm release is still to run');
  const pd102 = o102.procedures.find((p) => p.id === 'power-drop')!;
  assert.equal(pd102.final?.verdict, 'pass');
  assert.equal(pd102.history.length, 1, 'the failed attempt is kept as history');
  const csv = cli(['report', 'csv', '--db', join(dir, 'doorcx.sqlite'), '--site', DEMO_SITE_NAME]);
  assert.match(csv.stdout, /^opening_id,floor,location/);
  assert.match(csv.stdout, /1-104,1,.*,not-tested/);
});
