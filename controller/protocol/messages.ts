// OSDP commands (ACU → PD) and replies (PD → ACU) as discriminated unions, with pure encode/decode.
// decode* never throws: malformed input gives { ok: false, error }.
import {
  type DecodeError,
  type Failure,
  type Frame,
  type Sequence,
  buildFrame,
  fail,
  parseFrame,
  type SecurityBlock,
  type FrameSpec,
} from './frame';

/** Command codes (ACU → PD). */
export const CMD = {
  POLL: 0x60,
  ID: 0x61,
  CAP: 0x62,
  LSTAT: 0x64,
  ISTAT: 0x65,
  OSTAT: 0x66,
  RSTAT: 0x67,
  OUT: 0x68,
  LED: 0x69,
  BUZ: 0x6a,
  COMSET: 0x6e,
  KEYSET: 0x75,
  CHLNG: 0x76,
  SCRYPT: 0x77,
} as const;
export type CommandType = keyof typeof CMD;

/** Reply codes (PD → ACU). */
export const REPLY = {
  ACK: 0x40,
  NAK: 0x41,
  PDID: 0x45,
  PDCAP: 0x46,
  LSTATR: 0x48,
  ISTATR: 0x49,
  OSTATR: 0x4a,
  RSTATR: 0x4b,
  COM: 0x54,
  CCRYPT: 0x76,
  RMAC_I: 0x78,
  BUSY: 0x79,
} as const;
export type ReplyType = keyof typeof REPLY;

const CMD_BY_CODE = new Map<number, CommandType>(Object.entries(CMD).map(([k, v]) => [v, k as CommandType]));
const REPLY_BY_CODE = new Map<number, ReplyType>(Object.entries(REPLY).map(([k, v]) => [v, k as ReplyType]));
export const commandName = (code: number): string => CMD_BY_CODE.get(code) ?? `CMD_0x${code.toString(16).padStart(2, '0')}`;
export const replyName = (code: number): string => REPLY_BY_CODE.get(code) ?? `REPLY_0x${code.toString(16).padStart(2, '0')}`;

/**
 * OUT control codes: 0 no change; 1/2 permanent OFF/ON aborting a timer; 3/4 permanent OFF/ON letting a
 * running timer finish; 5/6 temporary ON/OFF for `timerMs`, then back to the permanent state.
 * 5/6 are the safe way to drop lock power: the PD restores it on its own.
 */
export type OutControlCode = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export const OUT_CODE = {
  NOP: 0,
  PERMANENT_OFF_ABORT_TIMER: 1,
  PERMANENT_ON_ABORT_TIMER: 2,
  PERMANENT_OFF_AFTER_TIMER: 3,
  PERMANENT_ON_AFTER_TIMER: 4,
  TEMPORARY_ON: 5,
  TEMPORARY_OFF: 6,
} as const;

/** One OUT record. timerMs is sent in 100 ms units (rounded), 0-6 553 500 ms. */
export interface OutRecord {
  output: number;
  code: OutControlCode;
  timerMs: number;
}

/** One LED record (14 bytes): temporary and permanent settings; times in 100 ms units, colors 0 black 1 red 2 green 3 amber 4 blue. */
export interface LedRecord {
  reader: number;
  led: number;
  temporary: { control: number; onTime: number; offTime: number; onColor: number; offColor: number; timer: number };
  permanent: { control: number; onTime: number; offTime: number; onColor: number; offColor: number };
}

/** Commands the ACU sends. */
export type Command =
  | { type: 'POLL' }
  | { type: 'ID'; reportType?: number }
  | { type: 'CAP'; reportType?: number }
  | { type: 'LSTAT' }
  | { type: 'ISTAT' }
  | { type: 'OSTAT' }
  | { type: 'RSTAT' }
  | { type: 'OUT'; records: OutRecord[] }
  | { type: 'LED'; records: LedRecord[] }
  /** tone 0 none, 1 off, 2 default; on/off in 100 ms units; count 0 = forever */
  | { type: 'BUZ'; reader: number; tone: number; onTime: number; offTime: number; count: number }
  | { type: 'COMSET'; address: number; baud: number }
  /** keyType 1 = SCBK; only inside a secure channel, only on an explicit call */
  | { type: 'KEYSET'; keyType: number; key: Uint8Array }
  | { type: 'CHLNG'; rndA: Uint8Array }
  | { type: 'SCRYPT'; cryptogram: Uint8Array };

/** NAK error codes. */
export const NAK_CODE = {
  NONE: 0,
  BAD_CHECK: 1,
  BAD_LENGTH: 2,
  UNKNOWN_COMMAND: 3,
  SEQUENCE: 4,
  SC_UNSUPPORTED: 5,
  SC_CONDITIONS: 6,
  BIO_TYPE: 7,
  BIO_FORMAT: 8,
  CANNOT_PROCESS: 9,
} as const;
const NAK_MEANING: Record<number, string> = {
  0: 'no error',
  1: 'message check character(s) error',
  2: 'command length error',
  3: 'unknown command code',
  4: 'unexpected sequence number',
  5: 'security block not supported',
  6: 'secure channel conditions not met (encryption required)',
  7: 'biometric type not supported',
  8: 'biometric format not supported',
  9: 'unable to process command record',
};
export const nakMeaning = (code: number): string => NAK_MEANING[code] ?? `unknown NAK code ${code}`;

export { INPUT_STATE, inputStateName, type InputStateName } from './input-state';

/** PDCAP function codes. */
export const CAP_FUNCTION = {
  INPUTS: 1,
  OUTPUTS: 2,
  CARD_FORMAT: 3,
  LED: 4,
  BUZZER: 5,
  TEXT: 6,
  TIME: 7,
  CRC: 8,
  SECURE_CHANNEL: 9,
  RX_BUFFER: 10,
  MAX_MULTIPART: 11,
  SMART_CARD: 12,
  READERS: 13,
  BIOMETRICS: 14,
  SECURE_PIN: 15,
  VERSION: 16,
} as const;

export interface Capability {
  function: number;
  compliance: number;
  count: number;
}

/** Replies a PD sends. */
export type Reply =
  | { type: 'ACK' }
  | { type: 'NAK'; code: number; meaning: string; detail?: Uint8Array }
  | {
      type: 'PDID';
      /** IEEE OUI, 3 bytes as sent */
      vendor: [number, number, number];
      model: number;
      version: number;
      serial: number;
      firmware: { major: number; minor: number; build: number };
    }
  | { type: 'PDCAP'; capabilities: Capability[] }
  | { type: 'LSTATR'; tamper: number; power: number }
  /** one value per input: 0 inactive, 1 active, 2 short, 3 open, 4 fault, 5 unknown */
  | { type: 'ISTATR'; inputs: number[] }
  | { type: 'OSTATR'; outputs: number[] }
  | { type: 'RSTATR'; readers: number[] }
  | { type: 'COM'; address: number; baud: number }
  | { type: 'BUSY' }
  | { type: 'CCRYPT'; clientUid: Uint8Array; rndB: Uint8Array; cryptogram: Uint8Array }
  | { type: 'RMAC_I'; rmac: Uint8Array };

/** A code plus its (plaintext) payload. */
export interface Payload {
  code: number;
  data: Uint8Array;
}

const u8 = (...b: number[]) => Uint8Array.from(b);
function byteCheck(name: string, v: number, max = 0xff): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} = ${v} out of range 0-${max}`);
  return v;
}
function u32(v: number): number[] {
  byteCheck('u32', v, 0xffffffff);
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
const readU32 = (d: Uint8Array, o: number) => (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
function fixed(name: string, b: Uint8Array, n: number): Uint8Array {
  if (b.length !== n) throw new RangeError(`${name} must be ${n} bytes, got ${b.length}`);
  return b;
}

/** Command → code + payload bytes. Throws RangeError on out-of-range fields (caller bug). */
export function commandPayload(c: Command): Payload {
  switch (c.type) {
    case 'POLL':
    case 'LSTAT':
    case 'ISTAT':
    case 'OSTAT':
    case 'RSTAT':
      return { code: CMD[c.type], data: new Uint8Array(0) };
    case 'ID':
    case 'CAP':
      return { code: CMD[c.type], data: u8(byteCheck('reportType', c.reportType ?? 0)) };
    case 'OUT': {
      const d = new Uint8Array(c.records.length * 4);
      c.records.forEach((r, i) => {
        const t = Math.round(r.timerMs / 100);
        byteCheck(`records[${i}].timer (100 ms units)`, t, 0xffff);
        d.set([byteCheck(`records[${i}].output`, r.output), byteCheck(`records[${i}].code`, r.code, 6), t & 0xff, t >> 8], i * 4);
      });
      return { code: CMD.OUT, data: d };
    }
    case 'LED': {
      const d = new Uint8Array(c.records.length * 14);
      c.records.forEach((r, i) => {
        const t = r.temporary;
        const p = r.permanent;
        byteCheck('timer', t.timer, 0xffff);
        const bytes = [
          r.reader,
          r.led,
          t.control,
          t.onTime,
          t.offTime,
          t.onColor,
          t.offColor,
          0,
          0,
          p.control,
          p.onTime,
          p.offTime,
          p.onColor,
          p.offColor,
        ];
        bytes.forEach((v, k) => byteCheck(`records[${i}] byte ${k}`, v));
        bytes[7] = t.timer & 0xff;
        bytes[8] = t.timer >> 8;
        d.set(bytes, i * 14);
      });
      return { code: CMD.LED, data: d };
    }
    case 'BUZ':
      return { code: CMD.BUZ, data: u8(...[c.reader, c.tone, c.onTime, c.offTime, c.count].map((v) => byteCheck('BUZ field', v))) };
    case 'COMSET':
      return { code: CMD.COMSET, data: u8(byteCheck('address', c.address, 0x7e), ...u32(c.baud)) };
    case 'KEYSET':
      return { code: CMD.KEYSET, data: u8(byteCheck('keyType', c.keyType), c.key.length, ...fixed('key', c.key, 16)) };
    case 'CHLNG':
      return { code: CMD.CHLNG, data: Uint8Array.from(fixed('rndA', c.rndA, 8)) };
    case 'SCRYPT':
      return { code: CMD.SCRYPT, data: Uint8Array.from(fixed('cryptogram', c.cryptogram, 16)) };
  }
}

/** Reply → code + payload bytes. Throws RangeError on out-of-range fields (caller bug). */
export function replyPayload(r: Reply): Payload {
  switch (r.type) {
    case 'ACK':
    case 'BUSY':
      return { code: REPLY[r.type], data: new Uint8Array(0) };
    case 'NAK':
      return { code: REPLY.NAK, data: u8(byteCheck('code', r.code), ...(r.detail ?? [])) };
    case 'PDID':
      return {
        code: REPLY.PDID,
        data: u8(
          ...r.vendor.map((v) => byteCheck('vendor', v)),
          byteCheck('model', r.model),
          byteCheck('version', r.version),
          ...u32(r.serial),
          byteCheck('firmware.major', r.firmware.major),
          byteCheck('firmware.minor', r.firmware.minor),
          byteCheck('firmware.build', r.firmware.build),
        ),
      };
    case 'PDCAP':
      return {
        code: REPLY.PDCAP,
        data: u8(
          ...r.capabilities.flatMap((c) => [
            byteCheck('function', c.function),
            byteCheck('compliance', c.compliance),
            byteCheck('count', c.count),
          ]),
        ),
      };
    case 'LSTATR':
      return { code: REPLY.LSTATR, data: u8(byteCheck('tamper', r.tamper), byteCheck('power', r.power)) };
    case 'ISTATR':
      return { code: REPLY.ISTATR, data: u8(...r.inputs.map((v) => byteCheck('input', v))) };
    case 'OSTATR':
      return { code: REPLY.OSTATR, data: u8(...r.outputs.map((v) => byteCheck('output', v))) };
    case 'RSTATR':
      return { code: REPLY.RSTATR, data: u8(...r.readers.map((v) => byteCheck('reader', v))) };
    case 'COM':
      return { code: REPLY.COM, data: u8(byteCheck('address', r.address, 0x7e), ...u32(r.baud)) };
    case 'CCRYPT':
      return {
        code: REPLY.CCRYPT,
        data: u8(...fixed('clientUid', r.clientUid, 8), ...fixed('rndB', r.rndB, 8), ...fixed('cryptogram', r.cryptogram, 16)),
      };
    case 'RMAC_I':
      return { code: REPLY.RMAC_I, data: Uint8Array.from(fixed('rmac', r.rmac, 16)) };
  }
}

function lengthIs(name: string, d: Uint8Array, ok: boolean, want: string): Failure | null {
  return ok ? null : fail('bad-data', `${name}: payload of ${d.length} bytes, expected ${want}`);
}

/** Decode a command from its code and plaintext payload. Never throws. */
export function decodeCommandPayload(code: number, d: Uint8Array): { ok: true; command: Command } | Failure {
  const type = CMD_BY_CODE.get(code);
  if (!type) return fail('unknown-code', `unknown command code 0x${code.toString(16)}`);
  let e: Failure | null;
  switch (type) {
    case 'POLL':
    case 'LSTAT':
    case 'ISTAT':
    case 'OSTAT':
    case 'RSTAT':
      if ((e = lengthIs(type, d, d.length === 0, '0'))) return e;
      return { ok: true, command: { type } };
    case 'ID':
    case 'CAP':
      if ((e = lengthIs(type, d, d.length === 1, '1'))) return e;
      return { ok: true, command: { type, reportType: d[0]! } };
    case 'OUT': {
      if ((e = lengthIs(type, d, d.length > 0 && d.length % 4 === 0, 'a multiple of 4'))) return e;
      const records: OutRecord[] = [];
      for (let i = 0; i < d.length; i += 4) {
        const code = d[i + 1]!;
        if (code > 6) return fail('bad-data', `OUT record ${i / 4}: control code ${code} not in 0-6`, i + 1);
        records.push({ output: d[i]!, code: code as OutControlCode, timerMs: (d[i + 2]! | (d[i + 3]! << 8)) * 100 });
      }
      return { ok: true, command: { type, records } };
    }
    case 'LED': {
      if ((e = lengthIs(type, d, d.length > 0 && d.length % 14 === 0, 'a multiple of 14'))) return e;
      const records: LedRecord[] = [];
      for (let i = 0; i < d.length; i += 14) {
        const b = (k: number) => d[i + k]!;
        records.push({
          reader: b(0),
          led: b(1),
          temporary: { control: b(2), onTime: b(3), offTime: b(4), onColor: b(5), offColor: b(6), timer: b(7) | (b(8) << 8) },
          permanent: { control: b(9), onTime: b(10), offTime: b(11), onColor: b(12), offColor: b(13) },
        });
      }
      return { ok: true, command: { type, records } };
    }
    case 'BUZ':
      if ((e = lengthIs(type, d, d.length === 5, '5'))) return e;
      return { ok: true, command: { type, reader: d[0]!, tone: d[1]!, onTime: d[2]!, offTime: d[3]!, count: d[4]! } };
    case 'COMSET':
      if ((e = lengthIs(type, d, d.length === 5, '5'))) return e;
      return { ok: true, command: { type, address: d[0]!, baud: readU32(d, 1) } };
    case 'KEYSET':
      if ((e = lengthIs(type, d, d.length === 18 && d[1] === 16, '18 (type, 0x10, 16-byte key)'))) return e;
      return { ok: true, command: { type, keyType: d[0]!, key: d.slice(2) } };
    case 'CHLNG':
      if ((e = lengthIs(type, d, d.length === 8, '8'))) return e;
      return { ok: true, command: { type, rndA: d.slice() } };
    case 'SCRYPT':
      if ((e = lengthIs(type, d, d.length === 16, '16'))) return e;
      return { ok: true, command: { type, cryptogram: d.slice() } };
  }
}

/** Decode a reply from its code and plaintext payload. Never throws. */
export function decodeReplyPayload(code: number, d: Uint8Array): { ok: true; reply: Reply } | Failure {
  const type = REPLY_BY_CODE.get(code);
  if (!type) return fail('unknown-code', `unknown reply code 0x${code.toString(16)}`);
  let e: Failure | null;
  switch (type) {
    case 'ACK':
    case 'BUSY':
      if ((e = lengthIs(type, d, d.length === 0, '0'))) return e;
      return { ok: true, reply: { type } };
    case 'NAK': {
      if ((e = lengthIs(type, d, d.length >= 1, 'at least 1'))) return e;
      const reply: Reply = { type, code: d[0]!, meaning: nakMeaning(d[0]!) };
      if (d.length > 1) reply.detail = d.slice(1);
      return { ok: true, reply };
    }
    case 'PDID':
      if ((e = lengthIs(type, d, d.length === 12, '12'))) return e;
      return {
        ok: true,
        reply: {
          type,
          vendor: [d[0]!, d[1]!, d[2]!],
          model: d[3]!,
          version: d[4]!,
          serial: readU32(d, 5),
          firmware: { major: d[9]!, minor: d[10]!, build: d[11]! },
        },
      };
    case 'PDCAP': {
      if ((e = lengthIs(type, d, d.length % 3 === 0, 'a multiple of 3'))) return e;
      const capabilities: Capability[] = [];
      for (let i = 0; i < d.length; i += 3) capabilities.push({ function: d[i]!, compliance: d[i + 1]!, count: d[i + 2]! });
      return { ok: true, reply: { type, capabilities } };
    }
    case 'LSTATR':
      if ((e = lengthIs(type, d, d.length === 2, '2'))) return e;
      return { ok: true, reply: { type, tamper: d[0]!, power: d[1]! } };
    case 'ISTATR':
      return { ok: true, reply: { type, inputs: Array.from(d) } };
    case 'OSTATR':
      return { ok: true, reply: { type, outputs: Array.from(d) } };
    case 'RSTATR':
      return { ok: true, reply: { type, readers: Array.from(d) } };
    case 'COM':
      if ((e = lengthIs(type, d, d.length === 5, '5'))) return e;
      return { ok: true, reply: { type, address: d[0]!, baud: readU32(d, 1) } };
    case 'CCRYPT':
      if ((e = lengthIs(type, d, d.length === 32, '32'))) return e;
      return { ok: true, reply: { type, clientUid: d.slice(0, 8), rndB: d.slice(8, 16), cryptogram: d.slice(16, 32) } };
    case 'RMAC_I':
      if ((e = lengthIs(type, d, d.length === 16, '16'))) return e;
      return { ok: true, reply: { type, rmac: d.slice() } };
  }
}

/** Link-level options for encoding one frame. */
export interface EncodeOptions {
  address: number;
  sequence: Sequence;
  /** CRC-16 (default true) or checksum */
  useCrc?: boolean;
  /** prefix 0xFF (default true) */
  mark?: boolean;
  /** plaintext security block (handshake blocks 0x11-0x14); MAC blocks go through secure-channel.ts */
  security?: SecurityBlock;
}

/** Encode a plaintext command frame (ACU → PD). */
export function encodeCommand(c: Command, o: EncodeOptions): Uint8Array {
  const p = commandPayload(c);
  return buildFrame(frameSpec(o, false, p));
}

/** Encode a plaintext reply frame (PD → ACU); the address is the PD's own (bit 7 set on the wire). */
export function encodeReply(r: Reply, o: EncodeOptions): Uint8Array {
  const p = replyPayload(r);
  return buildFrame(frameSpec(o, true, p));
}

// Explicit fields, not an object spread: spreading the options made encoding ~10x slower (bench/osdp-codec.bench.ts).
function frameSpec(o: EncodeOptions, reply: boolean, p: Payload): FrameSpec {
  return {
    address: o.address,
    sequence: o.sequence,
    useCrc: o.useCrc,
    mark: o.mark,
    security: o.security,
    reply,
    code: p.code,
    data: p.data,
  };
}

function plainFrame(bytes: Uint8Array, wantReply: boolean): { ok: true; frame: Frame } | Failure {
  const f = parseFrame(bytes);
  if (!f.ok) return f;
  if (f.frame.reply !== wantReply)
    return fail('wrong-direction', wantReply ? 'frame is a command, expected a reply' : 'frame is a reply, expected a command', 1);
  const t = f.frame.security?.type;
  if (t === 0x17 || t === 0x18) return fail('encrypted', 'payload is encrypted; decode through a secure-channel session');
  return f;
}

/** Parse + decode a command frame. Never throws. */
export function decodeCommand(bytes: Uint8Array): { ok: true; frame: Frame; command: Command } | Failure {
  const f = plainFrame(bytes, false);
  if (!f.ok) return f;
  const m = decodeCommandPayload(f.frame.code, f.frame.data);
  return m.ok ? { ok: true, frame: f.frame, command: m.command } : withDataOffset(m, f.frame, bytes);
}

/** Parse + decode a reply frame. Never throws. */
export function decodeReply(bytes: Uint8Array): { ok: true; frame: Frame; reply: Reply } | Failure {
  const f = plainFrame(bytes, true);
  if (!f.ok) return f;
  const m = decodeReplyPayload(f.frame.code, f.frame.data);
  return m.ok ? { ok: true, frame: f.frame, reply: m.reply } : withDataOffset(m, f.frame, bytes);
}

export type Decoded =
  | { ok: true; frame: Frame; direction: 'command'; command: Command }
  | { ok: true; frame: Frame; direction: 'reply'; reply: Reply }
  | Failure;

/** Parse + decode a frame in either direction (by the reply bit). Never throws. */
export function decode(bytes: Uint8Array): Decoded {
  try {
    const f = parseFrame(bytes);
    if (!f.ok) return f;
    if (f.frame.reply) {
      const r = decodeReply(bytes);
      return r.ok ? { ok: true, frame: r.frame, direction: 'reply', reply: r.reply } : r;
    }
    const c = decodeCommand(bytes);
    return c.ok ? { ok: true, frame: c.frame, direction: 'command', command: c.command } : c;
  } catch (err) {
    // Defensive only: the decoders above are written not to throw; this keeps the promise if one ever does.
    return fail('bad-data', `internal decoder error: ${String(err)}`);
  }
}

/** Translate an offset inside the payload to an offset in the original bytes. */
function withDataOffset(m: Failure, frame: Frame, bytes: Uint8Array): Failure {
  const dataStart = frame.data.byteOffset - bytes.byteOffset;
  const e: DecodeError = { ...m.error, offset: dataStart + (m.error.offset ?? 0) };
  return { ok: false, error: e };
}
