// A PD test refuses to start when its controller link is not usable — no link
// chosen on a real (imported) site, a serial port that is not there, a PD that
// does not answer — and says which and how to fix it. Nothing is recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, type App } from '../../app/index';
import { tempDir } from '../support/tmp';
import { FAST } from '../support/runs-technician';

const DEMO_CSV = readFileSync(new URL('../../resources/demo-site.csv', import.meta.url));

async function importedSite(t: Parameters<typeof tempDir>[0]): Promise<{ app: App; siteId: number; runId: number }> {
  const dir = tempDir(t);
  const app = await createApp({ dbFile: join(dir, 'doorcx.sqlite'), dataDir: dir, demo: false });
  t.after(() => app.close());
  const file = { fileName: 'riverside-copy.csv', contentBase64: DEMO_CSV.toString('base64'), siteName: 'Harbour Clinic' };
  const p = await app.call('previewImport', file);
  const { siteId } = (await app.call('applyImport', { ...file, confirmDiffHash: p.diffHash! })) as { siteId: number };
  const run = await app.handlers.startRun({ siteId, technician: 'Ana', settings: FAST });
  return { app, siteId, runId: run.id };
}

async function nothingRecorded(app: App, runId: number, openingId: string): Promise<void> {
  const c = await app.handlers.getOpeningChecklist({ runId, openingId });
  assert.ok(
    c.procedures.every((p) => p.latest === null),
    'a refused start records no attempt',
  );
}

test('an imported site with no link chosen and no controller connected: refused, saying how to choose one', async (t) => {
  const { app, runId } = await importedSite(t);
  await assert.rejects(
    app.call('runProcedure', { runId, openingId: '1-101', procedureId: 'power-drop' }),
    (err: Error) =>
      /No controller link is chosen/.test(err.message) && /serial port/.test(err.message) && /Controller page/.test(err.message),
  );
  await nothingRecorded(app, runId, '1-101');
});

test('a serial port that is not there: refused, naming the port and what to do', async (t) => {
  const { app, runId } = await importedSite(t);
  await assert.rejects(
    app.call('runProcedure', {
      runId,
      openingId: '1-101',
      procedureId: 'power-drop',
      link: { kind: 'serial', port: '/dev/doorcx-no-such-adapter', baud: 9600 },
    }),
    (err: Error) => /Serial port \/dev\/doorcx-no-such-adapter was not found: plug in the USB–RS-485 adapter/.test(err.message),
  );
  await nothingRecorded(app, runId, '1-101');
});

test('a PD that does not answer: refused, naming the address, the opening and what to check', async (t) => {
  const { app, runId } = await importedSite(t);
  // Open the simulated link for this site, then silence 1-101's PD (address 2).
  const c = await app.handlers.getOpeningChecklist({ runId, openingId: '1-100' });
  assert.equal(c.opening.pd_address, 1);
  const ok = await app.handlers.runProcedure({ runId, openingId: '1-100', procedureId: 'power-drop', link: { kind: 'simulated' } });
  await app.handlers.abortProcedure({ attemptId: ok.id });
  const sim = [...app.runs.links.values()][0]!.sim!;
  sim.control({ action: 'set-faults', openingId: '1-101', faults: { pd: 'silent' } });
  await assert.rejects(
    app.call('runProcedure', { runId, openingId: '1-101', procedureId: 'power-drop', link: { kind: 'simulated' } }),
    (err: Error) => /The PD at address 2 \(opening 1-101\) does not answer/.test(err.message) && /RS-485 wiring/.test(err.message),
  );
  await nothingRecorded(app, runId, '1-101');
});
