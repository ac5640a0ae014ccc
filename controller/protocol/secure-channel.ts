// OSDP Secure Channel (SIA OSDP v2.2 §D / Annex E): AES-128 session keys from the SCBK, the CHLNG/CCRYPT/SCRYPT/
// RMAC_I handshake, a CBC-MAC on every frame with MAC chaining, and AES-CBC encrypted payloads (SCS_17/18).
// Both sides are here: AcuSession (DoorCx) and PdSession (the simulator). Pure: randomness is injected,
// node:crypto is computation only. Keys never appear in strings: SecretKey redacts itself.
import { type Cipher, type Decipher, createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type Failure, type Frame, type Sequence, SCS, buildFrame, fail, hex } from './frame';
import { type Command, type Reply, commandPayload, decodeCommandPayload, decodeReplyPayload, replyPayload } from './messages';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** A 16-byte AES key that refuses to print itself (toString, JSON, util.inspect, console.log all redact). */
export class SecretKey {
  readonly #bytes: Uint8Array;
  // Reused ECB cipher objects: creating one per block costs ~20 µs, reusing one costs well under 1 µs.
  #enc: Cipher | undefined;
  #dec: Decipher | undefined;
  constructor(bytes: Uint8Array) {
    if (bytes.length !== 16) throw new RangeError(`an AES-128 key is 16 bytes, got ${bytes.length}`);
    this.#bytes = Uint8Array.from(bytes);
  }
  /** The key bytes, for the cipher only. Never log them. */
  reveal(): Uint8Array {
    return this.#bytes;
  }
  /** AES-128-ECB encrypt whole 16-byte blocks. */
  encryptBlocks(data: Uint8Array): Uint8Array {
    if (!this.#enc) {
      this.#enc = createCipheriv('aes-128-ecb', this.#bytes, null);
      this.#enc.setAutoPadding(false);
    }
    return new Uint8Array(this.#enc.update(data));
  }
  /** AES-128-ECB decrypt whole 16-byte blocks. */
  decryptBlocks(data: Uint8Array): Uint8Array {
    if (!this.#dec) {
      this.#dec = createDecipheriv('aes-128-ecb', this.#bytes, null);
      this.#dec.setAutoPadding(false);
    }
    return new Uint8Array(this.#dec.update(data));
  }
  equals(other: SecretKey): boolean {
    const a = this.#bytes;
    const b = other.#bytes;
    let d = 0;
    for (let i = 0; i < 16; i++) d |= a[i]! ^ b[i]!;
    return d === 0;
  }
  toString(): string {
    return '[SecretKey redacted]';
  }
  toJSON(): string {
    return '[SecretKey redacted]';
  }
  [INSPECT](): string {
    return '[SecretKey redacted]';
  }
}

/** SCBK-D, the install-mode default key 30 31 … 3F (a PD still using it is not secured). */
export const SCBK_D = new SecretKey(Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i));

// ---- AES primitives (no padding; callers pad). CBC is chained here over reused ECB ciphers. ----

function aesEcb(key: SecretKey, block: Uint8Array): Uint8Array {
  return key.encryptBlocks(block);
}
function aesCbc(key: SecretKey, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  const x = new Uint8Array(16);
  let prev = iv;
  for (let o = 0; o < data.length; o += 16) {
    for (let k = 0; k < 16; k++) x[k] = data[o + k]! ^ prev[k]!;
    out.set(key.encryptBlocks(x), o);
    prev = out.subarray(o, o + 16);
  }
  return out;
}
function aesCbcDecrypt(key: SecretKey, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const out = key.decryptBlocks(data);
  for (let o = 0; o < data.length; o++) out[o]! ^= o < 16 ? iv[o]! : data[o - 16]!;
  return out;
}
const not = (b: Uint8Array): Uint8Array => b.map((x) => ~x & 0xff);

/** Session keys of one secure channel. */
export interface SessionKeys {
  enc: SecretKey;
  mac1: SecretKey;
  mac2: SecretKey;
}

/** S-ENC / S-MAC1 / S-MAC2 = AES-ECB(SCBK, 01 82|01|02 ‖ RND.A[0..5] ‖ 00×8). */
export function deriveSessionKeys(scbk: SecretKey, rndA: Uint8Array): SessionKeys {
  const d = (second: number) => {
    const b = new Uint8Array(16);
    b[0] = 0x01;
    b[1] = second;
    b.set(rndA.subarray(0, 6), 2);
    return new SecretKey(aesEcb(scbk, b));
  };
  return { enc: d(0x82), mac1: d(0x01), mac2: d(0x02) };
}

const cat = (a: Uint8Array, b: Uint8Array) => {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
};
/** PD (client) cryptogram = AES(S-ENC, RND.A ‖ RND.B). */
export const clientCryptogram = (k: SessionKeys, rndA: Uint8Array, rndB: Uint8Array) => aesEcb(k.enc, cat(rndA, rndB));
/** ACU (server) cryptogram = AES(S-ENC, RND.B ‖ RND.A). */
export const serverCryptogram = (k: SessionKeys, rndA: Uint8Array, rndB: Uint8Array) => aesEcb(k.enc, cat(rndB, rndA));
/** Initial R-MAC = AES(S-MAC2, AES(S-MAC1, server cryptogram)). */
export const initialRmac = (k: SessionKeys, serverCrypt: Uint8Array) => aesEcb(k.mac2, aesEcb(k.mac1, serverCrypt));

/** CBC-MAC over `data` (padded 80 00… unless block-aligned): S-MAC1 for all blocks but the last, S-MAC2 for the last. Returns 16 bytes. */
export function computeMac(k: SessionKeys, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const rem = data.length % 16;
  const n = rem ? data.length + 16 - rem : Math.max(16, data.length);
  const b = new Uint8Array(n);
  b.set(data);
  if (rem || data.length === 0) b[data.length] = 0x80;
  let v = iv;
  if (n > 16) v = aesCbc(k.mac1, iv, b.subarray(0, n - 16)).subarray(n - 32);
  return aesCbc(k.mac2, v, b.subarray(n - 16));
}

/** Encrypt a payload: pad 80 00… to a block multiple, AES-CBC(S-ENC, IV). */
export function encryptPayload(k: SessionKeys, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const n = (Math.floor(data.length / 16) + 1) * 16;
  const b = new Uint8Array(n);
  b.set(data);
  b[data.length] = 0x80;
  return aesCbc(k.enc, iv, b);
}

/** Decrypt and strip the 80 00… padding; null if the length or padding is wrong. */
export function decryptPayload(k: SessionKeys, iv: Uint8Array, data: Uint8Array): Uint8Array | null {
  if (data.length === 0 || data.length % 16 !== 0) return null;
  const p = aesCbcDecrypt(k.enc, iv, data);
  let i = p.length - 1;
  while (i >= 0 && p[i] === 0) i--;
  if (i < 0 || p[i] !== 0x80 || p.length - i > 16) return null;
  return p.slice(0, i);
}

// ---- errors ----

export type SecureErrorKind =
  | 'key-mismatch' // a cryptogram or the initial R-MAC does not verify: the two sides hold different keys
  | 'bad-mac' // a frame's MAC does not verify
  | 'bad-padding' // an encrypted payload does not decrypt to valid padding
  | 'unexpected' // a frame that does not fit the handshake state or has the wrong security block
  | 'not-active' // a secure frame before the session is established
  | 'decode'; // MAC ok but the plaintext payload does not decode

/** A typed secure-channel failure; never contains key material. */
export interface SecureError {
  kind: SecureErrorKind;
  message: string;
}
type SFail = { ok: false; error: SecureError };
const sfail = (kind: SecureErrorKind, message: string): SFail => ({ ok: false, error: { kind, message } });

export type SessionState = 'idle' | 'challenged' | 'cryptogram-sent' | 'active' | 'failed';

/** Link-level fields for a secure frame. */
export interface SecureFrameOptions {
  address: number;
  sequence: Sequence;
  useCrc?: boolean;
  mark?: boolean;
}

export interface AcuSessionOptions {
  /** the PD's own SCBK; omitted → SCBK-D (install mode) */
  scbk?: SecretKey;
  /** use SCBK-D (key flag 0) even when an scbk is given */
  install?: boolean;
  /** randomness for RND.A (8 bytes); default node:crypto randomBytes */
  random?: (n: number) => Uint8Array;
}

/**
 * ACU side of one PD's secure channel. Flow: `challenge()` → send CHLNG; feed the CCRYPT to `onCcrypt()`
 * → send SCRYPT; feed RMAC_I to `onRmacI()` → active. Then `wrapCommand()` each command (once per new
 * frame; a retry re-sends the same bytes) and `unwrapReply()` each reply.
 */
export class AcuSession {
  state: SessionState = 'idle';
  private readonly scbk: SecretKey;
  private readonly keyFlag: number;
  private readonly random: (n: number) => Uint8Array;
  private keys: SessionKeys | undefined;
  private rndA: Uint8Array = new Uint8Array(8);
  private rndB: Uint8Array = new Uint8Array(8);
  private cMac: Uint8Array = new Uint8Array(16);
  private rMac: Uint8Array = new Uint8Array(16);
  /** PD's client UID from CCRYPT */
  clientUid: Uint8Array | undefined;

  constructor(opts: AcuSessionOptions = {}) {
    const install = opts.install === true || opts.scbk === undefined;
    this.scbk = install ? SCBK_D : opts.scbk!;
    this.keyFlag = install ? 0 : 1;
    this.random = opts.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  /** true when the session uses SCBK-D */
  get usesDefaultKey(): boolean {
    return this.keyFlag === 0;
  }

  /** Start (or restart) the handshake: the CHLNG command and its security block (type 0x11, key flag). */
  challenge(): { command: Command; security: { type: number; data: Uint8Array } } {
    this.rndA = Uint8Array.from(this.random(8)).subarray(0, 8);
    this.keys = deriveSessionKeys(this.scbk, this.rndA);
    this.state = 'challenged';
    return { command: { type: 'CHLNG', rndA: this.rndA.slice() }, security: { type: SCS.CHLNG, data: Uint8Array.of(this.keyFlag) } };
  }

  /** Verify the PD's cryptogram; on success returns the SCRYPT command to send. A mismatch means the keys differ. */
  onCcrypt(reply: Reply): { ok: true; command: Command; security: { type: number; data: Uint8Array } } | SFail {
    if (this.state !== 'challenged' || !this.keys) return sfail('unexpected', `CCRYPT in state ${this.state}`);
    if (reply.type !== 'CCRYPT') return this.failWith('unexpected', `expected CCRYPT, got ${reply.type}`);
    const want = clientCryptogram(this.keys, this.rndA, reply.rndB);
    if (!equal(want, reply.cryptogram))
      return this.failWith(
        'key-mismatch',
        `PD cryptogram does not verify with ${this.usesDefaultKey ? 'the default key SCBK-D' : 'the configured SCBK'}: the PD holds a different key`,
      );
    this.rndB = reply.rndB.slice();
    this.clientUid = reply.clientUid.slice();
    this.state = 'cryptogram-sent';
    return {
      ok: true,
      command: { type: 'SCRYPT', cryptogram: serverCryptogram(this.keys, this.rndA, this.rndB) },
      security: { type: SCS.SCRYPT, data: Uint8Array.of(this.keyFlag) },
    };
  }

  /** Verify RMAC_I; the session becomes active. */
  onRmacI(reply: Reply): { ok: true } | SFail {
    if (this.state !== 'cryptogram-sent' || !this.keys) return sfail('unexpected', `RMAC_I in state ${this.state}`);
    if (reply.type !== 'RMAC_I') return this.failWith('unexpected', `expected RMAC_I, got ${reply.type}`);
    const want = initialRmac(this.keys, serverCryptogram(this.keys, this.rndA, this.rndB));
    if (!equal(want, reply.rmac))
      return this.failWith('key-mismatch', 'initial R-MAC does not verify: the PD rejected our cryptogram or holds a different key');
    this.rMac = want;
    this.state = 'active';
    return { ok: true };
  }

  /**
   * Build an encrypted (SCS_17, when the command has data) or MAC-only (SCS_15; also with `encrypt: false`) frame and
   * advance the MAC chain. Call once per new frame: a retry must re-send the same bytes, not wrap again.
   */
  wrapCommand(command: Command, o: SecureFrameOptions & { encrypt?: boolean }): Uint8Array {
    if (this.state !== 'active' || !this.keys) throw new Error(`secure channel not active (${this.state})`);
    const k = this.keys;
    const p = commandPayload(command);
    const encrypted = p.data.length > 0 && o.encrypt !== false;
    const data = encrypted ? encryptPayload(k, not(this.rMac), p.data) : p.data;
    return buildFrame({
      address: o.address,
      sequence: o.sequence,
      useCrc: o.useCrc,
      mark: o.mark,
      reply: false,
      security: { type: encrypted ? SCS.CMD_ENC : SCS.CMD_MAC, data: new Uint8Array(0) },
      code: p.code,
      data,
      sign: (auth) => (this.cMac = computeMac(k, this.rMac, auth)),
    });
  }

  /** Verify (and decrypt) a reply frame, advancing the MAC chain. Tolerates SCS_15 on a reply (a real PD stack's quirk). */
  unwrapReply(frame: Frame): { ok: true; reply: Reply } | SFail {
    if (this.state !== 'active' || !this.keys) return sfail('not-active', `secure reply while session ${this.state}`);
    const t = frame.security?.type;
    // Quirk (see fixture osdp-secure-session.txt): one PD stack marks MAC-only replies 0x15 instead of 0x16;
    // its own receiver accepts that and the MAC rules are the same, so we accept it too.
    if (!frame.reply || (t !== SCS.REPLY_MAC && t !== SCS.REPLY_ENC && t !== SCS.CMD_MAC) || !frame.mac)
      return sfail('unexpected', `reply without a MAC security block (type ${t === undefined ? 'none' : '0x' + t.toString(16)})`);
    const opened = openFrame(this.keys, this.cMac, frame, frame.mac, t === SCS.REPLY_ENC, 'reply');
    if (!opened.ok) return opened;
    this.rMac = opened.mac;
    const r = decodeReplyPayload(frame.code, opened.data);
    return r.ok ? r : sfail('decode', r.error.message);
  }

  /** Drop the session (after NAK 05/06, a sequence reset, or a PD going offline). */
  reset(): void {
    this.state = 'idle';
    this.keys = undefined;
  }

  private failWith(kind: SecureErrorKind, message: string): SFail {
    this.state = 'failed';
    this.keys = undefined;
    return sfail(kind, message);
  }

  toJSON(): object {
    return { state: this.state, keyFlag: this.keyFlag };
  }
  [INSPECT](): string {
    return `AcuSession { state: ${this.state}, keyFlag: ${this.keyFlag} }`;
  }
}

export interface PdSessionOptions {
  /** the PD's own SCBK; undefined = none set yet (factory state: only SCBK-D works) */
  scbk?: SecretKey;
  /** accept key flag 0 (SCBK-D); real PDs do in install mode. Default: true when no scbk is set */
  installMode?: boolean;
  /** client UID (8 bytes) sent in CCRYPT */
  clientUid?: Uint8Array;
  random?: (n: number) => Uint8Array;
}

/**
 * PD side of the secure channel (for the simulator). `onChlng()` answers CCRYPT, `onScrypt()` answers RMAC_I
 * (or a failure → the PD NAKs), then `unwrapCommand()` / `wrapReply()` each frame.
 */
export class PdSession {
  state: SessionState = 'idle';
  private scbk: SecretKey | undefined;
  private installMode: boolean;
  private readonly uid: Uint8Array;
  private readonly random: (n: number) => Uint8Array;
  private keys: SessionKeys | undefined;
  private rndA: Uint8Array = new Uint8Array(8);
  private rndB: Uint8Array = new Uint8Array(8);
  private cMac: Uint8Array = new Uint8Array(16);
  private rMac: Uint8Array = new Uint8Array(16);

  constructor(opts: PdSessionOptions = {}) {
    this.scbk = opts.scbk;
    this.installMode = opts.installMode ?? opts.scbk === undefined;
    this.uid = opts.clientUid?.slice(0, 8) ?? new Uint8Array(8);
    this.random = opts.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  /** true while the PD has no own key (or accepts SCBK-D). */
  get usesDefaultKey(): boolean {
    return this.scbk === undefined;
  }

  /** Answer CHLNG. keyFlag = the security block data byte (0 SCBK-D, 1 own key). */
  onChlng(command: Command, keyFlag: number): { ok: true; reply: Reply; security: { type: number; data: Uint8Array } } | SFail {
    this.reset();
    if (command.type !== 'CHLNG') return sfail('unexpected', `expected CHLNG, got ${command.type}`);
    let key: SecretKey | undefined;
    if (keyFlag === 0) key = this.installMode ? SCBK_D : undefined;
    else key = this.scbk;
    if (!key) return sfail('key-mismatch', keyFlag === 0 ? 'PD is not in install mode: SCBK-D refused' : 'PD has no SCBK set');
    this.rndA = command.rndA.slice();
    this.rndB = Uint8Array.from(this.random(8)).subarray(0, 8);
    this.keys = deriveSessionKeys(key, this.rndA);
    this.state = 'challenged';
    return {
      ok: true,
      reply: {
        type: 'CCRYPT',
        clientUid: this.uid.slice(),
        rndB: this.rndB.slice(),
        cryptogram: clientCryptogram(this.keys, this.rndA, this.rndB),
      },
      security: { type: SCS.CCRYPT, data: Uint8Array.of(keyFlag) },
    };
  }

  /** Verify the ACU cryptogram; answer RMAC_I (block data 01 = accepted) or fail (the PD should NAK 06). */
  onScrypt(command: Command): { ok: true; reply: Reply; security: { type: number; data: Uint8Array } } | SFail {
    if (this.state !== 'challenged' || !this.keys) return sfail('unexpected', `SCRYPT in state ${this.state}`);
    if (command.type !== 'SCRYPT') return sfail('unexpected', `expected SCRYPT, got ${command.type}`);
    const want = serverCryptogram(this.keys, this.rndA, this.rndB);
    if (!equal(want, command.cryptogram)) {
      this.reset();
      this.state = 'failed';
      return sfail('key-mismatch', 'ACU cryptogram does not verify');
    }
    this.rMac = initialRmac(this.keys, want);
    this.state = 'active';
    return { ok: true, reply: { type: 'RMAC_I', rmac: this.rMac.slice() }, security: { type: SCS.RMAC_I, data: Uint8Array.of(1) } };
  }

  /** Verify (and decrypt) a command frame, advancing the MAC chain. */
  unwrapCommand(frame: Frame): { ok: true; command: Command } | SFail | (Failure & { decode: true }) {
    if (this.state !== 'active' || !this.keys) return sfail('not-active', `secure command while session ${this.state}`);
    const t = frame.security?.type;
    if (frame.reply || (t !== SCS.CMD_MAC && t !== SCS.CMD_ENC) || !frame.mac)
      return sfail('unexpected', 'command without a MAC security block');
    const opened = openFrame(this.keys, this.rMac, frame, frame.mac, t === SCS.CMD_ENC, 'command');
    if (!opened.ok) return opened;
    this.cMac = opened.mac;
    const c = decodeCommandPayload(frame.code, opened.data);
    return c.ok ? c : { ...fail(c.error.kind, c.error.message), decode: true };
  }

  /**
   * Build a MAC'd (SCS_16) or encrypted (SCS_18) reply frame and advance the MAC chain.
   * `encrypt: false` sends data in clear under the MAC (SCS_16). `quirkBlock15` reproduces a real PD stack that
   * sends MAC-only replies (data in clear) with block 0x15 instead of 0x16 (for simulating that device).
   */
  wrapReply(reply: Reply, o: SecureFrameOptions & { encrypt?: boolean; quirkBlock15?: boolean }): Uint8Array {
    if (this.state !== 'active' || !this.keys) throw new Error(`secure channel not active (${this.state})`);
    const k = this.keys;
    const p = replyPayload(reply);
    const encrypted = p.data.length > 0 && o.encrypt !== false && !o.quirkBlock15;
    const data = encrypted ? encryptPayload(k, not(this.cMac), p.data) : p.data;
    return buildFrame({
      address: o.address,
      sequence: o.sequence,
      useCrc: o.useCrc,
      mark: o.mark,
      reply: true,
      security: { type: encrypted ? SCS.REPLY_ENC : o.quirkBlock15 ? SCS.CMD_MAC : SCS.REPLY_MAC, data: new Uint8Array(0) },
      code: p.code,
      data,
      sign: (auth) => (this.rMac = computeMac(k, this.cMac, auth)),
    });
  }

  /** Install a new SCBK (after a KEYSET inside the secure channel); leaves install mode. */
  setKey(key: SecretKey): void {
    this.scbk = key;
    this.installMode = false;
  }

  reset(): void {
    this.state = 'idle';
    this.keys = undefined;
  }

  toJSON(): object {
    return { state: this.state, installMode: this.installMode };
  }
  [INSPECT](): string {
    return `PdSession { state: ${this.state}, installMode: ${this.installMode} }`;
  }
}

/**
 * Both directions open a secured frame the same way: its MAC continues the chain from the
 * other side's last MAC, and an encrypted payload uses that MAC's complement as the IV.
 * Returns this frame's full MAC (the next chain value) and the plain payload.
 */
function openFrame(
  keys: SessionKeys,
  chain: Uint8Array,
  frame: Frame,
  sentMac: Uint8Array,
  encrypted: boolean,
  what: 'reply' | 'command',
): { ok: true; mac: Uint8Array; data: Uint8Array } | SFail {
  const mac = computeMac(keys, chain, frame.authenticated);
  if (!equal(mac.subarray(0, 4), sentMac)) return sfail('bad-mac', `${what} MAC ${hex(sentMac)} does not verify`);
  if (!encrypted) return { ok: true, mac, data: frame.data };
  const data = decryptPayload(keys, not(chain), frame.data);
  if (!data) return sfail('bad-padding', `encrypted ${what} does not decrypt to valid padding`);
  return { ok: true, mac, data };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
