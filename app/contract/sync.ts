// Sync's part of the API: state (for the header pill), pending counts per kind, the
// server address and enrolment, "Sync now", schedule versions offered by the server
// (shown as a diff, applied when accepted) and results other devices pushed.
import { z } from 'zod';
import type { RemoteResult, SyncState } from '../../core/sync/state';

export type { RemoteResult, SyncState } from '../../core/sync/state';

const serverUrl = z.string().trim().min(1).max(500);

export const syncInputs = {
  syncStatus: z.object({}).strict(),
  syncNow: z.object({}).strict(),
  syncSetServer: z.object({ serverUrl: serverUrl.nullable() }).strict(),
  syncEnroll: z.object({ serverUrl, code: z.string().trim().min(4).max(64), name: z.string().trim().max(100).optional() }).strict(),
  syncAcceptSchedule: z
    .object({ serverSite: z.string().uuid(), diffHash: z.string().regex(/^[0-9a-f]{64}$/), editor: z.string().trim().min(1).max(100) })
    .strict(),
  syncRemoteResults: z.object({ siteId: z.number().int().positive() }).strict(),
  /** The latest result other devices sent per opening and procedure (the runs views mark them as theirs). */
  syncRemoteLatest: z.object({ siteId: z.number().int().positive(), openingId: z.string().trim().min(1).max(100).optional() }).strict(),
};

export interface SyncStatusView {
  state: SyncState;
  serverUrl: string | null;
  enrolment: { serverUrl: string; deviceId: string; deviceName: string; enrolledAt: string } | null;
  pending: { table: string; label: string; pending: number }[];
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  offers: {
    serverSite: string;
    siteName: string;
    siteId: number | null;
    version: number;
    diff: {
      added: string[];
      removed: string[];
      changed: { openingId: string; changes: { field: string; oldValue: string; newValue: string }[] }[];
      unchanged: number;
    } | null;
    diffHash: string | null;
    errors: string[];
  }[];
}

export interface SyncOutputs {
  syncStatus: SyncStatusView;
  syncNow: SyncStatusView;
  syncSetServer: SyncStatusView;
  syncEnroll: SyncStatusView;
  syncAcceptSchedule: { siteId: number; added: number; changed: number; removed: number };
  syncRemoteResults: RemoteResult[];
  syncRemoteLatest: RemoteResult[];
}

export interface SyncEvents {
  'sync:state': SyncState;
}
