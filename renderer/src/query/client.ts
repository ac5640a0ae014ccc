// The renderer's one QueryClient: every API read is cached under its [method, input] key
// (keys.ts), refetched when a page mounts or when a push event says it changed (push.ts).
import { QueryClient } from '@tanstack/react-query';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // The backend is local: an error is an answer (shown at once), not a network blip to retry.
        retry: false,
        // Fresh on every page visit (the cached answer shows meanwhile); no refetch because a window got focus.
        staleTime: 0,
        refetchOnWindowFocus: false,
      },
    },
  });
}
