// The sync state in words, for the header pill and the Sync page.
import type { SyncState } from '../../../app/contract/sync';

const time = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

export function syncStateWords(s: SyncState): string {
  switch (s.kind) {
    case 'not-enrolled':
      return 'Offline — everything is saved on this laptop';
    case 'idle':
      return s.lastSuccessAt ? `Synced at ${time(s.lastSuccessAt)}` : 'Sync waiting';
    case 'syncing':
      if (s.phase === 'push' && s.total > 0) return `Syncing ${s.done} of ${s.total}`;
      if (s.phase === 'photos') return `Sending photos ${s.done} of ${s.total}`;
      return s.phase === 'pull' ? 'Syncing — fetching others’ results' : 'Syncing…';
    case 'synced':
      return `Synced at ${time(s.at)}`;
    case 'offline':
      return 'Offline — everything is saved on this laptop';
    case 'error':
      return `Sync error: ${s.reason}`;
  }
}
