// The sync state, live: the status once, then every sync:state event.
import { useEffect, useState } from 'react';
import type { SyncState } from '../../../app/contract/sync';
import { api } from '../api';

export function useSyncState(): SyncState | null {
  const [state, setState] = useState<SyncState | null>(null);
  useEffect(() => {
    let live = true;
    const off = api.subscribe('sync:state', (s) => setState(s));
    api.syncStatus({}).then(
      (v) => live && setState((cur) => cur ?? v.state),
      () => undefined,
    );
    return () => {
      live = false;
      off();
    };
  }, []);
  return state;
}
