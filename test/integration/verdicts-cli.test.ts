// The reproduction of "a confirmation stands in for a release attempt the PD could see", as it was found:
// `doorcx test … --confirm hold:attempt=done` on a fail-secure door whose REX is wired, over a real PTY to the
// simulated site. The "done" without the REX input ever going active must not pass (exit 4: inconclusive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEMO_SITE_NAME } from '../../app/demo';
import { crashRig } from '../support/crash-runs';
import { tempDir } from '../support/tmp';

const BIN = fileURLToPath(new URL('../../bin/doorcx.mjs', import.meta.url));

test('doorcx test --confirm hold:attempt=done without REX: inconclusive, says the REX input never went active', async (t) => {
  const rig = await crashRig(tempDir(t));
  t.after(() => rig.close());
  const child = spawn(
    process.execPath,
    [
      BIN,
      'test',
      '--db',
      rig.dbFile,
      '--site',
      DEMO_SITE_NAME,
      // 1-100: fail-secure, REX on input 2, good installation.
      '--opening',
      '1-100',
      '--procedure',
      'power-drop',
      '--port',
      rig.pty.a,
      '--baud',
      '115200',
      '--confirm',
      'hold:attempt=done,secure-side-held=yes,mechanical-egress=yes',
      '--technician',
      'CLI',
      '--set',
      'holdWindowMs=1000,pdTimerMarginMs=600,relockMs=1500,pollIntervalMs=40,promptTimeoutMs=3000,attemptWatchMs=400,maxReadingGapMs=600',
      '--ahj-note',
      'test windows',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 4, out);
  assert.match(out, /REX input never went active/);
  assert.doesNotMatch(out, /\bPASS\b/);
  assert.equal(rig.live.sim.doorState('1-100').lockRelayOn, true, 'the PD restored lock power');
});
