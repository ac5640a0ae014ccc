// The sync wire format shared by the app's client (sync/) and the server (server/):
// what a pushed record looks like, the limits, and the checks both sides agree on.
// Pure: hashing is passed in (core/ has no crypto), so the same rules run anywhere.
import { z } from 'zod';
import { plainSorted } from '../canonical-json';

/** Parents before children: a push lists its records in this order. */
export const RECORD_KINDS = [
  'run',
  'attempt',
  'attempt-end',
  'step-result',
  'deficiency',
  // A repeat failure of an open deficiency: refers to the deficiency, the attempt and the step result.
  'deficiency-occurrence',
  'deficiency-status',
  'attachment',
  'event',
  'proposal',
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const MAX_PUSH_RECORDS = 5000;
export const MAX_PUSH_BYTES = 32 * 1024 * 1024;
export const MAX_PHOTO_BYTES = 25 * 1024 * 1024;
export const GENESIS = '0'.repeat(64);

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lower-case UUID');
const sha = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** One event of a device's hash-chained log, exactly as stored on the device. */
export const wireEvent = z.object({
  seq: z.number().int().positive(),
  at: z.string().min(1),
  type: z.string().min(1),
  runId: z.number().int().nullable(),
  attemptId: z.number().int().nullable(),
  payload: z.unknown(),
  prevHash: sha,
  hash: sha,
});
export type WireEvent = z.infer<typeof wireEvent>;

/**
 * One append-only record. `site` is the server's site id (every result belongs to one
 * site; events are per device and carry none); `refs` are the UUIDs of the records it
 * points at (run, attempt, superseded row…), which must already be on the server or
 * earlier in the same push; `body` is the device's row, local integer keys replaced by refs.
 */
export type WireRecord =
  | { kind: 'event'; uuid: string; site: null; refs: string[]; body: WireEvent }
  | { kind: Exclude<RecordKind, 'event'>; uuid: string; site: string; refs: string[]; body: Record<string, unknown> };

// One flat object schema checked per record, the event body only for events: a push holds
// thousands of records and a union of nine variants costs several times as much to check.
export const wireRecord = z
  .object({ kind: z.enum(RECORD_KINDS), uuid, site: uuid.nullable(), refs: z.array(uuid).max(8), body: z.looseObject({}) })
  .superRefine((r, ctx) => {
    if (r.kind === 'event') {
      if (r.site !== null) ctx.addIssue({ code: 'custom', path: ['site'], message: 'an event belongs to no site (null)' });
      if (r.refs.length > 0) ctx.addIssue({ code: 'custom', path: ['refs'], message: 'an event refers to no record' });
      const e = wireEvent.safeParse(r.body);
      if (!e.success)
        for (const i of e.error.issues) ctx.addIssue({ code: 'custom', path: ['body', ...i.path.map(String)], message: i.message });
    } else if (r.site === null) {
      ctx.addIssue({ code: 'custom', path: ['site'], message: `a ${r.kind} belongs to a site` });
    }
  }) as unknown as z.ZodType<WireRecord>;

export const pushRequest = z.object({
  /** The device database's own id: its event chain and derived record ids are keyed by it. */
  origin: uuid,
  records: z.array(wireRecord).max(MAX_PUSH_RECORDS),
});
export type PushRequest = z.infer<typeof pushRequest>;

export interface PushProblem {
  uuid: string;
  kind: RecordKind;
  reason: string;
}

export interface PushResult {
  inserted: number;
  duplicates: number;
  /** Server time of the commit (the device's clock is never trusted for this). */
  at: string;
}

/** Record as pulled by another device: who sent it and in what order the server took it. */
export interface PulledRecord {
  seq: number;
  kind: RecordKind;
  uuid: string;
  site: string;
  refs: string[];
  body: Record<string, unknown>;
  deviceName: string;
}

export interface PullResponse {
  records: PulledRecord[];
  next: number;
  more: boolean;
}

export interface ServerSite {
  id: string;
  name: string;
  version: number;
}

/**
 * Canonical text of a record's content: same record ⇔ same text. Keys sorted at every
 * level. Values whose keys are in order already (what the app sends) are written by
 * JSON.stringify as they are; others through sorted copies (how every stored content hash
 * was made, so the text must never change).
 */
export function canonicalJson(value: unknown): string {
  if (plainSorted(value)) return JSON.stringify(value);
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('non-finite number in a record');
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const o = v as Record<string, unknown>;
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort()) sorted[k] = o[k];
      return sorted;
    }) ?? 'null'
  );
}

export type Sha256 = (text: string) => string;

/** What the server compares when a UUID arrives twice. */
export function contentHash(sha256: Sha256, r: Pick<WireRecord, 'kind' | 'site' | 'refs' | 'body'>): string {
  return sha256(canonicalJson({ kind: r.kind, site: r.site, refs: r.refs, body: r.body }));
}

/**
 * The body's canonical JSON and the record's content hash, serialising the body once:
 * the hashed text is the one contentHash hashes (its keys sorted: body, kind, refs,
 * site), put together around the body's text, which the server then stores as it is.
 * `body` may be given when it was already made (it must be canonicalJson(r.body)).
 */
export function canonicalBodyAndHash(
  sha256: Sha256,
  r: Pick<WireRecord, 'kind' | 'site' | 'refs' | 'body'>,
  body = canonicalJson(r.body),
): { body: string; hash: string } {
  return {
    body,
    hash: sha256(`{"body":${body},"kind":${JSON.stringify(r.kind)},"refs":${canonicalJson(r.refs)},"site":${JSON.stringify(r.site)}}`),
  };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA_RE = /^[0-9a-f]{64}$/;
const KINDS: ReadonlySet<unknown> = new Set(RECORD_KINDS);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, re: RegExp) => typeof v === 'string' && re.test(v);
const isIntOrNull = (v: unknown) => v === null || Number.isSafeInteger(v);

function isWireRecord(r: unknown): boolean {
  if (!isObject(r) || !KINDS.has(r.kind) || !isText(r.uuid, UUID_RE) || !isObject(r.body)) return false;
  const refs = r.refs;
  if (!Array.isArray(refs) || refs.length > 8) return false;
  for (const ref of refs) if (!isText(ref, UUID_RE)) return false;
  if (r.kind !== 'event') return isText(r.site, UUID_RE);
  const e = r.body;
  return (
    r.site === null &&
    refs.length === 0 &&
    Number.isSafeInteger(e.seq) &&
    (e.seq as number) > 0 &&
    typeof e.at === 'string' &&
    e.at !== '' &&
    typeof e.type === 'string' &&
    e.type !== '' &&
    isIntOrNull(e.runId) &&
    isIntOrNull(e.attemptId) &&
    isText(e.prevHash, SHA_RE) &&
    isText(e.hash, SHA_RE)
  );
}

/**
 * A push checked against the schema in one plain pass (a push holds thousands of records,
 * and this is several times cheaper than the schema itself). It accepts nothing the schema
 * refuses; what it refuses goes through the schema, whose issues name the record and field.
 */
export function isPushRequest(v: unknown): v is PushRequest {
  if (!isObject(v) || !isText(v.origin, UUID_RE) || !Array.isArray(v.records) || v.records.length > MAX_PUSH_RECORDS) return false;
  for (const r of v.records) if (!isWireRecord(r)) return false;
  return true;
}

/**
 * Checks that `events` continue a chain whose last known link is (headSeq, headHash):
 * consecutive seqs, each linking to the one before, each hash recomputed from its content
 * by `eventHash` (the same function the device used). Returns the first problem, or null.
 */
export function checkChainSegment(
  headSeq: number,
  headHash: string,
  events: readonly WireEvent[],
  eventHash: (prevHash: string, e: WireEvent) => string,
): { seq: number; reason: string } | null {
  let seq = headSeq;
  let prev = headHash;
  for (const e of events) {
    if (e.seq !== seq + 1) return { seq: e.seq, reason: `event ${seq + 1} is missing (next event sent is ${e.seq})` };
    if (e.prevHash !== prev) return { seq: e.seq, reason: `event ${e.seq} does not link to event ${seq}` };
    if (eventHash(prev, e) !== e.hash) return { seq: e.seq, reason: `event ${e.seq} was altered: its hash does not match its content` };
    seq = e.seq;
    prev = e.hash;
  }
  return null;
}

/** A stable UUID for a device row that has none of its own (status rows, attachments, ends, events). */
export function derivedUuid(sha256: Sha256, origin: string, table: string, id: number): string {
  const h = sha256(`${origin}:${table}:${id}`);
  // RFC 9562 version 8 (custom), variant 10.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
