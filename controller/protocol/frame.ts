// OSDP frame layer: `[FF] 53 ADDR LEN_LO LEN_HI CTRL [SEC_BLK] CODE DATA… [MAC×4] CHECK`.
// Pure: no I/O, never throws on input bytes (parseFrame returns a typed error).
import { checksum, crc16 } from './crc';

export const MARK = 0xff;
export const SOM = 0x53;
export const BROADCAST = 0x7f;
/** Largest frame we accept (LEN field); libosdp uses 256-byte buffers, real PDs stay well below. */
export const MAX_FRAME_LENGTH = 1024;

export const CTRL_SEQ_MASK = 0x03;
export const CTRL_CRC = 0x04;
export const CTRL_SCB = 0x08;

/** Secure-channel block types (SCS_11 … SCS_18). */
export const SCS = {
  CHLNG: 0x11,
  CCRYPT: 0x12,
  SCRYPT: 0x13,
  RMAC_I: 0x14,
  /** command, MAC only */
  CMD_MAC: 0x15,
  /** reply, MAC only */
  REPLY_MAC: 0x16,
  /** command, MAC + encrypted data */
  CMD_ENC: 0x17,
  /** reply, MAC + encrypted data */
  REPLY_ENC: 0x18,
} as const;

export type Sequence = 0 | 1 | 2 | 3;

/** Security control block: LEN (incl. itself and TYPE), TYPE, DATA (e.g. `03 11 01` = CHLNG with the PD's own key). */
export interface SecurityBlock {
  type: number;
  data: Uint8Array;
}

/** A parsed frame; `data` is the raw payload (still encrypted for SCS_17/18). */
export interface Frame {
  /** PD address 0x00-0x7F (0x7F = broadcast), reply bit removed */
  address: number;
  /** ADDR bit 7 set: a PD → ACU reply */
  reply: boolean;
  sequence: Sequence;
  useCrc: boolean;
  /** the frame was preceded by the 0xFF mark byte */
  mark: boolean;
  security?: SecurityBlock;
  code: number;
  data: Uint8Array;
  /** 4 MAC bytes for security blocks 0x15-0x18 */
  mac?: Uint8Array;
  /** bytes from SOM to the end of DATA: what the MAC covers */
  authenticated: Uint8Array;
  /** the whole frame from SOM to the check bytes (without the mark) */
  raw: Uint8Array;
}

export type DecodeErrorKind =
  | 'truncated' // fewer bytes than the header or LEN says
  | 'bad-som' // first byte (after an optional FF) is not 0x53
  | 'bad-length' // LEN inconsistent with the bytes, or too small/large
  | 'bad-check' // CRC or checksum mismatch
  | 'bad-security-block' // security block length/type malformed
  | 'unknown-code' // command/reply code not known
  | 'bad-data' // payload length/values wrong for the code
  | 'wrong-direction' // a reply where a command was expected, or the reverse
  | 'encrypted'; // payload is encrypted (SCS_17/18); decode it through a secure-channel session

/** A decode failure: never thrown, always returned. `offset` is the byte at fault, counted from the first byte given. */
export interface DecodeError {
  kind: DecodeErrorKind;
  offset?: number;
  message: string;
}

export type Failure = { ok: false; error: DecodeError };

export function fail(kind: DecodeErrorKind, message: string, offset?: number): Failure {
  return offset === undefined ? { ok: false, error: { kind, message } } : { ok: false, error: { kind, offset, message } };
}

/** Security block types that are followed by a 4-byte MAC. */
export function hasMac(scbType: number | undefined): boolean {
  return scbType !== undefined && scbType >= 0x15 && scbType <= 0x18;
}

export const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');

/** Parse hex like "53 00 08 00" or "53000800" (test/fixture helper; throws on malformed text). */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:,]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`not hex: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Parse one whole frame (optionally led by FF). Never throws. */
export function parseFrame(bytes: Uint8Array): { ok: true; frame: Frame } | Failure {
  const mark = bytes.length > 0 && bytes[0] === MARK;
  const o = mark ? 1 : 0;
  if (bytes.length < o + 1) return fail('truncated', 'empty frame', 0);
  if (bytes[o] !== SOM) return fail('bad-som', `expected SOM 0x53, got 0x${bytes[o]!.toString(16)}`, o);
  if (bytes.length < o + 6) return fail('truncated', `frame header needs 6 bytes, have ${bytes.length - o}`, bytes.length);
  const len = bytes[o + 2]! | (bytes[o + 3]! << 8);
  const ctrl = bytes[o + 4]!;
  const useCrc = (ctrl & CTRL_CRC) !== 0;
  const checkLen = useCrc ? 2 : 1;
  if (len < 6 + checkLen || len > MAX_FRAME_LENGTH) return fail('bad-length', `LEN ${len} out of range`, o + 2);
  if (bytes.length - o < len) return fail('truncated', `LEN says ${len} bytes, have ${bytes.length - o}`, bytes.length);
  if (bytes.length - o > len) return fail('bad-length', `LEN says ${len} bytes, got ${bytes.length - o}`, o + len);
  const raw = bytes.subarray(o, o + len);
  const body = len - checkLen;
  if (useCrc) {
    const want = crc16(raw, 0, body);
    const got = raw[body]! | (raw[body + 1]! << 8);
    if (want !== got) return fail('bad-check', `CRC 0x${got.toString(16)} should be 0x${want.toString(16)}`, o + body);
  } else {
    const want = checksum(raw, 0, body);
    if (want !== raw[body]) return fail('bad-check', `checksum 0x${raw[body]!.toString(16)} should be 0x${want.toString(16)}`, o + body);
  }
  const addrByte = raw[1]!;
  let p = 5;
  let security: SecurityBlock | undefined;
  if (ctrl & CTRL_SCB) {
    const sl = raw[p]!;
    if (sl < 2 || p + sl >= body) return fail('bad-security-block', `security block length ${sl} invalid`, o + p);
    security = { type: raw[p + 1]!, data: raw.subarray(p + 2, p + sl) };
    p += sl;
  }
  const macLen = hasMac(security?.type) ? 4 : 0;
  if (p + 1 + macLen > body) return fail('bad-length', `frame too short for code${macLen ? ' and MAC' : ''}`, o + p);
  const code = raw[p]!;
  const dataEnd = body - macLen;
  const frame: Frame = {
    address: addrByte & 0x7f,
    reply: (addrByte & 0x80) !== 0,
    sequence: (ctrl & CTRL_SEQ_MASK) as Sequence,
    useCrc,
    mark,
    code,
    data: raw.subarray(p + 1, dataEnd),
    authenticated: raw.subarray(0, dataEnd),
    raw,
  };
  if (security) frame.security = security;
  if (macLen) frame.mac = raw.subarray(dataEnd, body);
  return { ok: true, frame };
}

/** What to put in a frame. `sign` computes the 4-byte MAC over SOM…DATA when the security block type needs one. */
export interface FrameSpec {
  address: number;
  reply?: boolean;
  sequence: Sequence;
  /** CRC-16 (default) or checksum */
  useCrc?: boolean;
  /** prefix the 0xFF mark byte (default true, as libosdp and the fixture do) */
  mark?: boolean;
  security?: SecurityBlock;
  code: number;
  data?: Uint8Array;
  sign?: (authenticated: Uint8Array) => Uint8Array;
}

/** Build a frame's bytes. Throws RangeError on out-of-range arguments (a programming error, not wire input). */
export function buildFrame(spec: FrameSpec): Uint8Array {
  const useCrc = spec.useCrc ?? true;
  const mark = spec.mark ?? true;
  const data = spec.data ?? new Uint8Array(0);
  if (!Number.isInteger(spec.address) || spec.address < 0 || spec.address > 0x7f)
    throw new RangeError(`address ${spec.address} not in 0-127`);
  if (spec.code < 0 || spec.code > 0xff) throw new RangeError(`code ${spec.code} not a byte`);
  const macLen = hasMac(spec.security?.type) ? 4 : 0;
  if (macLen && !spec.sign) throw new RangeError(`security block 0x${spec.security!.type.toString(16)} needs a MAC (sign)`);
  const sbLen = spec.security ? 2 + spec.security.data.length : 0;
  const len = 5 + sbLen + 1 + data.length + macLen + (useCrc ? 2 : 1);
  if (len > MAX_FRAME_LENGTH) throw new RangeError(`frame of ${len} bytes too long`);
  const out = new Uint8Array(len + (mark ? 1 : 0));
  const o = mark ? 1 : 0;
  if (mark) out[0] = MARK;
  const raw = out.subarray(o);
  raw[0] = SOM;
  raw[1] = spec.address | (spec.reply ? 0x80 : 0);
  raw[2] = len & 0xff;
  raw[3] = len >> 8;
  raw[4] = (spec.sequence & CTRL_SEQ_MASK) | (useCrc ? CTRL_CRC : 0) | (spec.security ? CTRL_SCB : 0);
  let p = 5;
  if (spec.security) {
    raw[p] = sbLen;
    raw[p + 1] = spec.security.type;
    raw.set(spec.security.data, p + 2);
    p += sbLen;
  }
  raw[p++] = spec.code;
  raw.set(data, p);
  p += data.length;
  if (macLen) {
    const mac = spec.sign!(raw.subarray(0, p));
    raw.set(mac.subarray(0, 4), p);
    p += 4;
  }
  if (useCrc) {
    const c = crc16(raw, 0, p);
    raw[p] = c & 0xff;
    raw[p + 1] = c >> 8;
  } else {
    raw[p] = checksum(raw, 0, p);
  }
  return out;
}
