// A device's push: every record inserted once by UUID, in one transaction, or none of
// them. Same UUID and same content is a no-op; same UUID with other content, a missing
// parent, a missing photo or a break in the device's event chain refuses the whole push.
import { hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  canonicalBodyAndHash,
  canonicalJson,
  checkChainSegment,
  GENESIS,
  type PushProblem,
  type PushRequest,
  type PushResult,
  type WireEvent,
} from '../core/sync/wire';
import { canonicalJson as rfc8785, plainSorted } from '../core/canonical-json';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, rowRoom, writeRow, type CopyField } from './copy-binary';

// One-shot hashing: a push hashes hundreds of thousands of short texts.
export const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** The device's event hash: sha256(prev ‖ RFC 8785 JSON of {seq, at, type, runId, attemptId, payload}). */
export function eventHash(prevHash: string, e: WireEvent): string {
  const text = rfc8785({ at: e.at, attemptId: e.attemptId, payload: e.payload, runId: e.runId, seq: e.seq, type: e.type });
  if (text === undefined) throw new Error('event cannot be represented as JSON');
  return sha256(prevHash + text);
}

const EVENT_KEYS = 8; // at, attemptId, hash, payload, prevHash, runId, seq, type

/**
 * An event's hash as the device computed it (from its own prevHash) and its body's
 * canonical text, writing the payload once for both. Their keys sort the same way in
 * both texts; a payload whose keys are out of order, or a body with other keys, takes
 * the general functions.
 */
export function eventTexts(e: WireEvent): { hash: string; body: string } {
  if (plainSorted(e.payload) && e.payload !== undefined && Object.keys(e).length === EVENT_KEYS) {
    const payload = JSON.stringify(e.payload);
    const at = JSON.stringify(e.at);
    const runId = JSON.stringify(e.runId);
    const attemptId = JSON.stringify(e.attemptId);
    const type = JSON.stringify(e.type);
    return {
      hash: sha256(
        `${e.prevHash}{"at":${at},"attemptId":${attemptId},"payload":${payload},"runId":${runId},"seq":${e.seq},"type":${type}}`,
      ),
      body: `{"at":${at},"attemptId":${attemptId},"hash":"${e.hash}","payload":${payload},"prevHash":"${e.prevHash}","runId":${runId},"seq":${e.seq},"type":${type}}`,
    };
  }
  return { hash: eventHash(e.prevHash, e), body: canonicalJson(e) };
}

export class PushRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: 'conflict' | 'missing-parent' | 'missing-photo' | 'broken-chain' | 'forbidden',
    message: string,
    readonly problems: PushProblem[] = [],
  ) {
    super(message);
  }
}

const COPY_CHUNK = 500;

/** Stores a device's push (see above). The records' bodies are emptied once their texts are made. */
export async function pushRecords(pool: pg.Pool, device: { id: string }, req: PushRequest): Promise<PushResult> {
  // Every record's canonical text and content hash (an event's own hash too), made first:
  // another device's push, or this device's previous batch, is stored meanwhile, and the
  // push lock is then held only while PostgreSQL writes.
  const texts = req.records.map((r) => {
    if (r.kind !== 'event') return { ...canonicalBodyAndHash(sha256, r), eventHash: '' };
    const e = eventTexts(r.body);
    return { ...canonicalBodyAndHash(sha256, r, e.body), eventHash: e.hash };
  });
  // The parsed bodies are most of a push's memory. Once their texts are made, all that is
  // read of them is an event's place in the chain and an attachment's photo: the rest is
  // let go now, so it dies young instead of being copied by every garbage collection
  // while the push waits for the database.
  for (const r of req.records) {
    if (r.kind === 'event') r.body.payload = null;
    else if (r.kind !== 'attachment') r.body = {};
  }
  const sites = [...new Set(req.records.flatMap((r) => (r.site ? [r.site] : [])))];
  if (sites.length > 0) {
    const granted = await pool.query<{ site_id: string }>('SELECT site_id FROM grants WHERE device_id = $1 AND site_id = ANY($2::uuid[])', [
      device.id,
      sites,
    ]);
    const ok = new Set(granted.rows.map((r) => r.site_id));
    const denied = sites.filter((s) => !ok.has(s));
    if (denied.length > 0) throw new PushRefused(403, 'forbidden', `this device is not granted site ${denied.join(', ')}`);
  }
  const hashOf = (i: number): string => texts[i]!.hash;
  const seen = new Map<string, number>();
  for (const [i, r] of req.records.entries()) {
    const prev = seen.get(r.uuid);
    if (prev !== undefined && hashOf(prev) !== hashOf(i))
      throw new PushRefused(409, 'conflict', `record ${r.uuid} appears twice in the push with different content`, [
        { uuid: r.uuid, kind: r.kind, reason: 'sent twice with different content' },
      ]);
    seen.set(r.uuid, i);
  }

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // One push at a time commits records: arrival order (seq) is then commit order, so a
    // puller's cursor never skips a row committed late (holds across several servers).
    await client.query('SELECT pg_advisory_xact_lock(8009)');
    const all = [...seen.values()];
    // Nearly every push holds only records new to the server, so it is first checked and
    // written as if all were new, without looking each one up. Should one be there already
    // (a batch sent again after its answer was lost), the check or the write stops at it,
    // and the push is checked again against what is stored: a duplicate is then a no-op,
    // the same UUID with other content a conflict.
    await client.query('SAVEPOINT as_new');
    try {
      return await storeFresh(client, device, req, texts, all, false);
    } catch (err) {
      if (!(err instanceof MaybeStored || (err as { code?: string }).code === '23505')) throw err;
      await client.query('ROLLBACK TO SAVEPOINT as_new');
    }
    const existing = new Map(
      (
        await client.query<{ uuid: string; content_hash: string }>('SELECT uuid, content_hash FROM records WHERE uuid = ANY($1::uuid[])', [
          [...seen.keys()],
        ])
      ).rows.map((r) => [r.uuid, r.content_hash]),
    );
    const conflicts: PushProblem[] = [];
    const fresh: number[] = [];
    for (const i of all) {
      const r = req.records[i]!;
      const had = existing.get(r.uuid);
      if (had === undefined) {
        fresh.push(i);
      } else if (had !== hashOf(i)) {
        conflicts.push({ uuid: r.uuid, kind: r.kind, reason: 'already on the server with different content' });
      }
    }
    if (conflicts.length > 0)
      throw new PushRefused(
        409,
        'conflict',
        `${conflicts.length} record(s) already on the server with different content; nothing was stored`,
        conflicts,
      );
    return await storeFresh(client, device, req, texts, fresh, true);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A check failed while the push was taken as all new: it is checked again against what the server has. */
class MaybeStored extends Error {}

/**
 * Checks the records at `fresh` (indexes into the push, each UUID once) and writes them, then
 * commits. With `known` false nothing was looked up yet, and a failed check may only mean
 * that some of them are stored already (MaybeStored); with `known` true it refuses the push.
 */
async function storeFresh(
  client: pg.PoolClient,
  device: { id: string },
  req: PushRequest,
  texts: readonly { body: string; hash: string; eventHash: string }[],
  fresh: readonly number[],
  known: boolean,
): Promise<PushResult> {
  const refuse = (err: PushRefused): never => {
    throw known ? err : new MaybeStored(err.message);
  };
  // Parents: earlier in this push, or already on the server.
  const position = new Map(req.records.map((r, i) => [r.uuid, i]));
  const outside = new Set<string>();
  const problems: PushProblem[] = [];
  for (const i of fresh) {
    const r = req.records[i]!;
    for (const ref of r.refs) {
      const at = position.get(ref);
      if (at === undefined) outside.add(ref);
      else if (at > i) problems.push({ uuid: r.uuid, kind: r.kind, reason: `its parent ${ref} comes after it in the push` });
    }
  }
  if (outside.size > 0) {
    const found = new Set(
      (await client.query<{ uuid: string }>('SELECT uuid FROM records WHERE uuid = ANY($1::uuid[])', [[...outside]])).rows.map(
        (r) => r.uuid,
      ),
    );
    for (const i of fresh) {
      const r = req.records[i]!;
      for (const ref of r.refs)
        if (!position.has(ref) && !found.has(ref))
          problems.push({ uuid: r.uuid, kind: r.kind, reason: `its parent ${ref} is not on the server` });
    }
  }
  if (problems.length > 0)
    refuse(
      new PushRefused(
        422,
        'missing-parent',
        `${problems.length} record(s) refer to records that are not on the server; nothing was stored`,
        problems,
      ),
    );

  const photoOf = (r: PushRequest['records'][number]) => (r.kind === 'attachment' ? String(r.body.sha256) : null);
  const photos = [...new Set(fresh.flatMap((i) => photoOf(req.records[i]!) ?? []))];
  if (photos.length > 0) {
    const have = new Set(
      (await client.query<{ sha256: string }>('SELECT sha256 FROM blobs WHERE sha256 = ANY($1)', [photos])).rows.map((r) => r.sha256),
    );
    const missing = fresh
      .map((i) => req.records[i]!)
      .filter((r) => photoOf(r) !== null && !have.has(photoOf(r)!))
      .map((r) => ({ uuid: r.uuid, kind: r.kind, reason: `photo ${photoOf(r)} has not been uploaded` }));
    if (missing.length > 0)
      refuse(
        new PushRefused(
          422,
          'missing-photo',
          `${missing.length} attachment(s) whose photo is not uploaded yet; nothing was stored`,
          missing,
        ),
      );
  }

  // The device's chain: each event continues the one before (from the head stored for its
  // origin), its hash recomputed. Events go in after the other records, in chain order.
  const isEvent = (i: number) => req.records[i]!.kind === 'event';
  const eventBody = (i: number) => req.records[i]!.body as WireEvent;
  const events = fresh.filter(isEvent).sort((x, y) => eventBody(x).seq - eventBody(y).seq);
  let chain: { seq: number; hash: string } | null = null;
  if (events.length > 0) {
    const head = (
      await client.query<{ head_seq: string; head_hash: string }>('SELECT head_seq, head_hash FROM chains WHERE origin = $1 FOR UPDATE', [
        req.origin,
      ])
    ).rows[0];
    const eventIndex = new Map(events.map((i) => [eventBody(i), i]));
    // The check asks for an event's hash only once the event links to the head reached
    // (names it as its prevHash), so it is the hash made from the event's own prevHash.
    const bad = checkChainSegment(
      head ? Number(head.head_seq) : 0,
      head?.head_hash ?? GENESIS,
      events.map(eventBody),
      (_prev, e) => texts[eventIndex.get(e)!]!.eventHash,
    );
    if (bad) {
      const r = req.records.find((x) => x.kind === 'event' && x.body.seq === bad.seq) ?? req.records[events[0]!]!;
      refuse(
        new PushRefused(422, 'broken-chain', `the event log of this device is broken: ${bad.reason}; nothing was stored`, [
          { uuid: r.uuid, kind: 'event', reason: bad.reason },
        ]),
      );
    }
    const last = eventBody(events[events.length - 1]!);
    chain = { seq: last.seq, hash: last.hash };
  }
  const rows = [...fresh.filter((i) => !isEvent(i)), ...events];

  // The rows in COPY's binary format (server/copy-binary.ts), 500 at a time while
  // PostgreSQL takes in the previous 500. COPY, not INSERT: rows travel as one stream and
  // PostgreSQL parses no statement per row (seq and received_at come from their defaults).
  // Under the advisory lock nothing else inserts, so the checks above still hold.
  function* copyChunks(): Generator<Buffer> {
    yield COPY_BINARY_HEADER;
    for (let at = 0; at < rows.length; at += COPY_CHUNK) {
      const chunkRows: CopyField[][] = [];
      let room = 0;
      for (let k = at; k < Math.min(rows.length, at + COPY_CHUNK); k++) {
        const r = req.records[rows[k]!]!;
        const { body, hash } = texts[rows[k]!]!;
        const fields: CopyField[] = [
          { uuid: r.uuid },
          { text: r.kind },
          { uuid: r.site },
          { uuid: req.origin },
          { uuid: device.id },
          { uuids: r.refs },
          { text: body },
          { text: hash },
        ];
        chunkRows.push(fields);
        room += rowRoom(fields);
      }
      const chunk = Buffer.allocUnsafe(room);
      let n = 0;
      for (const fields of chunkRows) n = writeRow(chunk, n, fields);
      yield chunk.subarray(0, n);
    }
    yield COPY_BINARY_TRAILER;
  }
  if (rows.length > 0)
    await pipeline(
      Readable.from(copyChunks()),
      client.query(copyFrom('COPY records (uuid, kind, site_id, origin, device_id, refs, body, content_hash) FROM STDIN (FORMAT binary)')),
    );
  if (chain)
    await client.query(
      `INSERT INTO chains (origin, head_seq, head_hash) VALUES ($1, $2, $3)
       ON CONFLICT (origin) DO UPDATE SET head_seq = EXCLUDED.head_seq, head_hash = EXCLUDED.head_hash`,
      [req.origin, chain.seq, chain.hash],
    );
  const at = (
    await client.query<{ now: Date }>('UPDATE devices SET last_seen_at = now() WHERE id = $1 RETURNING now() AS now', [device.id])
  ).rows[0]!.now;
  await client.query('COMMIT');
  return { inserted: fresh.length, duplicates: req.records.length - fresh.length, at: at.toISOString() };
}
