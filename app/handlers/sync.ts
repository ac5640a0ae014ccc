// Sync's handlers: one background engine per app (started with it, stopped on close);
// every state change is pushed to the UI as a sync:state event.
import { ApiError } from '../contract';
import type { SyncStatusView, syncInputs } from '../contract/sync';
import { getSite } from '../../db/schedule';
import {
  acceptOffer,
  enrollDevice,
  getEnrolment,
  getServerUrl,
  getStatus,
  listOffers,
  listRemoteAttempts,
  listRemoteLatest,
  normaliseServerUrl,
  pendingCounts,
  setServerUrl,
  SyncEngine,
  SyncHttpError,
  SyncOffline,
} from '../../sync';
import type { AppContext } from '../context';
import type { FeatureHandlers } from './index';

export function createSyncEngine(ctx: AppContext, testRunning: () => boolean): SyncEngine {
  return new SyncEngine(ctx.db, { dataDir: ctx.dataDir, now: ctx.now, testRunning, onState: (s) => ctx.events.emit('sync:state', s) });
}

export function createSyncHandlers(ctx: AppContext, engine: SyncEngine): FeatureHandlers<keyof typeof syncInputs> {
  const { db } = ctx;
  const status = async (): Promise<SyncStatusView> => {
    const e = getEnrolment(db);
    const s = getStatus(db);
    return {
      state: engine.state,
      serverUrl: getServerUrl(db),
      enrolment: e ? { serverUrl: e.serverUrl, deviceId: e.deviceId, deviceName: e.deviceName, enrolledAt: e.enrolledAt } : null,
      pending: pendingCounts(db, e?.deviceId ?? null),
      lastSuccessAt: s.lastSuccessAt,
      lastError: s.lastError,
      lastErrorAt: s.lastErrorAt,
      offers: await listOffers(db),
    };
  };
  return {
    syncStatus: status,
    syncNow: async () => {
      await engine.syncNow();
      return await status();
    },
    syncSetServer: async ({ serverUrl }) => {
      try {
        setServerUrl(db, serverUrl === null ? null : normaliseServerUrl(serverUrl));
      } catch (err) {
        throw new ApiError('validation', (err as Error).message, [
          { field: 'serverUrl', value: serverUrl, reason: (err as Error).message },
        ]);
      }
      return await status();
    },
    syncEnroll: async ({ serverUrl, code, name }) => {
      try {
        await enrollDevice(db, { serverUrl, code, name, now: ctx.now() });
      } catch (err) {
        if (err instanceof SyncHttpError) throw new ApiError('unauthorized', `Enrolment refused: ${err.message}`);
        if (err instanceof SyncOffline) throw new ApiError('validation', `Enrolment failed: ${err.message}`);
        throw new ApiError('validation', (err as Error).message, [
          { field: 'serverUrl', value: serverUrl, reason: (err as Error).message },
        ]);
      }
      engine.start();
      void engine.syncNow();
      return await status();
    },
    syncAcceptSchedule: async ({ serverSite, diffHash, editor }) => {
      try {
        return await acceptOffer(db, serverSite, diffHash, editor, ctx.now());
      } catch (err) {
        throw new ApiError('conflict', (err as Error).message);
      }
    },
    syncRemoteResults: ({ siteId }) => {
      if (!getSite(db, siteId)) throw new ApiError('not-found', `There is no site with id ${siteId}.`);
      return listRemoteAttempts(db, siteId);
    },
    syncRemoteLatest: ({ siteId, openingId }) => {
      if (!getSite(db, siteId)) throw new ApiError('not-found', `There is no site with id ${siteId}.`);
      return listRemoteLatest(db, siteId, openingId);
    },
  };
}
