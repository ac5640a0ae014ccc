// PostgreSQL's binary COPY format, for the few column types the push writes. Every field
// is its length and then its bytes, so nothing is escaped: the text format made the push
// scan every body for backslashes and PostgreSQL undo the escaping, and read each UUID
// back from its 36 characters.
//
// Stream: signature, flags (int32 0), header extension length (int32 0); then per row the
// field count (int16) and each field as int32 length (-1 for NULL) and bytes; then int16 -1.

export const COPY_BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
export const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff]);

const UUID_OID = 2950;

/** A field, as the push's rows hold them. */
export type CopyField =
  | { uuid: string | null } // lower-case 8-4-4-4-12 hex, checked on arrival
  | { uuids: readonly string[] } // uuid[], one dimension
  | { text: string }; // text and json travel as their UTF-8 bytes

/** Upper bound of the bytes a row takes (UTF-8 is at most 3 bytes per UTF-16 unit). */
export function rowRoom(fields: readonly CopyField[]): number {
  let n = 2;
  for (const f of fields) {
    if ('text' in f) n += 4 + 3 * f.text.length;
    else if ('uuids' in f) n += 4 + 20 + 20 * f.uuids.length;
    else n += 4 + 16;
  }
  return n;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  throw new Error(`not a lower-case UUID digit: ${String.fromCharCode(c)}`);
}

function writeUuid(buf: Buffer, at: number, uuid: string): number {
  if (uuid.length !== 36) throw new Error(`not a UUID: ${uuid}`);
  for (let i = 0, o = at; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    buf[o++] = (hexValue(uuid.charCodeAt(i)) << 4) | hexValue(uuid.charCodeAt(++i));
  }
  return at + 16;
}

/** Writes one row at `at` (room for it checked by the caller with rowRoom); returns the offset after it. */
export function writeRow(buf: Buffer, at: number, fields: readonly CopyField[]): number {
  let o = buf.writeInt16BE(fields.length, at);
  for (const f of fields) {
    if ('text' in f) {
      const n = buf.write(f.text, o + 4, 'utf8');
      buf.writeInt32BE(n, o);
      o += 4 + n;
    } else if ('uuids' in f) {
      const count = f.uuids.length;
      const start = o;
      o += 4;
      o = buf.writeInt32BE(count === 0 ? 0 : 1, o); // dimensions
      o = buf.writeInt32BE(0, o); // no NULL elements
      o = buf.writeInt32BE(UUID_OID, o);
      if (count > 0) {
        o = buf.writeInt32BE(count, o);
        o = buf.writeInt32BE(1, o); // lower bound
        for (const u of f.uuids) {
          o = buf.writeInt32BE(16, o);
          o = writeUuid(buf, o, u);
        }
      }
      buf.writeInt32BE(o - start - 4, start);
    } else if (f.uuid === null) {
      o = buf.writeInt32BE(-1, o);
    } else {
      o = buf.writeInt32BE(16, o);
      o = writeUuid(buf, o, f.uuid);
    }
  }
  return o;
}
