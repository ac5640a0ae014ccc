// What the sync client reports: the header pill and the Sync page show it as is.
export type SyncState =
  | { kind: 'not-enrolled' }
  | { kind: 'idle'; lastSuccessAt: string | null }
  | { kind: 'syncing'; phase: 'schedules' | 'photos' | 'push' | 'pull'; done: number; total: number }
  | { kind: 'synced'; at: string }
  | { kind: 'offline'; reason: string; nextAttemptAt: string | null }
  | { kind: 'error'; reason: string; nextAttemptAt: string | null };
