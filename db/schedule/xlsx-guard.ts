// Bounds an XLSX before exceljs reads it. An XLSX is a zip: a 4 MB file can inflate
// to gigabytes of shared strings, which exceljs would cache in memory. So every
// part is inflated here first, in a stream that only counts bytes, and the file is
// refused once the parts together (or the shared strings alone) pass the limits.
// Sizes the zip declares are ignored (they can lie); the parts are walked in file
// order, the way exceljs's streaming reader meets them, so it sees nothing that
// was not counted here.

export interface XlsxLimits {
  /** All parts together, inflated. */
  maxUnzippedBytes: number;
  /** xl/sharedStrings.xml inflated: exceljs holds these in memory. */
  maxSharedStringsBytes: number;
  /** Data rows of the first worksheet (after the header). */
  maxRows: number;
  /** Non-empty cells of the first worksheet. */
  maxCells: number;
  maxParts: number;
}

export const XLSX_LIMITS: XlsxLimits = {
  maxUnzippedBytes: 200 * 1024 * 1024,
  maxSharedStringsBytes: 50 * 1024 * 1024,
  maxRows: 100_000,
  maxCells: 5_000_000,
  maxParts: 2_000,
};

const MB = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const DESCRIPTOR = 0x08074b50;

/** Compressed sizes by local-header offset, from the central directory (needed for parts written with a data descriptor). */
function centralSizes(b: Buffer): Map<number, number> | string {
  const sizes = new Map<number, number>();
  const from = Math.max(0, b.length - 22 - 0xffff);
  let end = -1;
  for (let i = b.length - 22; i >= from; i--)
    if (b.readUInt32LE(i) === END) {
      end = i;
      break;
    }
  if (end < 0) return 'its zip directory is missing (the file is cut short or not a workbook)';
  const count = b.readUInt16LE(end + 10);
  let p = b.readUInt32LE(end + 16);
  for (let n = 0; n < count; n++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== CENTRAL) return 'its zip directory is damaged';
    const compressed = b.readUInt32LE(p + 20);
    if (compressed === 0xffffffff) return 'it uses ZIP64, which no schedule needs';
    sizes.set(b.readUInt32LE(p + 42), compressed);
    p += 46 + b.readUInt16LE(p + 28) + b.readUInt16LE(p + 30) + b.readUInt16LE(p + 32);
  }
  return sizes;
}

/** Inflates without keeping the output; resolves the byte count, or null once it passes `cap`. */
async function inflatedSize(data: Buffer, cap: number): Promise<number | null> {
  // node:zlib on first use: only an XLSX workbook needs it, and a CSV import starts without it.
  const { createInflateRaw } = await import('node:zlib');
  return new Promise((resolve, reject) => {
    const z = createInflateRaw({ chunkSize: 1024 * 1024 }); // large chunks: fewer events, the bytes are only counted
    let n = 0;
    z.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > cap) {
        z.destroy();
        resolve(null);
      }
    });
    z.on('end', () => resolve(n));
    z.on('error', reject);
    z.end(data);
  });
}

/** null when the workbook is within the limits; else the reason to refuse it, for a person. */
export async function checkXlsxBounds(bytes: Uint8Array, limits: XlsxLimits = XLSX_LIMITS): Promise<string | null> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const central = centralSizes(b);
  if (typeof central === 'string') return `The file is not a readable XLSX workbook: ${central}`;
  let total = 0;
  let parts = 0;
  let p = 0;
  while (p + 4 <= b.length && b.readUInt32LE(p) === LOCAL) {
    if (++parts > limits.maxParts) return `The workbook has more than ${limits.maxParts} parts; a schedule needs a handful`;
    if (p + 30 > b.length) return 'The file is not a readable XLSX workbook: it is cut short';
    const flags = b.readUInt16LE(p + 6);
    const method = b.readUInt16LE(p + 8);
    const nameLen = b.readUInt16LE(p + 26);
    const extraLen = b.readUInt16LE(p + 28);
    const name = b.toString('utf8', p + 30, p + 30 + nameLen);
    const start = p + 30 + nameLen + extraLen;
    const compressed = flags & 8 ? central.get(p) : b.readUInt32LE(p + 18);
    if (compressed === undefined || start + compressed > b.length)
      return `The file is not a readable XLSX workbook: part "${name.slice(0, 80)}" is damaged`;
    const data = b.subarray(start, start + compressed);
    const budget = limits.maxUnzippedBytes - total;
    let size: number | null;
    if (method === 0) size = data.length <= budget ? data.length : null;
    else if (method === 8) {
      try {
        size = await inflatedSize(data, budget);
      } catch {
        return `The file is not a readable XLSX workbook: part "${name.slice(0, 80)}" is damaged`;
      }
    } else return `The file is not a readable XLSX workbook: part "${name.slice(0, 80)}" uses an unknown compression`;
    if (size === null)
      return `The workbook unpacks to more than ${MB(limits.maxUnzippedBytes)} (the limit for a schedule); it is refused unread. Save the schedule again from Excel, or export it as CSV`;
    if (/sharedStrings\.xml$/i.test(name) && size > limits.maxSharedStringsBytes)
      return `The workbook's text table (shared strings) unpacks to more than ${MB(limits.maxSharedStringsBytes)} (the limit for a schedule); it is refused unread`;
    total += size;
    p = start + compressed;
    if (flags & 8) p += p + 4 <= b.length && b.readUInt32LE(p) === DESCRIPTOR ? 16 : 12;
  }
  if (parts === 0) return 'The file is not a readable XLSX workbook: it has no parts';
  // Anything between the last part and the directory is not what the directory describes.
  if (p + 4 <= b.length && b.readUInt32LE(p) !== CENTRAL && b.readUInt32LE(p) !== END)
    return 'The file is not a readable XLSX workbook: it holds data its zip directory does not list';
  return null;
}
