// One QueryClient for the app, wired to the backend's push events while the app runs.
import { QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { createQueryClient } from './client';
import { connectPushEvents } from './push';

export function QueryProvider({ children }: { children: ReactNode }) {
  const [client] = useState(createQueryClient);
  useEffect(() => connectPushEvents(client), [client]);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
