// Start-up of whole processes (median of 5 each), beside a bare `node -e 0`.
// Goal: `doorcx help` from the build within 2× the bare Node start.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall time from spawn to exit (or to `ready` matching the output, for servers). */
function timeProcess(args: string[], env: NodeJS.ProcessEnv = {}, ready?: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const done = () => resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (ready?.test(out)) {
        done();
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      if (ready) return;
      if (code === 0) done();
      else reject(new Error(`${args.join(' ')} exited ${code}: ${out}`));
    });
  });
}

async function measure(label: string, args: string[], env?: NodeJS.ProcessEnv, ready?: RegExp): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeProcess(args, env, ready));
  const m = median(times);
  console.log(`${label.padEnd(44)} ${m.toFixed(0).padStart(6)} ms`);
  return m;
}

const built = spawnSync(process.execPath, ['scripts/build-node.mjs'], { cwd: ROOT, encoding: 'utf8' });
if (built.status !== 0) throw new Error(built.stderr);
const dataDir = join(tmpdir(), `doorcx-startup-bench-${process.pid}`);
try {
  console.log(`whole processes, median of ${RUNS}; load average ${loadavg()[0]!.toFixed(1)}`);
  const bare = await measure('node -e 0', ['-e', '0']);
  const help = await measure('doorcx help (build)', ['bin/doorcx.mjs', 'help']);
  await measure('doorcx help (source through tsx)', ['bin/doorcx.mjs', 'help'], { DOORCX_FROM_SOURCE: '1' });
  await measure('web host until its address is printed (build)', ['dist/node/web-host.mjs'], { DOORCX_DATA_DIR: dataDir }, /#token=/);
  // The web host left the demo site in its database: a command that opens it.
  await measure('doorcx check on the demo site (build)', ['bin/doorcx.mjs', 'check', '--db', join(dataDir, 'doorcx.sqlite')]);
  console.log(`doorcx help / node -e 0: ${(help / bare).toFixed(2)}× (goal ≤ 2×)`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
