// What the backend pushes, applied to the cache: a value it sends replaces the cached one
// (sync state, controller status); an event that means "this changed" refetches the reads
// it can change (keys.ts lists them). Live streams (readings, prompts) stay with their pages.
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { Method } from '../../../app/contract';
import { api } from '../api';
import { apiKey, methodKey, RESULT_READS, SYNC_READS, SYNC_STATE_KEY } from './keys';

/** Replace a cached value with a pushed one; a fetch still under way is dropped first, so an older answer never lands on top. */
export async function putPushed<T>(client: QueryClient, key: QueryKey, value: T): Promise<void> {
  await client.cancelQueries({ queryKey: key, exact: true });
  client.setQueryData(key, value);
}

export function invalidateReads(client: QueryClient, methods: readonly Method[]): void {
  for (const m of methods) void client.invalidateQueries({ queryKey: methodKey(m) });
}

/** Subscribes for the app's lifetime; returns the function that unsubscribes. */
export function connectPushEvents(client: QueryClient): () => void {
  const offs = [
    api.subscribe('runs:attempt', (e) => {
      if (e.status !== 'running') invalidateReads(client, RESULT_READS);
    }),
    api.subscribe('sync:state', (s) => {
      void putPushed(client, SYNC_STATE_KEY, s);
      if (s.kind === 'synced' || s.kind === 'error' || s.kind === 'offline') invalidateReads(client, SYNC_READS);
    }),
    api.subscribe('controllerStatus', (s) => void putPushed(client, apiKey('controllerStatus', {}), s)),
    api.subscribe('reports:progress', (e) => {
      if (e.phase !== 'done') return;
      void client.invalidateQueries({ queryKey: methodKey('listReports', { siteId: e.siteId }) });
      // A build signed with a typed passphrase may have left it in the desktop keychain.
      void client.invalidateQueries({ queryKey: methodKey('signingKeychain') });
    }),
    // The desktop engine restarted: everything cached came from the process that stopped.
    api.subscribe('engineStatus', (s) => {
      if (s.state === 'running') void client.invalidateQueries();
    }),
  ];
  return () => offs.forEach((off) => off());
}
