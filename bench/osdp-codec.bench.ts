// OSDP protocol layers: decode throughput (plain and secure), 1,000,000 fuzzed frames through the decoder and the
// framer (zero throws), secure-channel cost per frame, link CPU per poll cycle, and the wire time of typical
// commissioning traffic at 9600 and 115200 baud (8N1: 10 bits a byte, plus a 2-character idle gap per frame).
import { performance } from 'node:perf_hooks';
import {
  AcuBus,
  AcuSession,
  type Command,
  Framer,
  PdSession,
  type Reply,
  decode,
  decodeCommandPayload,
  encodeCommand,
  encodeReply,
  parseFrame,
} from '../controller/protocol/index';
import { fuzzFrames, seedFrames } from '../test/fixtures/osdp/fuzz';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
function rate(label: string, n: number, fn: () => void): number {
  fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(52)} ${fmt((n / ms) * 1000).padStart(12)} /s   ${((ms * 1000) / n).toFixed(2).padStart(7)} µs each`);
  return (ms * 1000) / n;
}

// ---- plain decode ----
const plain = seedFrames().filter((f) => decode(f).ok);
let i = 0;
console.log('-- decode --');
rate(`decode() over ${plain.length} valid frames (plain)`, 300_000, () => {
  decode(plain[i++ % plain.length]!);
});
const poll = encodeCommand({ type: 'POLL' }, { address: 1, sequence: 1 });
rate('encode POLL', 300_000, () => {
  encodeCommand({ type: 'POLL' }, { address: 1, sequence: 1 });
});
rate('decode POLL', 300_000, () => {
  decode(poll);
});

// ---- secure: one established session pair; frames made in chain order ----
function pair() {
  const acu = new AcuSession({ install: true });
  const pd = new PdSession();
  const cc = pd.onChlng(acu.challenge().command, 0);
  if (!cc.ok) throw new Error('handshake');
  const sc = acu.onCcrypt(cc.reply);
  if (!sc.ok) throw new Error('handshake');
  const rm = pd.onScrypt(sc.command);
  if (!rm.ok || !acu.onRmacI(rm.reply).ok) throw new Error('handshake');
  return { acu, pd };
}
console.log('-- secure channel (AES-128 via node:crypto) --');
rate('full handshake (keys, 2 cryptograms, R-MAC-I)', 5_000, () => {
  pair();
});
{
  const { acu, pd } = pair();
  const out: Command = { type: 'OUT', records: [{ output: 0, code: 6, timerMs: 2000 }] };
  const istatr: Reply = { type: 'ISTATR', inputs: [0, 1, 0, 0] };
  const o = { address: 1, sequence: 1 as const };
  const usPlain = rate('plain exchange: encode+decode OUT and ISTATR', 100_000, () => {
    const c = parseFrame(encodeCommand(out, o));
    if (c.ok) decodeCommandPayload(c.frame.code, c.frame.data);
    decode(encodeReply(istatr, o));
  });
  const usSecure = rate('secure exchange: wrap+unwrap OUT and ISTATR (enc)', 30_000, () => {
    const c = parseFrame(acu.wrapCommand(out, o));
    if (c.ok) pd.unwrapCommand(c.frame);
    const r = parseFrame(pd.wrapReply(istatr, o));
    if (r.ok) acu.unwrapReply(r.frame);
  });
  const usPoll = rate('secure exchange: POLL/ACK (MAC only)', 30_000, () => {
    const c = parseFrame(acu.wrapCommand({ type: 'POLL' }, o));
    if (c.ok) pd.unwrapCommand(c.frame);
    const r = parseFrame(pd.wrapReply({ type: 'ACK' }, o));
    if (r.ok) acu.unwrapReply(r.frame);
  });
  console.log(
    `secure-channel overhead: ${((usSecure - usPlain) / 2).toFixed(1)} µs per frame (encrypted), ${(usPoll / 2).toFixed(1)} µs per MAC-only frame`,
  );
  // Secure frames decoded per second (ACU side: parse + verify MAC + decrypt + decode). Twin sessions made from the
  // same randomness hold the same keys and MAC chain, so one pair makes the replies and the twin ACU verifies them.
  const fixed = (n: number) => new Uint8Array(n).fill(0x42);
  const twinPair = () => {
    const acu2 = new AcuSession({ install: true, random: fixed });
    const pd2 = new PdSession({ random: fixed });
    const cc = pd2.onChlng(acu2.challenge().command, 0);
    const sc = cc.ok ? acu2.onCcrypt(cc.reply) : null;
    const rm = sc?.ok ? pd2.onScrypt(sc.command) : null;
    if (!rm?.ok || !acu2.onRmacI(rm.reply).ok) throw new Error('handshake');
    return { acu: acu2, pd: pd2 };
  };
  const maker = twinPair();
  const replies: Uint8Array[] = [];
  for (let k = 0; k < 20_000; k++) {
    const c = parseFrame(maker.acu.wrapCommand({ type: 'ISTAT' }, o));
    if (c.ok) maker.pd.unwrapCommand(c.frame);
    const reply = maker.pd.wrapReply(istatr, o);
    const rf = parseFrame(reply);
    if (rf.ok) maker.acu.unwrapReply(rf.frame);
    replies.push(reply);
  }
  const checker = twinPair().acu;
  let spent = 0;
  let verified = 0;
  for (const r of replies) {
    checker.wrapCommand({ type: 'ISTAT' }, o);
    const t = performance.now();
    const f = parseFrame(r);
    if (f.ok && checker.unwrapReply(f.frame).ok) verified++;
    spent += performance.now() - t;
  }
  console.log(
    `${'decode secure ISTATR (parse, MAC verify, decrypt)'.padEnd(52)} ${fmt((replies.length / spent) * 1000).padStart(12)} /s   ${((spent * 1000) / replies.length).toFixed(2).padStart(7)} µs each (${verified}/${replies.length} verified)`,
  );
  console.log(
    `secure frame size: ISTATR ${replies[0]!.length} B vs plain ${encodeReply(istatr, o).length} B; POLL ${acu.wrapCommand({ type: 'POLL' }, o).length} B vs ${poll.length} B`,
  );
}

// ---- fuzz: 1,000,000 frames through decode and the framer ----
console.log('-- fuzz --');
{
  let throws = 0;
  let ok = 0;
  const t0 = performance.now();
  for (const b of fuzzFrames(1_000_000, 0xbe7c)) {
    try {
      if (decode(b).ok) ok++;
    } catch {
      throws++;
    }
  }
  const ms = performance.now() - t0;
  console.log(
    `decode(): 1,000,000 fuzzed frames in ${fmt(ms)} ms (${fmt(1e9 / ms)} /s incl. generation), ${fmt(ok)} valid, ${throws} throws`,
  );
  const fr = new Framer();
  let frames = 0;
  let fthrows = 0;
  let now = 0;
  const t1 = performance.now();
  for (const b of fuzzFrames(1_000_000, 0xf00d)) {
    try {
      for (const o of fr.push(b, (now += 1))) if (o.type === 'frame') frames++;
    } catch {
      fthrows++;
    }
  }
  fr.tick(now + 100);
  const ms1 = performance.now() - t1;
  console.log(
    `framer: 1,000,000 fuzzed frames as one stream in ${fmt(ms1)} ms, ${fmt(frames)} frames, ${fmt(fr.stats.drops)} drops (${fmt(fr.stats.droppedBytes)} B), ${fthrows} throws, ${fr.pending} B left`,
  );
}

// ---- link CPU per poll cycle (virtual time, PDs answer in-process) ----
console.log('-- link (AcuBus) CPU per poll cycle, virtual time --');
for (const n of [1, 8, 32]) {
  for (const secure of [false, true]) {
    const pds = new Map<number, PdSession | null>();
    const sent: Uint8Array[] = [];
    const bus = new AcuBus({ write: (b) => sent.push(b), pollIntervalMs: 0 });
    for (let a = 0; a < n; a++) {
      pds.set(a, secure ? new PdSession() : null);
      bus.addPd({ address: a, ...(secure ? { secure: { install: true } } : {}) });
    }
    let now = 0;
    const cycle = (count: number) => {
      for (let k = 0; k < count; k++) {
        bus.tick(now);
        const b = sent.pop();
        if (!b) continue;
        const p = parseFrame(b);
        if (!p.ok) continue;
        const f = p.frame;
        const sc = pds.get(f.address) ?? null;
        const o = { address: f.address, sequence: f.sequence };
        let reply: Uint8Array;
        if (sc && f.security?.type === 0x11) {
          const r = sc.onChlng({ type: 'CHLNG', rndA: f.data.slice() }, 0);
          reply = r.ok ? encodeReply(r.reply, { ...o, security: r.security }) : encodeReply({ type: 'NAK', code: 6, meaning: '' }, o);
        } else if (sc && f.security?.type === 0x13) {
          const r = sc.onScrypt({ type: 'SCRYPT', cryptogram: f.data.slice() });
          reply = r.ok ? encodeReply(r.reply, { ...o, security: r.security }) : encodeReply({ type: 'NAK', code: 6, meaning: '' }, o);
        } else if (sc && f.security) {
          sc.unwrapCommand(f);
          reply = sc.wrapReply({ type: 'ACK' }, o);
        } else reply = encodeReply({ type: 'ACK' }, o);
        now += 1;
        bus.receive(reply, now);
      }
    };
    cycle(n * 6); // first-contact POLLs and handshakes
    const polls = 50_000;
    const t0 = performance.now();
    cycle(polls);
    const ms = performance.now() - t0;
    const st = bus.status(0)!;
    console.log(
      `${String(n).padStart(2)} PD(s) ${secure ? 'secure' : 'plain '}: ${fmt((polls / ms) * 1000).padStart(8)} poll cycles/s CPU-bound (${((ms * 1000) / polls).toFixed(1)} µs each; PD 0 online=${st.online} sc=${st.secure})`,
    );
  }
}

// ---- wire time ----
console.log('-- wire time (8N1 = 10 bits a byte; + 2 character times idle before each frame) --');
{
  const o = { address: 1, sequence: 1 as const };
  const { acu, pd } = pair();
  const sizes = (cmd: Command, reply: Reply) => {
    const c = encodeCommand(cmd, o).length;
    const r = encodeReply(reply, o).length;
    const sc = acu.wrapCommand(cmd, o);
    const p = parseFrame(sc);
    if (p.ok) pd.unwrapCommand(p.frame);
    const sr = pd.wrapReply(reply, o);
    const q = parseFrame(sr);
    if (q.ok) acu.unwrapReply(q.frame);
    return { plain: c + r, secure: sc.length + sr.length };
  };
  const traffic: [string, Command, Reply][] = [
    ['POLL / ACK', { type: 'POLL' }, { type: 'ACK' }],
    ['ISTAT / ISTATR (8 inputs)', { type: 'ISTAT' }, { type: 'ISTATR', inputs: [0, 1, 0, 0, 0, 0, 0, 0] }],
    ['OUT (1 record, timed) / ACK', { type: 'OUT', records: [{ output: 0, code: 6, timerMs: 5000 }] }, { type: 'ACK' }],
    ['OSTAT / OSTATR (4 outputs)', { type: 'OSTAT' }, { type: 'OSTATR', outputs: [1, 0, 0, 0] }],
  ];
  const wire = (bytes: number, baud: number) => ((bytes + 4) * 10 * 1000) / baud; // + 2 idle chars before each of 2 frames
  console.log(`${'exchange'.padEnd(30)} ${'bytes'.padStart(12)} ${'9600 ms'.padStart(16)} ${'115200 ms'.padStart(16)}`);
  for (const [label, c, r] of traffic) {
    const s = sizes(c, r);
    console.log(
      `${label.padEnd(30)} ${`${s.plain} / ${s.secure}sc`.padStart(12)} ${`${wire(s.plain, 9600).toFixed(2)} / ${wire(s.secure, 9600).toFixed(2)}`.padStart(16)} ${`${wire(s.plain, 115200).toFixed(3)} / ${wire(s.secure, 115200).toFixed(3)}`.padStart(16)}`,
    );
  }
  const pollBytes = sizes({ type: 'POLL' }, { type: 'ACK' });
  for (const baud of [9600, 115200])
    for (const n of [1, 8, 32])
      console.log(
        `polls/s floor at ${String(baud).padStart(6)} baud, ${String(n).padStart(2)} PD(s): ${fmt(1000 / wire(pollBytes.plain, baud)).padStart(5)} bus-wide plain (${(1000 / wire(pollBytes.plain, baud) / n).toFixed(1)} per PD), ${fmt(1000 / wire(pollBytes.secure, baud))} secure (+ PD turnaround, typically < 3 ms each)`,
      );
}
