// The sync server's HTTP API (Fastify). Devices authenticate with a bearer token
// (stored here only as its SHA-256); the office with the admin token. Every error is
// JSON {error, message, problems?} with the status saying who is at fault:
// 400 bad input, 401 no/wrong/revoked token, 403 site not granted, 409/422 push refused,
// 413 body too large.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import Papa from 'papaparse';
import type pg from 'pg';
import { z } from 'zod';
import {
  isPushRequest,
  MAX_PHOTO_BYTES,
  MAX_PUSH_BYTES,
  pushRequest,
  type PulledRecord,
  type PullResponse,
  type ServerSite,
} from '../core/sync/wire';
import {
  MAX_PHOTO_BATCH_BYTES,
  PHOTO_BATCH_MAX_PHOTOS,
  PHOTO_BATCH_TYPE,
  PhotoBatchError,
  PhotoBatchReader,
} from '../core/sync/photo-batch';
import { BlobMismatch, putBlob, type BlobStore, type BlobWriter } from './blobs';
import { officeSitePage, officeSitesPage } from './office';
import { PushRefused, pushRecords, sha256 } from './push';

export interface ServerOptions {
  pool: pg.Pool;
  blobs: BlobStore;
  adminToken: string;
  /** Lifetime of an enrolment code (default 7 days). */
  codeTtlMs?: number;
  logger?: boolean;
  /** PEM certificate and key: serve HTTPS. */
  https?: { cert: Buffer; key: Buffer };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Device {
  id: string;
  name: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    device: Device | null;
  }
}

const sha = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
const siteIdParam = z.object({ id: z.string().uuid('must be a site id (UUID)') });

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const parts = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`);
  throw new HttpError(
    400,
    'invalid-input',
    `Invalid ${what}: ${parts.slice(0, 5).join('; ')}${parts.length > 5 ? ` (and ${parts.length - 5} more)` : ''}`,
  );
}

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m ? m[1]! : null;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}

/** Counts the openings of a schedule CSV (non-empty rows after the header). */
function countRows(csv: string): number {
  const rows = Papa.parse<string[]>(csv.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' }).data;
  return Math.max(0, rows.length - 1);
}

export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const { pool, blobs } = o;
  const codeTtlMs = o.codeTtlMs ?? 7 * 24 * 3600 * 1000;
  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: 1024 * 1024,
    ...(o.https ? { https: o.https } : {}),
  }) as unknown as FastifyInstance;
  app.decorateRequest('device', null);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_PHOTO_BYTES }, (_req, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 200 * 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ error: err.code, message: err.message });
    if (err instanceof PushRefused) return reply.code(err.status).send({ error: err.code, message: err.message, problems: err.problems });
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply
        .code(413)
        .send({ error: 'too-large', message: `The request body is larger than this endpoint accepts (${req.url}); nothing was stored.` });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return reply.code(err.statusCode).send({ error: 'invalid-input', message: `${err.message}; nothing was stored.` });
    req.log.error(err);
    return reply.code(500).send({ error: 'internal', message: err.message });
  });

  const requireDevice = async (req: FastifyRequest) => {
    const token = bearer(req);
    if (!token)
      throw new HttpError(401, 'no-token', 'This request needs a device token (Authorization: Bearer …); enrol the device first.');
    const row = (
      await pool.query<{ id: string; name: string; revoked_at: Date | null }>(
        'SELECT id, name, revoked_at FROM devices WHERE token_hash = $1',
        [sha256(token)],
      )
    ).rows[0];
    if (!row) throw new HttpError(401, 'bad-token', 'The device token is not known to this server; enrol the device again.');
    if (row.revoked_at)
      throw new HttpError(
        401,
        'revoked',
        `This device ("${row.name}") was revoked on ${row.revoked_at.toISOString()}; ask the office for a new enrolment code.`,
      );
    req.device = { id: row.id, name: row.name };
    return req.device;
  };
  const requireAdmin = async (req: FastifyRequest) => {
    const token = bearer(req);
    if (!token || !sameSecret(token, o.adminToken)) throw new HttpError(401, 'not-admin', 'This request needs the server admin token.');
  };
  const requireGrant = async (device: Device, siteId: string) => {
    const r = await pool.query('SELECT 1 FROM grants WHERE device_id = $1 AND site_id = $2', [device.id, siteId]);
    if (r.rowCount === 0) throw new HttpError(403, 'not-granted', `This device is not granted site ${siteId}; ask the office to grant it.`);
  };
  const latestVersion = async (siteId: string) =>
    (await pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schedule_versions WHERE site_id = $1', [siteId])).rows[0]!.v ??
    0;
  const addVersion = async (client: pg.PoolClient | pg.Pool, siteId: string, csv: string, by: string | null) => {
    const r = await client.query<{ version: number }>(
      `INSERT INTO schedule_versions (site_id, version, csv, opening_count, published_by)
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM schedule_versions WHERE site_id = $1 RETURNING version`,
      [siteId, csv, countRows(csv), by],
    );
    return r.rows[0]!.version;
  };

  // ---- devices -------------------------------------------------------------
  app.post('/v1/enroll', async (req) => {
    const { code, name } = parse(
      z.object({ code: z.string().trim().min(4).max(64), name: z.string().max(100).optional() }),
      req.body,
      'enrolment',
    );
    const token = randomBytes(32).toString('base64url');
    const r = await pool.query<{ id: string; name: string }>(
      `UPDATE devices SET token_hash = $2, code_hash = NULL, enrolled_at = now(), name = coalesce($3, name)
       WHERE code_hash = $1 AND code_expires_at > now() AND revoked_at IS NULL RETURNING id, name`,
      [sha256(code.toUpperCase()), sha256(token), name ?? null],
    );
    if (r.rowCount === 0)
      throw new HttpError(401, 'bad-code', 'This enrolment code is unknown, already used or expired; ask the office for a new one.');
    return { deviceId: r.rows[0]!.id, name: r.rows[0]!.name, token };
  });

  app.get('/v1/me', async (req) => {
    const d = await requireDevice(req);
    return { deviceId: d.id, name: d.name, serverTime: new Date().toISOString() };
  });

  app.get('/v1/sites', async (req): Promise<ServerSite[]> => {
    const d = await requireDevice(req);
    const r = await pool.query<{ id: string; name: string; version: number | null }>(
      `SELECT s.id, s.name, (SELECT max(version) FROM schedule_versions v WHERE v.site_id = s.id) AS version
       FROM sites s JOIN grants g ON g.site_id = s.id WHERE g.device_id = $1 ORDER BY s.name`,
      [d.id],
    );
    return r.rows.map((s) => ({ id: s.id, name: s.name, version: s.version ?? 0 }));
  });

  // A device publishes its own site: new site (granted to it) with its schedule as version 1;
  // a site of that name it is already granted is simply returned (two devices, one site).
  app.post('/v1/sites', { bodyLimit: 200 * 1024 * 1024 }, async (req) => {
    const d = await requireDevice(req);
    const { name, csv } = parse(z.object({ name: z.string().trim().min(1).max(200), csv: z.string() }), req.body, 'site');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(8010)');
      const same = (await client.query<{ id: string }>('SELECT id FROM sites WHERE lower(name) = lower($1)', [name])).rows[0];
      if (same) {
        await client.query('ROLLBACK');
        await requireGrant(d, same.id);
        return { id: same.id, name, version: await latestVersion(same.id), created: false };
      }
      const id = randomUUID();
      await client.query('INSERT INTO sites (id, name, created_by) VALUES ($1, $2, $3)', [id, name, d.id]);
      await client.query('INSERT INTO grants (device_id, site_id) VALUES ($1, $2)', [d.id, id]);
      const version = await addVersion(client, id, csv, d.id);
      await client.query('COMMIT');
      return { id, name, version, created: true };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  });

  app.get('/v1/sites/:id/schedule', async (req) => {
    const d = await requireDevice(req);
    const { id } = parse(siteIdParam, req.params, 'site id');
    await requireGrant(d, id);
    const r = await pool.query<{ version: number; csv: string }>(
      'SELECT version, csv FROM schedule_versions WHERE site_id = $1 ORDER BY version DESC LIMIT 1',
      [id],
    );
    return r.rows[0] ?? { version: 0, csv: null };
  });

  app.post('/v1/push', { bodyLimit: MAX_PUSH_BYTES }, async (req) => {
    const d = await requireDevice(req);
    // The plain check passes a well-formed push; anything else goes through the schema for its reasons.
    return await pushRecords(pool, d, isPushRequest(req.body) ? req.body : parse(pushRequest, req.body, 'push'));
  });

  app.post('/v1/blobs/missing', async (req) => {
    await requireDevice(req);
    const { hashes } = parse(z.object({ hashes: z.array(sha).max(10000) }), req.body, 'photo list');
    const have = new Set(
      (await pool.query<{ sha256: string }>('SELECT sha256 FROM blobs WHERE sha256 = ANY($1)', [hashes])).rows.map((r) => r.sha256),
    );
    return { missing: [...new Set(hashes)].filter((h) => !have.has(h)) };
  });

  // Which photos have a file and a row: the row is what the push checks. Committed without
  // waiting for the disk: a push naming a photo commits after its row in the write-ahead
  // log, so it can never be durable while the row is lost; a lost row only makes the
  // photo count as missing, and it is sent again.
  const recordBlobs = async (photos: { sha256: string; size: number }[]) => {
    if (photos.length === 0) return;
    await pool.query(
      `WITH _ AS (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO blobs (sha256, size) SELECT h, n FROM _, unnest($1::text[], $2::bigint[]) AS t(h, n) ON CONFLICT DO NOTHING`,
      [photos.map((p) => p.sha256), photos.map((p) => p.size)],
    );
  };

  // One photo. The file is the truth (written and flushed under its hash before it is
  // renamed into place); the blobs row records it, and is added when missing.
  app.put('/v1/blobs/:sha', async (req, reply) => {
    await requireDevice(req);
    const { sha: hash } = parse(z.object({ sha }), req.params, 'photo hash');
    if (!Buffer.isBuffer(req.body)) throw new HttpError(400, 'invalid-input', 'A photo is sent as application/octet-stream.');
    const stored = !(await blobs.has(hash));
    let size = req.body.byteLength;
    if (stored) {
      try {
        size = (await putBlob(blobs, hash, req.body)).size;
      } catch (err) {
        if (err instanceof BlobMismatch) throw new HttpError(400, 'hash-mismatch', `Photo ${hash}: ${err.message}.`);
        throw err;
      }
    }
    await recordBlobs([{ sha256: hash, size }]);
    return reply.code(stored ? 201 : 200).send({ sha256: hash, stored });
  });

  // Many photos in one request (core/sync/photo-batch.ts), each written to disk as its
  // bytes arrive; one already here is read past. Up to 16 photos are flushed to disk at
  // once (the file system then commits them together). Every photo that hashes to its
  // name is kept and recorded; one that does not is answered with 400 naming it, and a
  // broken batch with 400 naming the byte (the photos before it are kept).
  app.addContentTypeParser(PHOTO_BATCH_TYPE, (_req, payload, done) => done(null, payload));
  app.post('/v1/blobs', async (req, reply) => {
    await requireDevice(req);
    const body = req.body as Readable;
    const reader = new PhotoBatchReader();
    const done: { sha256: string; size: number }[] = [];
    let stored = 0;
    let current: { sha256: string; size: number; writer: BlobWriter | null } | null = null;
    const committing: Promise<void>[] = [];
    const commit = async (n: number, photo: { sha256: string; size: number; writer: BlobWriter | null }) => {
      if (photo.writer) {
        try {
          await photo.writer.commit();
        } catch (err) {
          if (err instanceof BlobMismatch)
            throw new HttpError(400, 'hash-mismatch', `Photo ${n} of the batch (${photo.sha256}): ${err.message}.`);
          throw err;
        }
        stored++;
      }
      done.push({ sha256: photo.sha256, size: photo.size });
    };
    const settle = async () => {
      const results = await Promise.allSettled(committing.splice(0));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    };
    let received = 0;
    let fault: HttpError | null = null;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        // Bytes past the limit are not read: every photo that ends within it is kept.
        const within = chunk.subarray(0, Math.max(0, MAX_PHOTO_BATCH_BYTES - received));
        received += chunk.byteLength;
        for (const part of reader.read(within)) {
          if (part.kind === 'start') {
            if (reader.photos > PHOTO_BATCH_MAX_PHOTOS)
              throw new HttpError(
                413,
                'too-large',
                `A photo batch holds at most ${PHOTO_BATCH_MAX_PHOTOS} photos; the first ${PHOTO_BATCH_MAX_PHOTOS} were kept.`,
              );
            current = { ...part, writer: (await blobs.has(part.sha256)) ? null : await blobs.create(part.sha256) };
          } else if (part.kind === 'bytes') {
            await current!.writer?.write(part.bytes);
          } else {
            const committed = commit(reader.photos, current!);
            committed.catch(() => undefined); // its failure is taken up when the batch settles
            committing.push(committed);
            current = null;
            if (committing.length >= 16) await settle();
          }
        }
        if (received > MAX_PHOTO_BATCH_BYTES)
          throw new HttpError(
            413,
            'too-large',
            `A photo batch is at most ${MAX_PHOTO_BATCH_BYTES} bytes; the photos that ended within that were kept.`,
          );
      }
      reader.finish();
      await settle();
    } catch (err) {
      await current?.writer?.abort();
      await Promise.allSettled(committing);
      if (err instanceof PhotoBatchError) fault = new HttpError(400, 'invalid-input', `${err.message}; the photos before it were kept.`);
      else if (err instanceof HttpError) fault = err;
      else {
        // The device went away, or the disk failed: the photos stored before it still count.
        await recordBlobs(done).catch(() => undefined);
        throw err;
      }
      // The answer goes before the rest of the batch is read: the connection is closed after
      // it, so the device does not send its next request into the unread remainder.
      void reply.header('connection', 'close');
      body.resume();
    }
    await recordBlobs(done);
    if (fault) throw fault;
    return { stored, present: done.length - stored };
  });

  app.get('/v1/blobs/:sha', async (req, reply) => {
    await requireDevice(req);
    const { sha: hash } = parse(z.object({ sha }), req.params, 'photo hash');
    if (!(await blobs.has(hash))) throw new HttpError(404, 'not-found', `No photo ${hash} on this server.`);
    return reply.type('application/octet-stream').send(blobs.get(hash));
  });

  // Other devices' records for the sites this device is granted, in arrival order.
  app.get('/v1/pull', async (req): Promise<PullResponse> => {
    const d = await requireDevice(req);
    const q = parse(
      z.object({ since: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(10000).default(5000) }),
      req.query,
      'pull query',
    );
    // Up to the highest committed seq first: pushes commit one at a time in seq order, so
    // every row at or below it is visible and the cursor can never step over a late commit.
    const top = Number((await pool.query<{ s: string | null }>('SELECT max(seq) AS s FROM records')).rows[0]!.s ?? 0);
    const r = await pool.query<{
      seq: string;
      kind: PulledRecord['kind'];
      uuid: string;
      site_id: string;
      refs: string[];
      body: Record<string, unknown>;
      name: string;
    }>(
      `SELECT r.seq, r.kind, r.uuid, r.site_id, r.refs, r.body, dv.name
       FROM records r JOIN grants g ON g.site_id = r.site_id AND g.device_id = $1 JOIN devices dv ON dv.id = r.device_id
       WHERE r.seq > $2 AND r.seq <= $3 AND r.device_id <> $1 ORDER BY r.seq LIMIT $4`,
      [d.id, q.since, top, q.limit + 1],
    );
    const more = r.rows.length > q.limit;
    const records = r.rows
      .slice(0, q.limit)
      .map((x) => ({ seq: Number(x.seq), kind: x.kind, uuid: x.uuid, site: x.site_id, refs: x.refs, body: x.body, deviceName: x.name }));
    const next = more ? records[records.length - 1]!.seq : Math.max(top, q.since);
    return { records, next, more };
  });

  // ---- office / admin ------------------------------------------------------
  app.post('/admin/devices', async (req) => {
    await requireAdmin(req);
    const { name } = parse(z.object({ name: z.string().trim().min(1).max(100) }), req.body, 'device');
    const id = randomUUID();
    // 10 characters of an alphabet without look-alikes: easy to type on a tablet.
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const code = [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
    await pool.query('INSERT INTO devices (id, name, code_hash, code_expires_at) VALUES ($1, $2, $3, $4)', [
      id,
      name,
      sha256(code),
      new Date(Date.now() + codeTtlMs),
    ]);
    return { deviceId: id, name, code };
  });

  app.post('/admin/devices/:id/revoke', async (req) => {
    await requireAdmin(req);
    const { id } = parse(z.object({ id: z.string().uuid() }), req.params, 'device id');
    const r = await pool.query('UPDATE devices SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1', [id]);
    if (r.rowCount === 0) throw new HttpError(404, 'not-found', `No device ${id}.`);
    return { deviceId: id, revoked: true };
  });

  app.get('/admin/devices', async (req) => {
    await requireAdmin(req);
    return (await pool.query('SELECT id, name, enrolled_at, revoked_at, last_seen_at FROM devices ORDER BY created_at')).rows;
  });

  app.post('/admin/sites', async (req) => {
    await requireAdmin(req);
    const { name } = parse(z.object({ name: z.string().trim().min(1).max(200) }), req.body, 'site');
    const id = randomUUID();
    const r = await pool.query('INSERT INTO sites (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, name]);
    if (r.rowCount === 0) throw new HttpError(409, 'exists', `A site named "${name}" already exists.`);
    return { id, name };
  });

  // The office imports a schedule (CSV as DoorCx exports it): a new version devices pull.
  app.post('/admin/sites/:id/schedule', { bodyLimit: 200 * 1024 * 1024 }, async (req) => {
    await requireAdmin(req);
    const { id } = parse(siteIdParam, req.params, 'site id');
    if (typeof req.body !== 'string' || req.body.trim() === '') throw new HttpError(400, 'invalid-input', 'Send the schedule as text/csv.');
    const exists = (await pool.query('SELECT 1 FROM sites WHERE id = $1', [id])).rowCount! > 0;
    if (!exists) throw new HttpError(404, 'not-found', `No site ${id}.`);
    return { siteId: id, version: await addVersion(pool, id, req.body, null) };
  });

  app.post('/admin/grants', async (req) => {
    await requireAdmin(req);
    const { deviceId, siteId } = parse(z.object({ deviceId: z.string().uuid(), siteId: z.string().uuid() }), req.body, 'grant');
    await pool.query('INSERT INTO grants (device_id, site_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [deviceId, siteId]);
    return { deviceId, siteId };
  });

  app.get('/admin/sites', async (req) => {
    await requireAdmin(req);
    return (await pool.query('SELECT id, name FROM sites ORDER BY name')).rows;
  });

  // Read-only HTML for the office: the browser asks for the admin token as the password.
  const officeAuth = async (req: FastifyRequest, reply: FastifyReply) => {
    const h = req.headers.authorization ?? '';
    const m = /^Basic\s+(\S+)$/i.exec(h);
    const password = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    if (!password || !sameSecret(password, o.adminToken)) {
      await reply
        .code(401)
        .header('www-authenticate', 'Basic realm="DoorCx office", charset="UTF-8"')
        .type('text/plain')
        .send('The office view needs the server admin token as the password.');
      return false;
    }
    return true;
  };
  app.get('/office', async (req, reply) => {
    if (!(await officeAuth(req, reply))) return reply;
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(await officeSitesPage(pool));
  });
  app.get('/office/sites/:id', async (req, reply) => {
    if (!(await officeAuth(req, reply))) return reply;
    const { id } = parse(siteIdParam, req.params, 'site id');
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(await officeSitePage(pool, id));
  });

  return app;
}
