import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  AcuBus,
  type Command,
  LinkError,
  type LinkEvent,
  PdSession,
  type Reply,
  SCS,
  SecretKey,
  decodeCommandPayload,
  decodeReplyPayload,
  encodeReply,
  hex,
  parseFrame,
} from '../../controller/protocol/index';

/** What a scripted PD does with one decoded command: a reply, or null to stay silent. */
type Script = (cmd: Command, n?: number) => Reply | null;

/** A scripted PD built from the codec: sequence repeat (a repeated sequence gets the last reply), optional secure channel. */
class ScriptedPd {
  received: { seq: number; cmd: Command; bytes: string; scb?: number }[] = [];
  private last: { seq: number; reply: Uint8Array } | null = null;
  constructor(
    readonly address: number,
    public script: Script,
    readonly sc?: PdSession,
  ) {}
  handle(bytes: Uint8Array): Uint8Array | null {
    const p = parseFrame(bytes);
    if (!p.ok || p.frame.reply || p.frame.address !== this.address) return null;
    const f = p.frame;
    if (f.sequence === 0) {
      this.last = null; // sequence 0: the ACU restarts the link; the PD drops any secure channel
      this.sc?.reset();
    }
    if (this.last && f.sequence === this.last.seq) return this.last.reply; // repeat on retry
    const t = f.security?.type;
    let cmd: Command;
    let replySec: { type: number; data: Uint8Array } | undefined;
    let reply: Reply | null;
    if (t === SCS.CMD_MAC || t === SCS.CMD_ENC) {
      const u = this.sc!.unwrapCommand(f);
      if (!u.ok) return encodeReply({ type: 'NAK', code: 6, meaning: '' }, { address: this.address, sequence: f.sequence });
      cmd = u.command;
    } else {
      const d = decodeCommandPayload(f.code, f.data);
      if (!d.ok) return encodeReply({ type: 'NAK', code: 3, meaning: '' }, { address: this.address, sequence: f.sequence });
      cmd = d.command;
    }
    this.received.push({ seq: f.sequence, cmd, bytes: hex(bytes), ...(t === undefined ? {} : { scb: t }) });
    if (cmd.type === 'CHLNG' || cmd.type === 'SCRYPT') {
      const r = cmd.type === 'CHLNG' ? this.sc!.onChlng(cmd, f.security!.data[0]!) : this.sc!.onScrypt(cmd);
      reply = r.ok ? r.reply : { type: 'NAK', code: 6, meaning: '' };
      if (r.ok) replySec = r.security;
    } else reply = this.script(cmd, this.received.length);
    if (!reply) return null;
    const opts = { address: this.address, sequence: f.sequence, useCrc: f.useCrc };
    const out =
      this.sc?.state === 'active' && cmd.type !== 'SCRYPT'
        ? this.sc.wrapReply(reply, opts)
        : encodeReply(reply, { ...opts, security: replySec });
    this.last = { seq: f.sequence, reply: out };
    return out;
  }
}

const ack: Reply = { type: 'ACK' };
const pdid: Reply = { type: 'PDID', vendor: [1, 2, 3], model: 4, version: 5, serial: 6, firmware: { major: 1, minor: 2, build: 3 } };
const answer: Script = (c) => (c.type === 'ID' ? pdid : c.type === 'ISTAT' ? { type: 'ISTATR', inputs: [0, 1] } : ack);

function harness(pds: ScriptedPd[], busOpts: Partial<ConstructorParameters<typeof AcuBus>[0]> = {}) {
  const events: LinkEvent[] = [];
  const tx: { at: number; address: number; bytes: Uint8Array; seq: number }[] = [];
  let now = 0;
  let pending: Uint8Array | null = null;
  const bus = new AcuBus({
    write: (b) => {
      const p = parseFrame(b);
      assert.ok(p.ok, 'the bus writes only well-formed frames');
      tx.push({ at: now, address: p.frame.address, bytes: b, seq: p.frame.sequence });
      pending = b;
    },
    onEvent: (e) => events.push(e),
    random: (n) => new Uint8Array(n).fill(0x5a),
    ...busOpts,
  });
  for (const pd of pds) if (!pd.sc) bus.addPd({ address: pd.address });
  /** Run the bus until `until` ms: each written frame goes to every PD; an answer arrives 3 ms later. */
  const run = (until: number) => {
    for (;;) {
      const d = bus.nextDeadline();
      if (d === null || Math.max(now, d) > until) break;
      now = Math.max(now, d);
      bus.tick(now);
      const b = pending;
      pending = null;
      if (!b) continue;
      for (const pd of pds) {
        const r = pd.handle(b);
        if (r) {
          now += 3;
          bus.receive(r, now);
        }
      }
    }
    now = Math.max(now, until);
  };
  return {
    bus,
    events,
    tx,
    run,
    get now() {
      return now;
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

test('a retry re-sends the same bytes with the same sequence number', async () => {
  let first = true;
  const pd = new ScriptedPd(1, (c) => {
    if (c.type === 'ID' && first) {
      first = false;
      return null; // the reply is lost once
    }
    return answer(c);
  });
  const h = harness([pd]);
  h.run(100); // probe POLL seq 0, then polls
  const p = h.bus.request(1, { type: 'ID' });
  h.run(2000);
  assert.deepEqual(await p, pdid);
  const ids = h.tx.filter((t) => parseFrame(t.bytes).ok && (parseFrame(t.bytes) as { frame: { code: number } }).frame.code === 0x61);
  assert.equal(ids.length, 2);
  assert.equal(hex(ids[0]!.bytes), hex(ids[1]!.bytes), 'identical bytes, so identical sequence');
  assert.equal(ids[1]!.at - ids[0]!.at >= 1000, true, 'retried after the 200 ms reply timeout and the 800 ms retry wait');
  assert.equal(h.bus.status(1)!.counters.retries, 1);
  assert.equal(h.tx[0]!.seq, 0, 'the first frame uses sequence 0');
  const fresh = h.events.flatMap((e) => (e.type === 'tx' && !e.retry ? [parseFrame(e.bytes)] : []));
  assert.deepEqual(
    fresh.slice(0, 7).map((f) => f.ok && f.frame.sequence),
    [0, 1, 2, 3, 1, 2, 3],
    'new frames: 0, then 1→2→3→1',
  );
});

test('a retry of a frame the PD did answer gets the repeated reply (sequence unchanged)', async () => {
  const pd = new ScriptedPd(2, answer);
  let dropReplies = 1;
  const h = harness([pd]);
  const origHandle = pd.handle.bind(pd);
  pd.handle = (b) => {
    const r = origHandle(b);
    const c = parseFrame(b);
    if (r && c.ok && c.frame.code === 0x65 && dropReplies-- > 0) return null; // PD answered, the reply was lost
    return r;
  };
  h.run(60);
  const p = h.bus.request(2, { type: 'ISTAT' });
  h.run(2000);
  assert.deepEqual(await p, { type: 'ISTATR', inputs: [0, 1] });
  assert.equal(pd.received.filter((r) => r.cmd.type === 'ISTAT').length, 1, 'the PD processed ISTAT once and repeated its reply');
});

test('NAK 04 restarts the sequence at 0 and re-sends the command', async () => {
  let nak = true;
  const pd = new ScriptedPd(3, (c) => {
    if (c.type === 'OUT' && nak) {
      nak = false;
      return { type: 'NAK', code: 4, meaning: '' };
    }
    return answer(c);
  });
  const h = harness([pd]);
  h.run(120);
  const p = h.bus.request(3, { type: 'OUT', records: [{ output: 0, code: 6, timerMs: 2000 }] });
  h.run(600);
  assert.deepEqual(await p, ack);
  const outs = pd.received.filter((r) => r.cmd.type === 'OUT');
  assert.equal(outs.length, 2);
  assert.notEqual(outs[0]!.seq, 0);
  assert.equal(outs[1]!.seq, 0, 'after NAK 04 the command goes again with sequence 0');
  const after = pd.received[pd.received.indexOf(outs[1]!) + 1]!;
  assert.equal(after.seq, 1, 'then 1');
  assert.equal(h.bus.status(3)!.counters.sequenceResets, 1);
  assert.ok(h.events.some((e) => e.type === 'nak' && e.code === 4));
});

test('BUSY: the same command is re-sent with the same sequence after a short wait', async () => {
  let busy = 2;
  const pd = new ScriptedPd(4, (c) => (c.type === 'ID' && busy-- > 0 ? { type: 'BUSY' } : answer(c)));
  // A PD that answers BUSY processes nothing, so the re-send must not be taken as a repeat.
  const orig = pd.handle.bind(pd);
  pd.handle = (b) => {
    const r = orig(b);
    const rp = r && parseFrame(r);
    if (rp && rp.ok && rp.frame.code === 0x79) (pd as unknown as { last: null }).last = null;
    return r;
  };
  const h = harness([pd], { busyRetryMs: 40 });
  h.run(60);
  const p = h.bus.request(4, { type: 'ID' });
  h.run(1000);
  assert.deepEqual(await p, pdid);
  const ids = h.tx.filter((t) => hex(t.bytes).includes(' 61 00 '));
  assert.equal(ids.length, 3);
  assert.equal(new Set(ids.map((t) => hex(t.bytes))).size, 1, 'same bytes, same sequence');
  assert.ok(ids[1]!.at - ids[0]!.at >= 40);
  assert.equal(h.bus.status(4)!.counters.busy, 2);
});

test('offline only after 8 s without a valid reply (retrying meanwhile), then re-probed every ~2.5 s and recovered', async () => {
  let alive = true;
  const pd = new ScriptedPd(5, (c) => (alive ? answer(c) : null));
  const h = harness([pd]);
  h.run(1000);
  assert.equal(h.bus.status(5)!.state, 'online');
  const lastReply = h.bus.status(5)!.lastReplyAt!;
  alive = false;
  const p = h.bus.request(5, { type: 'ID' });
  const rejected = p.catch((e: unknown) => e);
  h.run(lastReply + 7900);
  await flush();
  assert.equal(h.bus.status(5)!.state, 'online', 'still online inside the 8 s window');
  // Retries are paced as libosdp paces them: 200 ms reply timeout + 800 ms wait, so about 8 sends in 8 s, not 40.
  const sends = h.tx.filter((t) => t.at > lastReply);
  assert.ok(sends.length >= 7 && sends.length <= 9, `kept retrying, paced (${sends.length} sends)`);
  sends.slice(1).forEach((t, i) => assert.ok(t.at - sends[i]!.at >= 1000, `re-send ${i + 1} after ${t.at - sends[i]!.at} ms`));
  h.run(lastReply + 8300);
  const off = h.events.find((e) => e.type === 'offline');
  assert.ok(off && off.at >= lastReply + 8000 && off.at <= lastReply + 8300, JSON.stringify(off));
  const err = await rejected;
  assert.ok(err instanceof LinkError && err.kind === 'offline');
  await assert.rejects(h.bus.request(5, { type: 'ID' }), (e: unknown) => e instanceof LinkError && e.kind === 'offline');
  // while offline: probes every reprobeMs (2.5 s), sequence 0
  const t0 = h.now;
  h.run(t0 + 10_000);
  const probes = h.tx.filter((t) => t.at > t0);
  assert.equal(probes.length, 4);
  assert.ok(probes.every((t) => t.seq === 0));
  probes.slice(1).forEach((t, i) => assert.equal(t.at - probes[i]!.at, 2500));
  // the PD comes back: online within one re-probe interval
  alive = true;
  const back = h.now;
  h.run(back + 3000);
  const on = h.events.filter((e) => e.type === 'online').at(-1)!;
  assert.ok(on.at > back && on.at <= back + 2600);
  const again = h.bus.request(5, { type: 'ID' });
  h.run(h.now + 100);
  assert.deepEqual(await again, pdid);
});

test('an unsolicited ISTATR in answer to POLL is delivered as an event', () => {
  let changed = false;
  const pd = new ScriptedPd(6, (c) => {
    if (c.type === 'POLL' && changed) {
      changed = false;
      return { type: 'ISTATR', inputs: [1, 0, 3] };
    }
    return ack;
  });
  const h = harness([pd]);
  h.run(300);
  changed = true;
  h.run(600);
  const u = h.events.filter((e) => e.type === 'unsolicited');
  assert.deepEqual(
    u.map((e) => e.type === 'unsolicited' && e.reply),
    [{ type: 'ISTATR', inputs: [1, 0, 3] }],
  );
});

test('several PDs are polled fairly, one command on the wire at a time, queues served in turn', async () => {
  const pds = [10, 11, 12].map((a) => new ScriptedPd(a, answer));
  // pollIntervalMs 0: every PD always wants the line (as on a slow real bus), so the order shows the round robin
  const h = harness(pds, { pollIntervalMs: 0 });
  h.run(100);
  const reqs = Array.from({ length: 20 }, () => h.bus.request(11, { type: 'ISTAT' }));
  h.run(400);
  assert.equal((await Promise.all(reqs)).length, 20);
  const counts = [10, 11, 12].map((a) => h.tx.filter((t) => t.address === a).length);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `fair: ${counts.join(',')}`);
  // while 11 had a queue, the others were still served in round-robin order
  const order = h.tx.slice(0, 30).map((t) => t.address);
  for (let i = 3; i < order.length; i++) assert.equal(order[i], order[i - 3], `round robin at ${i}: ${order.join(',')}`);
  // one outstanding at a time: each frame's reply arrived before the next frame was written
  const rx = h.events.filter((e) => e.type === 'rx').map((e) => e.at);
  const txAt = h.tx.map((t) => t.at);
  for (let i = 1; i < txAt.length && i < rx.length; i++) assert.ok(rx[i - 1]! <= txAt[i]!);
});

test('NAK 03 rejects that request as unknown-command; OUT accepts OSTATR; KEYSET needs a secure channel', async () => {
  const pd = new ScriptedPd(7, (c) =>
    c.type === 'RSTAT' ? { type: 'NAK', code: 3, meaning: '' } : c.type === 'OUT' ? { type: 'OSTATR', outputs: [0] } : answer(c),
  );
  const h = harness([pd]);
  h.run(60);
  const r1 = h.bus.request(7, { type: 'RSTAT' });
  const r2 = h.bus.request(7, { type: 'OUT', records: [{ output: 0, code: 6, timerMs: 1000 }] });
  h.run(500);
  await assert.rejects(r1, (e: unknown) => e instanceof LinkError && e.kind === 'unknown-command' && e.nakCode === 3);
  assert.deepEqual(await r2, { type: 'OSTATR', outputs: [0] });
  await assert.rejects(
    h.bus.request(7, { type: 'KEYSET', keyType: 1, key: new Uint8Array(16) }),
    (e: unknown) => e instanceof LinkError && e.kind === 'secure-channel',
  );
});

test('secure channel: handshake, MAC on every frame, encrypted OUT and ISTATR, unsolicited reply decrypted', async () => {
  const key = new SecretKey(Uint8Array.from({ length: 16 }, (_, i) => i * 3));
  let changed = false;
  const pd = new ScriptedPd(
    20,
    (c) => {
      if (c.type === 'POLL' && changed) {
        changed = false;
        return { type: 'ISTATR', inputs: [0, 4] };
      }
      return answer(c);
    },
    new PdSession({ scbk: key, random: (n) => new Uint8Array(n).fill(0x11) }),
  );
  const h = harness([pd]);
  h.bus.addPd({ address: 20, secure: { scbk: key.reveal() } });
  h.run(300);
  assert.equal(h.bus.status(20)!.secure, 'active');
  assert.ok(h.events.some((e) => e.type === 'secure' && e.state === 'active' && !e.usesDefaultKey));
  const out = h.bus.request(20, { type: 'OUT', records: [{ output: 0, code: 6, timerMs: 2000 }] });
  const ist = h.bus.request(20, { type: 'ISTAT' });
  h.run(600);
  assert.deepEqual(await out, ack);
  assert.deepEqual(await ist, { type: 'ISTATR', inputs: [0, 1] });
  changed = true;
  h.run(900);
  assert.ok(h.events.some((e) => e.type === 'unsolicited' && e.reply.type === 'ISTATR' && e.reply.inputs[1] === 4));
  const afterHandshake = pd.received.slice(pd.received.findIndex((r) => r.cmd.type === 'SCRYPT') + 1);
  assert.ok(afterHandshake.length > 5);
  assert.ok(
    afterHandshake.every((r) => r.scb === (r.cmd.type === 'OUT' ? SCS.CMD_ENC : SCS.CMD_MAC)),
    'every command MACed; OUT encrypted',
  );
  assert.ok(!pd.received.some((r) => r.cmd.type === 'KEYSET'), 'never re-keyed automatically');
  assert.ok(!JSON.stringify(h.events, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : v)).includes(hex(key.reveal()).slice(0, 20)));
});

test('secure channel key mismatch: a clear, typed failure; requests rejected; no secure frames sent', async () => {
  const pd = new ScriptedPd(21, answer, new PdSession({ scbk: new SecretKey(new Uint8Array(16).fill(1)) }));
  const h = harness([pd]);
  h.bus.addPd({ address: 21, secure: { scbk: new Uint8Array(16).fill(2) } });
  const early = h.bus.request(21, { type: 'ID' });
  h.run(400);
  const ev = h.events.find((e) => e.type === 'secure');
  assert.ok(ev && ev.type === 'secure' && ev.state === 'failed' && ev.error?.kind === 'key-mismatch', JSON.stringify(ev));
  await assert.rejects(early, (e: unknown) => e instanceof LinkError && e.kind === 'secure-channel' && /different key/.test(e.message));
  await assert.rejects(h.bus.request(21, { type: 'ID' }), (e: unknown) => e instanceof LinkError && e.kind === 'secure-channel');
  assert.equal(h.bus.status(21)!.secure, 'failed');
  assert.equal(h.bus.status(21)!.online, true, 'still polled in clear for liveness');
  assert.ok(!pd.received.some((r) => r.scb !== undefined && r.scb >= 0x15));
  // the handshake is retried after reprobeMs, not hammered
  const chl = pd.received.filter((r) => r.cmd.type === 'CHLNG').length;
  h.run(h.now + 2000);
  assert.equal(pd.received.filter((r) => r.cmd.type === 'CHLNG').length, chl);
});

test('install mode (SCBK-D) reports the default key, and KEYSET is sent only on request and adopted', async () => {
  const sc = new PdSession({ random: (n) => new Uint8Array(n).fill(7) });
  const pd = new ScriptedPd(
    22,
    (c) => {
      if (c.type === 'KEYSET') sc.setKey(new SecretKey(c.key));
      return answer(c);
    },
    sc,
  );
  const h = harness([pd]);
  h.bus.addPd({ address: 22, secure: { install: true } });
  h.run(300);
  assert.equal(h.bus.status(22)!.secure, 'active');
  assert.equal(h.bus.status(22)!.usesDefaultKey, true);
  const newKey = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const k = h.bus.request(22, { type: 'KEYSET', keyType: 1, key: newKey });
  h.run(500);
  assert.deepEqual(await k, ack);
  assert.equal(pd.received.find((r) => r.cmd.type === 'KEYSET')?.scb, SCS.CMD_ENC, 'KEYSET travels encrypted');
  assert.ok(h.events.some((e) => e.type === 'key-changed'));
  assert.equal(h.bus.status(22)!.usesDefaultKey, false);
  // the new key appears in no event and not in the bus's own printed form
  const printed = JSON.stringify(h.events, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : v)) + inspect(h.bus, { depth: 8 });
  assert.ok(!printed.includes(hex(newKey).slice(0, 11)) && !printed.includes('160, 161, 162'), 'key leaked');
  // and the PD still talks to us under the new key after a fresh handshake
  h.bus.removePd(22);
  h.bus.addPd({ address: 22, secure: { scbk: newKey } });
  h.run(h.now + 300);
  assert.equal(h.bus.status(22)!.secure, 'active');
});

test('an out-of-range command is rejected before it reaches the wire', async () => {
  const h = harness([new ScriptedPd(30, answer)]);
  await assert.rejects(
    h.bus.request(30, { type: 'OUT', records: [{ output: 0, code: 6, timerMs: 10_000_000 }] }),
    (e: unknown) => e instanceof LinkError && e.kind === 'invalid-command' && /timer/.test(e.message),
  );
  await assert.rejects(h.bus.request(31, { type: 'POLL' }), (e: unknown) => e instanceof LinkError && e.kind === 'offline');
  assert.throws(() => h.bus.addPd({ address: 127 }), /0-126/);
});

test('options passed as undefined keep their defaults (200 ms reply timeout)', () => {
  const h = harness([new ScriptedPd(40, () => null)], { replyTimeoutMs: undefined, offlineAfterMs: undefined });
  h.run(3500);
  const sends = h.tx.map((t) => t.at);
  assert.deepEqual(sends.slice(0, 4), [0, 1000, 2000, 3000], '200 ms reply timeout + 800 ms retry wait');
});

test('a reply held behind line noise is still taken (checksum mode, freed by the inter-character timeout)', async () => {
  const pd = new ScriptedPd(41, answer);
  const orig = pd.handle.bind(pd);
  let noisy = false;
  pd.handle = (b) => {
    const r = orig(b);
    if (!r || !noisy) return r;
    const out = new Uint8Array(5 + r.length);
    out.set([0x53, 0x00, 0x40, 0x00, 0x00]); // a fake header: LEN 64, checksum mode
    out.set(r, 5);
    return out;
  };
  const sent: Uint8Array[] = [];
  const bus = new AcuBus({ write: (b) => sent.push(b) });
  bus.addPd({ address: 41, useCrc: false });
  bus.tick(0);
  bus.receive(pd.handle(sent.shift()!)!, 3);
  assert.equal(bus.status(41)!.online, true);
  noisy = true;
  const p = bus.request(41, { type: 'ID' });
  bus.tick(100);
  bus.receive(pd.handle(sent.shift()!)!, 103);
  assert.equal(bus.busy, true, 'the reply sits behind the fake header');
  bus.tick(300); // reply deadline: the framer times the fake header out first and frees the reply
  assert.deepEqual(await p, pdid);
  assert.equal(bus.status(41)!.counters.retries, 0);
  assert.equal(bus.lineStats.byReason.timeout, 1);
});

test('first contact is a POLL (some PDs answer nothing else before one); a waiting request counts its attempts there', async () => {
  let polled = false;
  const pd = new ScriptedPd(42, (c) => {
    if (c.type === 'POLL') polled = true;
    return c.type === 'POLL' || polled ? answer(c) : null;
  });
  const h = harness([pd]);
  const id = h.bus.request(42, { type: 'ID' }, { attempts: 1 });
  h.run(300);
  assert.deepEqual(await id, pdid);
  assert.deepEqual(
    pd.received.slice(0, 2).map((r) => r.cmd.type),
    ['POLL', 'ID'],
  );
  // a silent address: the request with attempts 2 fails after two first-contact POLLs, not after 8 s
  const h2 = harness([new ScriptedPd(43, () => null)]);
  const lost = h2.bus.request(43, { type: 'ID' }, { attempts: 2 });
  h2.run(1500);
  await assert.rejects(lost, (e: unknown) => e instanceof LinkError && e.kind === 'timeout');
});

test('an unpolled PD (poll: false) is neither polled nor re-probed; a request is a fresh first contact', async () => {
  let alive = false;
  const pd = new ScriptedPd(44, (c) => (alive ? answer(c) : null));
  const h = harness([]);
  const sent = () => h.tx.filter((t) => t.address === 44).length;
  h.bus.addPd({ address: 44, poll: false });
  h.run(20_000);
  assert.equal(sent(), 0, 'nothing sent unasked');
  // hand the harness the PD now
  const h2 = harness([pd]);
  h2.bus.removePd(44);
  h2.bus.addPd({ address: 44, poll: false });
  const first = h2.bus.request(44, { type: 'ID' }, { attempts: 1 });
  h2.run(20_000);
  await assert.rejects(first, (e: unknown) => e instanceof LinkError && e.kind === 'timeout');
  const before = h2.tx.length;
  h2.run(40_000);
  assert.equal(h2.tx.length, before, 'no re-probes');
  alive = true;
  const again = h2.bus.request(44, { type: 'ID' }, { attempts: 1 });
  h2.run(41_000);
  assert.deepEqual(await again, pdid);
});

test('secure channel survives a lost reply (retry gets the repeated MACed reply) and a NAK 04 (re-handshake)', async () => {
  const key = new SecretKey(new Uint8Array(16).fill(0x33));
  let nak04 = false;
  const pd = new ScriptedPd(
    45,
    (c) => {
      if (c.type === 'OSTAT' && nak04) {
        nak04 = false;
        return { type: 'NAK', code: 4, meaning: '' };
      }
      return c.type === 'OSTAT' ? { type: 'OSTATR', outputs: [1] } : answer(c);
    },
    new PdSession({ scbk: key }),
  );
  const orig = pd.handle.bind(pd);
  let loseIstat = 1;
  pd.handle = (b) => {
    const r = orig(b);
    const last = pd.received.at(-1);
    if (r && last?.cmd.type === 'ISTAT' && loseIstat > 0 && pd.received.filter((x) => x.cmd.type === 'ISTAT').length === 1) {
      loseIstat--;
      return null; // processed, MAC chain advanced on the PD, reply lost
    }
    return r;
  };
  const h = harness([pd]);
  h.bus.addPd({ address: 45, secure: { scbk: key } });
  h.run(300);
  assert.equal(h.bus.status(45)!.secure, 'active');
  const ist = h.bus.request(45, { type: 'ISTAT' });
  h.run(1500);
  assert.deepEqual(await ist, { type: 'ISTATR', inputs: [0, 1] });
  assert.equal(pd.received.filter((r) => r.cmd.type === 'ISTAT').length, 1, 'processed once; the retry got the repeated reply');
  assert.equal(h.bus.status(45)!.secure, 'active', 'MAC chain intact');
  nak04 = true;
  const ost = h.bus.request(45, { type: 'OSTAT' });
  h.run(2100);
  assert.deepEqual(await ost, { type: 'OSTATR', outputs: [1] });
  assert.equal(pd.received.filter((r) => r.cmd.type === 'CHLNG').length, 2, 'a fresh handshake after the sequence reset');
  assert.equal(h.bus.status(45)!.secure, 'active');
});

test('a PD that lost its secure session NAKs 06: the link re-handshakes and the request goes once more', async () => {
  const key = new SecretKey(new Uint8Array(16).fill(0x44));
  const sc = new PdSession({ scbk: key });
  const pd = new ScriptedPd(46, answer, sc);
  const h = harness([pd]);
  h.bus.addPd({ address: 46, secure: { scbk: key } });
  h.run(300);
  assert.equal(h.bus.status(46)!.secure, 'active');
  sc.reset(); // power cycle: the PD forgets the session, so it cannot verify the next MAC
  const id = h.bus.request(46, { type: 'ID' });
  h.run(800);
  assert.deepEqual(await id, pdid);
  assert.ok(h.events.some((e) => e.type === 'nak' && e.code === 6));
  assert.equal(pd.received.filter((r) => r.cmd.type === 'CHLNG').length, 2);
  assert.equal(h.bus.status(46)!.secure, 'active');
});

/** Re-stamp a PD's reply with another sequence number (what some PD stacks do for NAK 04 and BUSY). */
function restamp(bytes: Uint8Array, sequence: 0 | 1 | 2 | 3): Uint8Array {
  const p = parseFrame(bytes);
  assert.ok(p.ok);
  const d = decodeReplyPayload(p.frame.code, p.frame.data);
  assert.ok(d.ok);
  return encodeReply(d.reply, { address: p.frame.address, sequence, useCrc: p.frame.useCrc });
}

test('NAK 04 stamped with the PD its own next sequence (as libosdp does) is taken by address: sequence reset, no timeout', async () => {
  let nak = true;
  const pd = new ScriptedPd(3, answer);
  const orig = pd.handle.bind(pd);
  pd.handle = (b) => {
    const c = parseFrame(b);
    if (c.ok && c.frame.code === 0x68 && nak) {
      nak = false;
      // A restarted PD expects sequence 0 and stamps its NAK with its own counter, not the command's.
      const own = c.frame.sequence === 1 ? 2 : 1;
      return encodeReply({ type: 'NAK', code: 4, meaning: '' }, { address: 3, sequence: own });
    }
    return orig(b);
  };
  const h = harness([pd]);
  h.run(120);
  const p = h.bus.request(3, { type: 'OUT', records: [{ output: 0, code: 6, timerMs: 2000 }] });
  h.run(h.now + 100);
  assert.deepEqual(await p, ack);
  const outs = pd.received.filter((r) => r.cmd.type === 'OUT');
  assert.equal(outs.length, 1, 'the PD acted once: on the re-sent OUT');
  assert.equal(outs[0]!.seq, 0, 'after NAK 04 the command goes again with sequence 0');
  const st = h.bus.status(3)!;
  assert.equal(st.counters.sequenceResets, 1);
  assert.equal(st.counters.stray, 0, 'not dropped as stray');
  assert.equal(st.counters.timeouts, 0, 'no reply timeout on the way');
});

test('BUSY stamped with sequence 0 is a BUSY: counted, the command re-sent, no timeout', async () => {
  let busy = 1;
  const pd = new ScriptedPd(4, answer);
  const orig = pd.handle.bind(pd);
  pd.handle = (b) => {
    const c = parseFrame(b);
    if (c.ok && c.frame.code === 0x61 && busy-- > 0) return restamp(encodeReply({ type: 'BUSY' }, { address: 4, sequence: 1 }), 0);
    return orig(b);
  };
  const h = harness([pd], { busyRetryMs: 40 });
  h.run(60);
  const p = h.bus.request(4, { type: 'ID' });
  h.run(h.now + 150);
  assert.deepEqual(await p, pdid);
  const st = h.bus.status(4)!;
  assert.equal(st.counters.busy, 1);
  assert.equal(st.counters.stray, 0);
  assert.equal(st.counters.timeouts, 0);
});
