// Shared harness for browser tests: a real backend (SQLite file in a temp folder),
// the web host serving the built renderer, and Debian's Chromium driven by
// playwright-core — all in the test's process. Needs `npx vite build` first
// (`npm test` does it). Every feature's browser tests reuse this.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApp, type App } from '../../app/index';
import { startWebHost, type WebHost } from '../../app/web-host/server';
import { openFileLogger, type Logger } from '../../app/log';

export const CHROMIUM = process.env.DOORCX_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (never "npx playwright install").`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** How long closing Chromium (or one of its contexts) may take before the tests move on. */
const CLEANUP_MS = 30_000;

/**
 * Runs a step that closes Chromium, moving on after CLEANUP_MS with a line on stderr: a browser that never
 * closes (the test tool's trouble, as once in the camera tests' teardown) would otherwise hold the test file
 * until its time limit and fail tests that passed. Playwright kills the browsers it launched when the process
 * exits. The backend's and the web host's closing are not bounded: a hang there is DoorCx's, and must fail.
 */
async function cleanUp(what: string, step: () => Promise<void> | void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLEANUP_MS)));
  try {
    if ((await Promise.race([Promise.resolve().then(step), late])) === 'late')
      process.stderr.write(`browser tests: ${what} did not finish within ${CLEANUP_MS / 1000} s; moving on\n`);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a browser the tests launched (see cleanUp). */
export const closeBrowser = (browser: Browser): Promise<void> => cleanUp('closing Chromium', () => browser.close());

export interface HarnessOptions {
  /** Load the demo site on first run (default false: tests start from an empty database). */
  demo?: boolean;
  now?: () => Date;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Reuse a browser across harnesses in one test file (it is then not closed by close()). */
  browser?: Browser;
  /** Log the backend and the web host to dir/logs at this level (silent by default). */
  logLevel?: string;
}

export interface Harness {
  app: App;
  host: WebHost;
  browser: Browser;
  context: BrowserContext;
  /** Already opened on the app (the token taken from the URL), at #/sites. */
  page: Page;
  /** The temp folder holding doorcx.sqlite; removed by close(). */
  dir: string;
  /** Uncaught page errors and console errors (CSP violations, 5xx included; 4xx API answers not); assert it stays empty. */
  pageErrors: string[];
  /** Go to a hash route, e.g. '/sites/1'. */
  goto(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`The renderer is not built (${RENDERER_DIR}): run "npx vite build" (npm test does it).`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'doorcx-browser-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // keep closing the rest
      }
    }
  };
  try {
    let log: Logger | undefined;
    if (options.logLevel) {
      const files = await openFileLogger(dir, options.logLevel);
      cleanups.push(() => files.close());
      log = files.log;
    }
    const app = await createApp({
      dbFile: join(dir, 'doorcx.sqlite'),
      dataDir: dir,
      demo: options.demo ?? false,
      ...(options.now ? { now: options.now } : {}),
      ...(log ? { log } : {}),
    });
    cleanups.push(() => app.close());
    const host = await startWebHost({ app, rendererDir: RENDERER_DIR, ...(log ? { log } : {}) });
    cleanups.push(() => host.close());
    const browser = options.browser ?? (await launchChromium());
    if (!options.browser) cleanups.push(() => closeBrowser(browser));
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1280, height: 800 },
      colorScheme: options.colorScheme ?? 'light',
    });
    cleanups.push(() => cleanUp('closing the browser context', () => context.close()));
    // tsx (esbuild keepNames) wraps named functions inside page.evaluate callbacks in __name(…),
    // which does not exist in the page; give the page a no-op one.
    await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
    const page = await context.newPage();
    // Generous: a loaded 2-core CI machine is slow; a real failure still fails, just later.
    page.setDefaultTimeout(20_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // An API call refused with 4xx (validation, conflict) is an expected answer the UI shows; Chromium
      // still logs it as a failed resource. 5xx and everything else count.
      if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) {
        pageErrors.push(`console: ${msg.text()}`);
      }
    });
    await page.goto(host.url);
    await page.waitForFunction(() => window.location.hash.startsWith('#/'));
    const goto = async (path: string) => {
      await page.evaluate((p) => {
        window.location.hash = p;
      }, path);
    };
    return { app, host, browser, context, page, dir, pageErrors, goto, close };
  } catch (err) {
    await close();
    throw err;
  }
}
