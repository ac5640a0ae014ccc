// The built command line (what `npx doorcx` runs after `npm ci`): it works without tsx,
// finds its data files from the bundle, and `help` loads no backend code at all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/tmp';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIX = join(ROOT, 'test/fixtures/schedules');

/** Builds into a folder of its own inside the checkout (packages resolve from node_modules there). */
function buildNode(t: TestContext): string {
  const outdir = join('.tmp', `build-test-${process.pid}-${Date.now()}`, 'node');
  t.after(() => rmSync(join(ROOT, outdir, '..'), { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ['scripts/build-node.mjs', '--outdir', outdir], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return join(ROOT, outdir);
}

/** Runs a built entry with a module hook that lists every module it loads. */
function runTraced(t: TestContext, entry: string, args: string[]) {
  const dir = tempDir(t);
  const log = join(dir, 'loaded.txt');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`,
  );
  const register = join(dir, 'register.mjs');
  // ES modules through the resolve hook; CommonJS packages (required lazily) from require.cache at exit.
  writeFileSync(
    register,
    `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(${JSON.stringify(new URL(`file://${hooks}`).href)});
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(cache).join('\\n') + '\\n'));
`,
  );
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', register, entry, ...args], { encoding: 'utf8', env: { ...process.env } });
  return { ...r, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

test('the built CLI prints help without loading the database, serial, spreadsheet or validation code', (t) => {
  const out = buildNode(t);
  const r = runTraced(t, join(out, 'cli.mjs'), ['help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: doorcx <command>/);
  assert.match(r.stdout, /import FILE --db PATH/);
  const heavy = r.loaded.filter((u) =>
    /better-sqlite3|serialport|exceljs|papaparse|zod|tsx|app-[A-Z0-9]+\.mjs|schedule-[A-Z0-9]+\.mjs/.test(u),
  );
  assert.deepEqual(heavy, [], 'help loads none of the backend');
  assert.ok(r.loaded.some((u) => u.endsWith('/cli.mjs')));
  // zod and papaparse are bundled (their names are in no URL): no module help loads holds their code.
  const built = r.loaded.filter((u) => u.startsWith('file:') && u.endsWith('.mjs')).map((u) => fileURLToPath(u));
  assert.deepEqual(
    built.filter((f) => /ZodType|BAD_DELIMITERS/.test(readFileSync(f, 'utf8'))),
    [],
    'help loads no validation or CSV code',
  );
});

test('the built CLI imports a schedule and checks it: migrations and data files are found from the bundle', (t) => {
  const out = buildNode(t);
  const dir = tempDir(t);
  const db = join(dir, 'd.sqlite');
  const imported = runTraced(t, join(out, 'cli.mjs'), ['import', join(FIX, 'excel-utf8-bom-crlf.csv'), '--db', db, '--site', 'A']);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /Imported \d+ openings into new site "A"/);
  assert.ok(!imported.loaded.some((u) => /tsx/.test(u)), 'no TypeScript compiler at run time');
  assert.ok(!imported.loaded.some((u) => /exceljs/.test(u)), 'a CSV import does not load the XLSX reader');
  assert.ok(!imported.loaded.some((u) => /serialport|pino|pdfkit/.test(u)), 'an import loads no serial, log or report code');
  // node:crypto (re-import hashes) and node:zlib (XLSX checks) load on first use: a CSV into a new site needs neither.
  assert.deepEqual(
    imported.loaded.filter((u) => /^node:(crypto|zlib)$/.test(u)),
    [],
    'a CSV import into a new site loads no hashing or zip code',
  );
  // Nor the other API methods' input schemas (the runs contract's settings, for one): only the schedule's.
  const builtFiles = imported.loaded.filter((u) => u.startsWith('file:') && u.endsWith('.mjs')).map((u) => fileURLToPath(u));
  assert.deepEqual(
    builtFiles.filter((f) => readFileSync(f, 'utf8').includes('manualReleaseHoldMs')),
    [],
    'an import loads no other API contract',
  );
  const checked = runTraced(t, join(out, 'cli.mjs'), ['check', '--db', db, '--json']);
  assert.equal(checked.status, 0, checked.stderr);
  const report = JSON.parse(checked.stdout) as { sites: { name: string; openingCount: number }[] };
  assert.equal(report.sites[0]!.name, 'A');
  assert.ok(report.sites[0]!.openingCount > 0);
  const rejected = runTraced(t, join(out, 'cli.mjs'), ['import', join(FIX, 'missing-required-column.csv'), '--db', db]);
  assert.equal(rejected.status, 1);
  assert.match(rejected.stderr, /Required column fail_mode is missing/);
});

test("the built CLI carries zod's English messages only, and zod's own messages still read in English", (t) => {
  const out = buildNode(t);
  const files = readdirSync(out).filter((f) => f.endsWith('.mjs'));
  const containing = (text: string) => files.filter((f) => readFileSync(join(out, f), 'utf8').includes(text));
  assert.deepEqual(containing('Ungültige Eingabe'), [], "no other language's messages are bundled");
  assert.equal(containing('Invalid input: expected').length, 1, 'the English messages are, once');
  const dir = tempDir(t);
  const r = runTraced(t, join(out, 'cli.mjs'), [
    'import',
    join(FIX, 'excel-utf8-bom-crlf.csv'),
    '--db',
    join(dir, 'd.sqlite'),
    '--site',
    'x'.repeat(300),
  ]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /siteName: Too big: expected string to have <=200 characters/);
});

test('the built CLI reads and writes XLSX (the spreadsheet package loads on first use)', async (t) => {
  const out = buildNode(t);
  const dir = tempDir(t);
  const db = join(dir, 'd.sqlite');
  const csv = runTraced(t, join(out, 'cli.mjs'), ['import', join(FIX, 'excel-utf8-bom-crlf.csv'), '--db', db, '--site', 'A']);
  assert.equal(csv.status, 0, csv.stderr);
  const exported = runTraced(t, join(out, 'cli.mjs'), ['export', '--db', db, '--site', 'A', '--out', join(dir, 'a.xlsx')]);
  assert.equal(exported.status, 0, exported.stderr);
  assert.ok(exported.loaded.some((u) => /exceljs/.test(u)));
  const again = runTraced(t, join(out, 'cli.mjs'), ['import', join(dir, 'a.xlsx'), '--db', join(dir, 'e.sqlite'), '--site', 'A']);
  assert.equal(again.status, 0, again.stderr);
  const first = JSON.parse(runTraced(t, join(out, 'cli.mjs'), ['check', '--db', db, '--json']).stdout) as unknown;
  const second = JSON.parse(runTraced(t, join(out, 'cli.mjs'), ['check', '--db', join(dir, 'e.sqlite'), '--json']).stdout) as unknown;
  assert.deepEqual(second, first, 'the XLSX round trip gives the same openings and findings');
});

test('bin/doorcx.mjs runs the source through tsx where the build is missing or older than a source file', (t) => {
  // A copy of the bin in a fake checkout whose build is stale: it must not run the stale bundle.
  const dir = join(ROOT, '.tmp', `bin-test-${process.pid}-${Date.now()}`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist/node'), { recursive: true });
  mkdirSync(join(dir, 'cli'), { recursive: true });
  writeFileSync(join(dir, 'bin/doorcx.mjs'), readFileSync(join(ROOT, 'bin/doorcx.mjs')));
  writeFileSync(join(dir, 'dist/node/cli.mjs'), "console.log('stale build');\n");
  writeFileSync(join(dir, 'cli/main.ts'), "const from: string = 'source';\nconsole.log(from);\n");
  const run = () => spawnSync(process.execPath, [join(dir, 'bin/doorcx.mjs')], { encoding: 'utf8' }).stdout.trim();
  assert.equal(run(), 'source', 'no build record: the source runs');
  writeFileSync(
    join(dir, 'dist/node/inputs.json'),
    JSON.stringify({ builtAt: Date.now() + 60_000, inputs: ['cli/main.ts', 'lazy:exceljs'] }),
  );
  assert.equal(run(), 'stale build', 'a build newer than its sources runs');
  writeFileSync(join(dir, 'dist/node/inputs.json'), JSON.stringify({ builtAt: Date.now() - 60_000, inputs: ['cli/main.ts'] }));
  assert.equal(run(), 'source', 'a source file changed after the build: the source runs');
});

test('the packaged app does not carry the TypeScript runner or the web host server; `npm ci` builds the CLI', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    scripts: Record<string, string>;
  };
  for (const dev of ['tsx', 'fastify', '@fastify/static', '@fastify/websocket', 'esbuild', 'electron'])
    assert.equal(pkg.dependencies[dev], undefined, `${dev} is not a runtime dependency`);
  assert.match(pkg.scripts.prepare ?? '', /build-node/);
});
