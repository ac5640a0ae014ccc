// What the sync client reports: the header pill and the Sync page show it as is.
export type SyncState =
  | { kind: 'not-enrolled' }
  | { kind: 'idle'; lastSuccessAt: string | null }
  | { kind: 'syncing'; phase: 'schedules' | 'photos' | 'push' | 'pull'; done: number; total: number }
  | { kind: 'synced'; at: string }
  | { kind: 'offline'; reason: string; nextAttemptAt: string | null }
  | { kind: 'error'; reason: string; nextAttemptAt: string | null };

/** A result another device pushed for one of this laptop's sites, marked with who ran it. */
export interface RemoteResult {
  uuid: string;
  openingId: string;
  procedureId: string;
  startedAt: string;
  verdict: 'pass' | 'fail' | 'inconclusive' | null;
  reason: string | null;
  technician: string;
  deviceName: string;
}
