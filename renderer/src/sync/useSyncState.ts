// The sync state, live: the status once, then every sync:state event (query/push.ts puts
// each one in the cache under SYNC_STATE_KEY).
import { useQuery } from '@tanstack/react-query';
import type { SyncState } from '../../../app/contract/sync';
import { api } from '../api';
import { SYNC_STATE_KEY } from '../query/keys';

export function useSyncState(): SyncState | null {
  const q = useQuery({
    queryKey: SYNC_STATE_KEY,
    queryFn: async (): Promise<SyncState> => (await api.syncStatus({})).state,
    // Only events change it from here on.
    staleTime: Infinity,
  });
  return q.data ?? null;
}
