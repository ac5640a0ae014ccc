// Enrolment: a one-time code from the office is exchanged for this device's token.
import type { Db } from '../db/sqlite';
import { api } from './http';
import { saveEnrolment, type Enrolment } from './state';

export function normaliseServerUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new Error(`"${url}" is not a server address (expected e.g. https://sync.example.com)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`"${url}" must start with https:// (or http:// on a trusted network)`);
  return u.origin + u.pathname.replace(/\/+$/, '');
}

export async function enrollDevice(db: Db, input: { serverUrl: string; code: string; name?: string; now: Date }): Promise<Enrolment> {
  const serverUrl = normaliseServerUrl(input.serverUrl);
  const r = await api.enroll({ url: serverUrl, token: null }, input.code.trim().toUpperCase(), input.name);
  const e: Enrolment = { serverUrl, deviceId: r.deviceId, deviceName: r.name, token: r.token, enrolledAt: input.now.toISOString() };
  saveEnrolment(db, e);
  return e;
}
