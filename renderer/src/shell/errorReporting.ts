// Uncaught errors and unhandled promise rejections in the window go to the backend's log
// (reportClientError), so a "Save diagnostics" archive shows what the technician saw.
import { api } from '../api';

const MAX_PER_MINUTE = 20;
let sent: number[] = [];

/** Sends one error to the log; never throws, never loops on its own failure, at most 20 a minute. */
export function reportError(kind: 'error' | 'unhandledrejection' | 'render', error: unknown): void {
  const now = Date.now();
  sent = sent.filter((t) => now - t < 60_000);
  if (sent.length >= MAX_PER_MINUTE) return;
  sent.push(now);
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000) || '(no message)';
  const stack = error instanceof Error && error.stack ? error.stack.slice(0, 10_000) : undefined;
  api.reportClientError({ kind, message, stack, route: window.location.hash.slice(0, 500) }).catch(() => undefined);
}

export function installErrorReporting(): void {
  window.addEventListener('error', (e) => reportError('error', e.error ?? e.message));
  window.addEventListener('unhandledrejection', (e) => reportError('unhandledrejection', e.reason));
}
