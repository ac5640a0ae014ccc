// What this laptop knows about its enrolment and its last sync (migration 008's tables).
import type { Db } from '../db/sqlite';
import { getOrigin } from './outbox';

export interface Enrolment {
  serverUrl: string;
  deviceId: string;
  deviceName: string;
  token: string;
  enrolledAt: string;
}

export function getEnrolment(db: Db): Enrolment | null {
  getOrigin(db);
  const r = db
    .prepare<{
      server_url: string | null;
      device_id: string | null;
      device_name: string | null;
      token: string | null;
      enrolled_at: string | null;
    }>('SELECT server_url, device_id, device_name, token, enrolled_at FROM sync_device WHERE id = 1')
    .get()!;
  if (!r.server_url || !r.device_id || !r.token) return null;
  return {
    serverUrl: r.server_url,
    deviceId: r.device_id,
    deviceName: r.device_name ?? '',
    token: r.token,
    enrolledAt: r.enrolled_at ?? '',
  };
}

/** The server URL typed in settings (kept even before enrolment). */
export function getServerUrl(db: Db): string | null {
  getOrigin(db);
  return db.prepare<{ server_url: string | null }>('SELECT server_url FROM sync_device WHERE id = 1').get()!.server_url;
}

export function setServerUrl(db: Db, url: string | null): void {
  getOrigin(db);
  db.prepare('UPDATE sync_device SET server_url = ? WHERE id = 1').run(url);
}

export function saveEnrolment(db: Db, e: Enrolment): void {
  getOrigin(db);
  db.prepare('UPDATE sync_device SET server_url = ?, device_id = ?, device_name = ?, token = ?, enrolled_at = ? WHERE id = 1').run(
    e.serverUrl,
    e.deviceId,
    e.deviceName,
    e.token,
    e.enrolledAt,
  );
}

export interface SyncStatusRow {
  pullSeq: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

export function getStatus(db: Db): SyncStatusRow {
  const r = db
    .prepare<{ pull_seq: number; last_success_at: string | null; last_error: string | null; last_error_at: string | null }>(
      'SELECT * FROM sync_status WHERE id = 1',
    )
    .get()!;
  return { pullSeq: r.pull_seq, lastSuccessAt: r.last_success_at, lastError: r.last_error, lastErrorAt: r.last_error_at };
}

export function recordSuccess(db: Db, at: Date): void {
  db.prepare('UPDATE sync_status SET last_success_at = ?, last_error = NULL, last_error_at = NULL WHERE id = 1').run(at.toISOString());
}

export function recordError(db: Db, message: string, at: Date): void {
  db.prepare('UPDATE sync_status SET last_error = ?, last_error_at = ? WHERE id = 1').run(message, at.toISOString());
}
