// Sync in the background of the app: a cycle now and then, retried with exponential
// backoff and jitter after a failure, one at a time, never awaited by a running test.
// The state it reports is what the header pill and the Sync page show.
import type { SyncState } from '../core/sync/state';
import { MAX_PUSH_RECORDS } from '../core/sync/wire';
import type { Db } from '../db/sqlite';
import { NotEnrolled, runSync, type SyncReport } from './cycle';
import { SyncHttpError, SyncOffline } from './http';
import { getEnrolment, getStatus, recordError } from './state';

export type { SyncState };

export interface EngineOptions {
  dataDir: string;
  now?: () => Date;
  /** Between successful syncs (default 60 s). */
  intervalMs?: number;
  /** First retry delay and the cap (defaults 2 s and 5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
  onState?: (s: SyncState) => void;
  /** True while a door test runs: pushes then go in small batches so the test's timing is never held up. */
  testRunning?: () => boolean;
}

/** Delay before retry n (0-based): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function describeSyncError(err: unknown): { kind: 'offline' | 'error'; reason: string } {
  if (err instanceof SyncOffline) return { kind: 'offline', reason: err.message };
  if (err instanceof SyncHttpError) {
    const first = err.problems[0];
    return { kind: 'error', reason: `${err.message}${first ? ` (first: ${first.kind} ${first.uuid}: ${first.reason})` : ''}` };
  }
  return { kind: 'error', reason: err instanceof Error ? err.message : String(err) };
}

export class SyncEngine {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SyncReport | null> | null = null;
  private failures = 0;
  private stopped = true;
  state: SyncState;

  constructor(
    private readonly db: Db,
    private readonly o: EngineOptions,
  ) {
    const status = getStatus(db);
    this.state = getEnrolment(db) ? { kind: 'idle', lastSuccessAt: status.lastSuccessAt } : { kind: 'not-enrolled' };
  }

  private set(s: SyncState): void {
    this.state = s;
    this.o.onState?.(s);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.syncNow(), ms);
    this.timer.unref();
  }

  start(): void {
    this.stopped = false;
    this.schedule(1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Runs a cycle now (or joins the one running); resolves with its report, or null if it failed (see state). */
  syncNow(): Promise<SyncReport | null> {
    this.running ??= this.cycle().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async cycle(): Promise<SyncReport | null> {
    const now = this.o.now ?? (() => new Date());
    if (!getEnrolment(this.db)) {
      this.set({ kind: 'not-enrolled' });
      return null;
    }
    this.set({ kind: 'syncing', phase: 'schedules', done: 0, total: 0 });
    try {
      const report = await runSync(this.db, {
        dataDir: this.o.dataDir,
        now,
        batchRecords: () => (this.o.testRunning?.() ? 100 : MAX_PUSH_RECORDS),
        onProgress: (p) => this.set({ kind: 'syncing', ...p }),
      });
      this.failures = 0;
      this.set({ kind: 'synced', at: report.at });
      this.schedule(this.o.intervalMs ?? 60_000);
      return report;
    } catch (err) {
      if (err instanceof NotEnrolled) {
        this.set({ kind: 'not-enrolled' });
        return null;
      }
      const { kind, reason } = describeSyncError(err);
      recordError(this.db, reason, now());
      const delay = backoffDelay(
        this.failures++,
        this.o.backoffBaseMs ?? 2000,
        this.o.backoffMaxMs ?? 300_000,
        this.o.random ?? Math.random,
      );
      const nextAttemptAt = this.stopped ? null : new Date(now().getTime() + delay).toISOString();
      this.set({ kind, reason, nextAttemptAt });
      this.schedule(delay);
      return null;
    }
  }
}
