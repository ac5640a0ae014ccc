// The header pill: the real sync state in words (offline, syncing n of m, synced at,
// error with its reason); it opens the Sync page.
import { href } from '../shell/router';
import { useSyncState } from './useSyncState';
import { syncStateWords } from './words';
import './sync.css';

export function SyncPill() {
  const state = useSyncState();
  const kind = state?.kind ?? 'not-enrolled';
  const words = state ? syncStateWords(state) : 'Offline — everything is saved on this laptop';
  return (
    <a className={`status-pill sync-${kind}`} role="status" data-state={kind} href={href('/sync')} title={words}>
      <span className="status-dot" aria-hidden="true" />
      <span className="status-words">{words}</span>
    </a>
  );
}
