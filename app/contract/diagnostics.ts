// Support's part of the API: the renderer's errors reach the log, and a technician can
// save one archive (logs, versions, settings, database check) to send to support.
import { z } from 'zod';

export const diagnosticsInputs = {
  reportClientError: z
    .object({
      /** "error" (window.onerror), "unhandledrejection", or "render" (a page's error boundary). */
      kind: z.enum(['error', 'unhandledrejection', 'render']),
      message: z.string().max(2000),
      stack: z.string().max(10_000).optional(),
      /** The route (hash) the user was on. */
      route: z.string().max(500).optional(),
    })
    .strict(),
  saveDiagnostics: z.object({}).strict(),
};

export interface SavedDiagnostics {
  /** Where the archive was written (the data folder's diagnostics/). */
  file: string;
  bytes: number;
  /** "ok", or what the database's integrity check reported. */
  integrity: string;
}

export interface DiagnosticsOutputs {
  reportClientError: null;
  saveDiagnostics: SavedDiagnostics;
}

/** The desktop app's engine (the backend's own process): pushed when it stops, restarts or gives up. */
export type EngineStatus = { state: 'running' } | { state: 'restarting'; message: string } | { state: 'failed'; message: string };

/** Push events (merged into ApiEvents). */
export interface DiagnosticsEvents {
  engineStatus: EngineStatus;
}
