export { runSync, NotEnrolled, type SyncReport, type SyncProgress } from './cycle';
export { SyncEngine, backoffDelay, describeSyncError, type SyncState } from './engine';
export { enrollDevice, normaliseServerUrl } from './enroll';
export { SyncHttpError, SyncOffline } from './http';
export { pendingCounts, getOrigin } from './outbox';
export { listRemoteAttempts, listRemoteLatest, type RemoteAttempt } from './remote';
export { acceptOffer, listOffers, type ScheduleOffer } from './schedule';
export { getEnrolment, getServerUrl, getStatus, setServerUrl } from './state';
