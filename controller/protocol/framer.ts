// Framer: bytes in (any chunking), whole frames out. Re-synchronises on the next 0x53 after garbage, a lost
// byte or a bad check, and reports every drop (reason + bytes). Pure: the caller passes `now` for the
// inter-character timeout; no clock, no timers. Uses one growable buffer (no Buffer.concat per byte).
import { checksum, crc16 } from './crc';
import { CTRL_CRC, MARK, MAX_FRAME_LENGTH, SOM, type Frame, parseFrame } from './frame';

export type DropReason =
  | 'garbage' // bytes before a SOM that cannot start a frame
  | 'bad-length' // a SOM whose LEN field is impossible
  | 'bad-check' // CRC/checksum mismatch (e.g. a corrupted or lost byte)
  | 'bad-frame' // check passed but the frame structure is malformed (security block)
  | 'timeout' // a partial frame not completed within the inter-character timeout
  | 'reset'; // discarded by reset()

/** One drop: how many bytes, why, and (a copy of) the bytes themselves, capped at `maxReportedBytes`. */
export interface Drop {
  reason: DropReason;
  count: number;
  bytes: Uint8Array;
  message: string;
}

/** A complete frame: its bytes from SOM to the check (mark excluded) and the parsed structure. */
export interface FramedFrame {
  bytes: Uint8Array;
  frame: Frame;
}

export type FramerOutput = { type: 'frame'; frame: FramedFrame } | { type: 'drop'; drop: Drop };

export interface FramerStats {
  frames: number;
  drops: number;
  droppedBytes: number;
  byReason: Record<DropReason, number>;
}

export interface FramerOptions {
  /** drop a partial frame when no byte arrived for this long (OSDP: 20 ms); default 20 */
  interCharTimeoutMs?: number;
  /** cap on the bytes copied into a Drop report; default 64 */
  maxReportedBytes?: number;
}

export class Framer {
  private buf = new Uint8Array(512);
  private start = 0;
  private end = 0;
  private lastByteAt: number | undefined;
  /** stream offset of buf[0]: base + start identifies the head candidate across buffer moves */
  private base = 0;
  private readonly interCharTimeoutMs: number;
  private readonly maxReported: number;
  readonly stats: FramerStats = {
    frames: 0,
    drops: 0,
    droppedBytes: 0,
    byReason: { garbage: 0, 'bad-length': 0, 'bad-check': 0, 'bad-frame': 0, timeout: 0, reset: 0 },
  };

  constructor(opts: FramerOptions = {}) {
    this.interCharTimeoutMs = opts.interCharTimeoutMs ?? 20;
    this.maxReported = opts.maxReportedBytes ?? 64;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.end - this.start;
  }

  /** Feed a chunk; returns the frames completed and the drops made, in wire order. `now` (ms) feeds the inter-character timeout. */
  push(chunk: Uint8Array, now?: number): FramerOutput[] {
    const out: FramerOutput[] = [];
    if (chunk.length === 0) {
      if (now !== undefined) this.expire(now, out);
      return out;
    }
    // A partial frame held past the inter-character timeout gets one chance: if the new bytes complete it, fine (a
    // stalled event loop can deliver one frame's chunks far apart); if it is still incomplete, it is dropped.
    const staleHead =
      now !== undefined && this.pending > 0 && this.lastByteAt !== undefined && now - this.lastByteAt > this.interCharTimeoutMs
        ? this.base + this.start
        : -1;
    const gap = now !== undefined && this.lastByteAt !== undefined ? now - this.lastByteAt : 0;
    this.append(chunk);
    if (now !== undefined) this.lastByteAt = now;
    this.scan(out);
    if (staleHead >= 0 && this.pending > 0 && this.base + this.start === staleHead) this.expireHead(out, gap);
    return out;
  }

  /** Drop a stale partial frame if the line has been quiet longer than the inter-character timeout. */
  tick(now: number): FramerOutput[] {
    const out: FramerOutput[] = [];
    this.expire(now, out);
    return out;
  }

  /** Discard everything held (e.g. after a reply timeout); reports it as a drop if anything was held. */
  reset(): FramerOutput[] {
    const out: FramerOutput[] = [];
    if (this.pending > 0) this.drop(out, this.end, 'reset', 'framer reset with a partial frame held');
    this.rebase();
    return out;
  }

  private expire(now: number, out: FramerOutput[]): void {
    if (this.pending === 0 || this.lastByteAt === undefined || now - this.lastByteAt <= this.interCharTimeoutMs) return;
    this.expireHead(out, now - this.lastByteAt);
  }

  /**
   * The head candidate will never complete (e.g. a lost byte made LEN too long). Drop it up to the next SOM and
   * rescan: whole frames received behind it are recovered; a stale tail is dropped in turn.
   */
  private expireHead(out: FramerOutput[], gapMs: number): void {
    while (this.pending > 0) {
      const before = this.pending;
      this.dropToNextSom(out, this.start, 'timeout', `partial frame: no byte for ${gapMs} ms`);
      this.scan(out);
      if (this.pending >= before) break; // cannot happen (each pass drops ≥ 1 byte); guards against a hang
    }
    if (this.pending === 0) this.rebase();
  }

  /** Move the held bytes to the front of the buffer, keeping base + start (the stream offset) unchanged. */
  private rebase(): void {
    if (this.start === 0) return;
    if (this.end > this.start) this.buf.copyWithin(0, this.start, this.end);
    this.base += this.start;
    this.end -= this.start;
    this.start = 0;
  }

  private append(chunk: Uint8Array): void {
    const need = this.end - this.start + chunk.length;
    if (this.end + chunk.length > this.buf.length) {
      if (need <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        let size = this.buf.length;
        while (size < need) size *= 2;
        const nb = new Uint8Array(size);
        nb.set(this.buf.subarray(this.start, this.end));
        this.buf = nb;
      }
      this.base += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Report and discard buf[start, upTo). */
  private drop(out: FramerOutput[], upTo: number, reason: DropReason, message: string): void {
    const count = upTo - this.start;
    if (count <= 0) return;
    const bytes = this.buf.slice(this.start, this.start + Math.min(count, this.maxReported));
    this.start = upTo;
    this.stats.drops++;
    this.stats.droppedBytes += count;
    this.stats.byReason[reason]++;
    out.push({ type: 'drop', drop: { reason, count, bytes, message } });
  }

  /** Index of the next SOM at or after `from`, or -1. */
  private nextSom(from: number): number {
    const i = this.buf.subarray(from, this.end).indexOf(SOM);
    return i < 0 ? -1 : from + i;
  }

  private scan(out: FramerOutput[]): void {
    for (;;) {
      const som = this.nextSom(this.start);
      if (som < 0) {
        // No frame start: everything is garbage, except trailing mark bytes that may precede a SOM still to come.
        let keep = this.end;
        while (keep > this.start && this.buf[keep - 1] === MARK) keep--;
        this.dropGarbage(out, keep);
        if (this.end - this.start > 1) this.start = this.end - 1; // a run of FF marks: keep one
        if (this.start === this.end) this.rebase();
        return;
      }
      this.dropGarbage(out, som);
      this.start = som;
      const avail = this.end - som;
      if (avail < 5) return; // need SOM ADDR LEN_LO LEN_HI CTRL
      const b = this.buf;
      const len = b[som + 2]! | (b[som + 3]! << 8);
      const useCrc = (b[som + 4]! & CTRL_CRC) !== 0;
      const checkLen = useCrc ? 2 : 1;
      if (len < 6 + checkLen || len > MAX_FRAME_LENGTH) {
        this.dropToNextSom(out, som, 'bad-length', `LEN ${len} impossible`);
        continue;
      }
      if (avail < len) {
        // A noise byte 0x53 can fake a header whose LEN runs far ahead. If a complete CRC frame already sits behind
        // it, the head is not a frame: drop it now instead of holding the real frame until the timeout.
        const alt = this.completeFrameAfter(som);
        if (alt < 0) return; // wait for the rest
        this.drop(out, alt, 'bad-length', `LEN ${len} runs past a complete frame ${alt - som} bytes later`);
        continue;
      }
      const body = len - checkLen;
      const good = useCrc
        ? crc16(b, som, som + body) === (b[som + body]! | (b[som + body + 1]! << 8))
        : checksum(b, som, som + body) === b[som + body];
      if (!good) {
        this.dropToNextSom(out, som, 'bad-check', `${useCrc ? 'CRC' : 'checksum'} mismatch on a ${len}-byte frame`);
        continue;
      }
      const bytes = b.slice(som, som + len);
      const parsed = parseFrame(bytes);
      if (!parsed.ok) {
        this.dropToNextSom(out, som, 'bad-frame', parsed.error.message);
        continue;
      }
      this.start = som + len;
      this.stats.frames++;
      out.push({ type: 'frame', frame: { bytes, frame: parsed.frame } });
      if (this.start === this.end) {
        this.rebase();
        return;
      }
    }
  }

  /** Drop bytes before `upTo` as garbage, ignoring mark bytes (0xFF) that legitimately precede a SOM. */
  private dropGarbage(out: FramerOutput[], upTo: number): void {
    if (upTo <= this.start) return;
    let onlyMarks = true;
    for (let i = this.start; i < upTo; i++)
      if (this.buf[i] !== MARK) {
        onlyMarks = false;
        break;
      }
    if (onlyMarks) {
      this.start = upTo;
      return;
    }
    this.drop(out, upTo, 'garbage', `${upTo - this.start} bytes outside any frame`);
  }

  /** Start of a complete, CRC-valid frame after `som` already in the buffer, or -1. CRC only: a checksum is too weak for this. */
  private completeFrameAfter(som: number): number {
    const b = this.buf;
    for (let i = this.nextSom(som + 1); i >= 0; i = this.nextSom(i + 1)) {
      if (this.end - i < 8) return -1;
      if ((b[i + 4]! & CTRL_CRC) === 0) continue;
      const len = b[i + 2]! | (b[i + 3]! << 8);
      if (len < 8 || len > MAX_FRAME_LENGTH || i + len > this.end) continue;
      if (crc16(b, i, i + len - 2) === (b[i + len - 2]! | (b[i + len - 1]! << 8))) return i;
    }
    return -1;
  }

  /** A bad candidate at `som`: discard it up to the next SOM already received (or everything held). */
  private dropToNextSom(out: FramerOutput[], som: number, reason: DropReason, message: string): void {
    let next = this.nextSom(som + 1);
    if (next < 0) next = this.end;
    else while (next - 1 > som && this.buf[next - 1] === MARK) next--; // leave the next frame's mark byte(s)
    this.drop(out, next, reason, message);
  }
}
