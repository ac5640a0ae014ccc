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
  isPushRequest,
  pushRequest,
  type WireEvent,
} from '../../core/sync/wire';
import { appendEvent } from '../../db/runs';
import { migrate } from '../../db/migrate';
import { openSqlite } from '../../db/sqlite';
import { eventHash, eventTexts, sha256 } from '../../server/push';
import { backoffDelay } from '../../sync/engine';
import { encodeJson, encodePush } from '../../sync/http';
import { StoredJson } from '../../sync/outbox';

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

/** The content text as every stored hash was made: sorted copies at every level, however the keys came. */
function sortedCopies(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }) ?? 'null'
  );
}

test('canonical JSON writes what sorted copies write, for keys in order or not (integer-like keys, nesting, undefined)', () => {
  const values: unknown[] = [
    { a: 1, b: { c: [1, 'x', null, { e: 1, d: 2 }] } },
    { b: 1, a: 2 },
    { '10': 'x', '9': 'y', a: 1 },
    { '1': 'x', '2': 'y', a: { '3': 1, b: 2 } },
    { a: 'é"\\\t\n', z: 1.5e-7, m: -0, u: undefined },
    [{ b: 1, a: [{ d: 1, c: 2 }] }],
    'text',
    null,
  ];
  let seed = 7;
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const gen = (depth: number): unknown => {
    const t = rnd();
    if (depth > 3 || t < 0.3) return [1, 'a', null, true, 2.5, '\\"'][Math.floor(rnd() * 6)];
    if (t < 0.5) return Array.from({ length: Math.floor(rnd() * 4) }, () => gen(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < 4; i++) o[['b', 'a', '10', '9', 'z', 'aa'][Math.floor(rnd() * 6)]!] = gen(depth + 1);
    return o;
  };
  for (let i = 0; i < 300; i++) values.push(gen(0));
  for (const v of values) {
    assert.equal(canonicalJson(v), sortedCopies(v), JSON.stringify(v));
    const roundTrip = JSON.parse(sortedCopies(v) ?? 'null') as unknown;
    assert.equal(canonicalJson(roundTrip), sortedCopies(v), 'the same value parsed back from its canonical text');
  }
});

test("an event's hash and body text, made in one pass, are the device's hash and the canonical body", () => {
  const chain = deviceChain(6);
  const variants: WireEvent[] = [
    ...chain,
    { ...chain[0]!, payload: { z: 1, a: { '10': 1, '9': 2 } } }, // keys out of order
    { ...chain[1]!, payload: undefined },
    { ...chain[2]!, extra: 'kept' } as WireEvent,
    { hash: chain[3]!.hash, type: 'x"y', seq: 4, runId: null, prevHash: chain[3]!.prevHash, payload: [1, 'é'], attemptId: 3, at: 't' },
  ];
  for (const e of variants) {
    const t = eventTexts(e);
    assert.equal(t.hash, eventHash(e.prevHash, e));
    assert.equal(t.body, canonicalJson(e));
    assert.equal(t.body, sortedCopies(e));
  }
  for (const e of chain) assert.equal(eventTexts(e).hash, e.hash, 'the hash the device wrote');
});

test('the plain push check accepts only what the schema accepts', () => {
  const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const sha = 'a'.repeat(64);
  const event = { seq: 1, at: 't', type: 'x', runId: null, attemptId: 2, payload: { a: 1 }, prevHash: sha, hash: sha };
  const good = {
    origin: uuid(1),
    records: [
      { kind: 'run', uuid: uuid(2), site: uuid(3), refs: [], body: { technician: 'Ana' } },
      { kind: 'attempt', uuid: uuid(4), site: uuid(3), refs: [uuid(2)], body: {} },
      { kind: 'event', uuid: uuid(5), site: null, refs: [], body: event },
    ],
  };
  assert.equal(isPushRequest(good), true);
  assert.equal(pushRequest.safeParse(good).success, true);
  const bad = (f: (p: typeof good & Record<string, unknown>) => void) => {
    const p = structuredClone(good) as typeof good & Record<string, unknown>;
    f(p);
    return p;
  };
  const r = (p: typeof good, i: number) => p.records[i] as Record<string, unknown>;
  const ev = (p: typeof good) => r(p, 2).body as Record<string, unknown>;
  const cases = [
    null,
    [],
    bad((p) => (p.origin = 'ABC')),
    bad((p) => (p.records = {} as never)),
    bad((p) => (p.records = Array.from({ length: 5001 }, () => good.records[0]!) as never)),
    bad((p) => (r(p, 0).kind = 'photo')),
    bad((p) => (r(p, 0).uuid = '0000000A-0000-4000-8000-000000000002')),
    bad((p) => (r(p, 0).site = null)),
    bad((p) => (r(p, 0).site = 'x')),
    bad((p) => (r(p, 0).refs = ['x'])),
    bad((p) => (r(p, 0).refs = Array.from({ length: 9 }, (_, i) => uuid(i)))),
    bad((p) => (r(p, 0).body = [])),
    bad((p) => (r(p, 0).body = null)),
    bad((p) => (r(p, 0).body = 'x')),
    bad((p) => (p.records[0] = 'x' as never)),
    bad((p) => (r(p, 2).site = uuid(3))),
    bad((p) => (r(p, 2).refs = [uuid(2)])),
    bad((p) => (ev(p).seq = 0)),
    bad((p) => (ev(p).seq = 1.5)),
    bad((p) => (ev(p).seq = '1')),
    bad((p) => (ev(p).at = '')),
    bad((p) => (ev(p).type = 3)),
    bad((p) => (ev(p).runId = 'x')),
    bad((p) => (ev(p).attemptId = 0.5)),
    bad((p) => delete ev(p).attemptId),
    bad((p) => (ev(p).prevHash = 'A'.repeat(64))),
    bad((p) => (ev(p).hash = 'a'.repeat(63))),
  ];
  for (const c of cases) {
    assert.equal(isPushRequest(c), false, `case ${cases.indexOf(c)}`);
    assert.equal(pushRequest.safeParse(c).success, false, `the schema refuses it too: ${JSON.stringify(c)?.slice(0, 200)}`);
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

test('JSON is sent as ASCII bytes, every other character escaped, and reads back as the same values', () => {
  const value = { t: 'egress — open é 🔥 \u2028 "q" \\ \n', n: [1, 'ok'] };
  const bytes = encodeJson(value);
  assert.ok(
    bytes.every((b) => b < 0x80),
    'only ASCII bytes',
  );
  assert.deepEqual(JSON.parse(bytes.toString('utf8')), value);
  assert.match(bytes.toString(), /egress \\u2014 open \\u00e9 \\ud83d\\udd25 \\u2028/);
});

test('a push puts each event payload in as the database stored it, and reads back as the same push', () => {
  const payload = new StoredJson('{"a":[1,{"b":"é — \\"q\\""}],"n":null}');
  const event = { at: 't"1', attemptId: null, hash: 'h', payload, prevHash: 'p', runId: 3, seq: 7, type: 'step-result' };
  const req = {
    origin: 'o',
    records: [
      { kind: 'event' as const, uuid: 'u1', site: null, refs: [], body: event },
      { kind: 'run' as const, uuid: 'u2', site: 's', refs: [], body: { settings: '{"x":1}', technician: 'Ana é' } },
    ],
  };
  const fast = encodePush(req);
  assert.ok(
    fast.every((b) => b < 0x80),
    'only ASCII bytes',
  );
  assert.deepEqual(JSON.parse(fast.toString()), JSON.parse(encodeJson(req).toString()), 'the same values as the plain encoding');
  assert.deepEqual((JSON.parse(fast.toString()) as { records: { body: { payload: unknown } }[] }).records[0]!.body.payload, {
    a: [1, { b: 'é — "q"' }],
    n: null,
  });
});
