// The pure parts of sync: content identity, chain checking as the server does it (against
// chains the device's own event log wrote), derived UUIDs, and the retry schedule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalBodyAndHash,
  canonicalJson,
  checkChainSegment,
  contentHash,
  derivedUuid,
  GENESIS,
  type WireEvent,
} from '../../core/sync/wire';
import { appendEvent } from '../../db/runs';
import { migrate } from '../../db/migrate';
import { openSqlite } from '../../db/sqlite';
import { eventHash, sha256 } from '../../server/push';
import { backoffDelay } from '../../sync/engine';

test('canonical JSON: key order and undefined fields do not change a record; any value does', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], u: undefined }), '{"a":[{"c":"x","d":null}],"b":1}');
  const r = { kind: 'run' as const, site: 's', refs: ['a'], body: { technician: 'Ana', started_at: 't' } };
  assert.equal(contentHash(sha256, r), contentHash(sha256, { ...r, body: { started_at: 't', technician: 'Ana' } }));
  assert.notEqual(contentHash(sha256, r), contentHash(sha256, { ...r, body: { ...r.body, technician: 'Ann' } }));
  assert.notEqual(contentHash(sha256, r), contentHash(sha256, { ...r, refs: ['b'] }));
});

test('the body text the server stores and its content hash, made in one pass, match canonicalJson and contentHash', () => {
  const records = [
    { kind: 'run' as const, site: 's', refs: [], body: { technician: 'Ana', started_at: 't' } },
    { kind: 'event' as const, site: null, refs: [], body: { seq: 1, payload: { z: [1, { b: 2, a: 'é"\\' }], '10': 1, '9': 2 } } },
    {
      kind: 'step-result' as const,
      site: 's',
      refs: ['a', 'b'],
      body: { evidence: '{"x":1}', deficiency: null, n: 1.5e-7, skip: undefined },
    },
  ];
  for (const r of records) {
    const one = canonicalBodyAndHash(sha256, r);
    assert.equal(one.body, canonicalJson(r.body));
    assert.equal(one.hash, contentHash(sha256, r));
  }
});

function deviceChain(n: number): WireEvent[] {
  const db = openSqlite(':memory:');
  migrate(db);
  for (let i = 0; i < n; i++)
    appendEvent(
      db,
      { type: 'note', runId: i % 2 ? i : null, payload: { i, text: `é ${i}`, nested: { z: 1, a: [1.5, 'x'] } } },
      new Date(1e12 + i),
    );
  const rows = db.prepare<Record<string, unknown>>('SELECT * FROM event_log ORDER BY seq').all();
  db.close();
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: String(r.at),
    type: String(r.type),
    runId: r.run_id as number | null,
    attemptId: r.attempt_id as number | null,
    payload: JSON.parse(String(r.payload)) as unknown,
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  }));
}

test("the server's chain check accepts the device's own log, in any split, and names the first broken event", () => {
  const chain = deviceChain(12);
  assert.equal(checkChainSegment(0, GENESIS, chain, eventHash), null);
  assert.equal(checkChainSegment(5, chain[4]!.hash, chain.slice(5), eventHash), null, 'a later segment continues the head');
  const altered = chain.map((e) => (e.seq === 7 ? { ...e, payload: { ...(e.payload as object), i: 99 } } : e));
  assert.deepEqual(checkChainSegment(0, GENESIS, altered, eventHash), {
    seq: 7,
    reason: 'event 7 was altered: its hash does not match its content',
  });
  assert.match(checkChainSegment(0, GENESIS, [...chain.slice(0, 3), ...chain.slice(4)], eventHash)!.reason, /event 4 is missing/);
  assert.match(checkChainSegment(3, 'f'.repeat(64), chain.slice(3), eventHash)!.reason, /does not link to event 3/);
  const relinked = chain.map((e) => (e.seq === 2 ? { ...e, prevHash: 'a'.repeat(64) } : e));
  assert.equal(checkChainSegment(0, GENESIS, relinked, eventHash)!.seq, 2);
});

test('derived UUIDs are stable per (database, table, id), distinct otherwise, and well-formed', () => {
  const a = derivedUuid(sha256, 'o1', 'attachments', 1);
  assert.equal(a, derivedUuid(sha256, 'o1', 'attachments', 1));
  assert.notEqual(a, derivedUuid(sha256, 'o2', 'attachments', 1));
  assert.notEqual(a, derivedUuid(sha256, 'o1', 'deficiency_status', 1));
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('retries back off exponentially up to the cap, with jitter within [half, full]', () => {
  const lo = () => 0;
  const hi = () => 0.999999;
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => backoffDelay(n, 1000, 60_000, lo)),
    [500, 1000, 2000, 4000],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => backoffDelay(n, 1000, 60_000, hi)),
    [1000, 2000, 4000, 8000],
  );
  assert.equal(backoffDelay(40, 1000, 60_000, hi), 60_000);
  assert.equal(backoffDelay(40, 1000, 60_000, lo), 30_000);
});
