// PAdES B-B signatures: a placeholder signature field is added as an incremental
// update (objects serialised by @signpdf/utils, as its placeholder helpers do), then
// the byte range and the CMS are written into that placeholder in place: the two
// signed ranges are hashed where they lie, so the file is copied once, not per step. A countersignature is one more
// incremental update, so the bytes the first signature covers are never touched
// and it stays valid.
import { createHash } from 'node:crypto';
import {
  ANNOTATION_FLAGS,
  DEFAULT_BYTE_RANGE_PLACEHOLDER,
  findByteRange,
  PDFKitReferenceMock,
  PDFObject,
  removeTrailingNewLine,
  SIG_FLAGS,
  SUBFILTER_ETSI_CADES_DETACHED,
} from '@signpdf/utils';
import { buildPadesCms } from './cms';
import type { SigningIdentity } from './certificate';

/** Room for the CMS (DER), written as hex: the certificate chain and the signature fit with a wide margin. */
const SIGNATURE_BYTES = 16384;

export interface SignOptions {
  reason: string;
  location: string;
  contactInfo?: string;
  signingTime: Date;
}

const latin1 = (pdf: Buffer, from: number, to = pdf.length) => pdf.toString('latin1', Math.max(0, from), Math.min(pdf.length, to));

/** The last trailer: object count, catalog and info refs, and where its cross-reference section starts. */
function lastTrailer(pdf: Buffer): { size: number; root: string; info: string | null; xrefAt: number } {
  const at = pdf.lastIndexOf('trailer');
  const text = at < 0 ? '' : latin1(pdf, at);
  const size = /\/Size\s+(\d+)/.exec(text);
  const root = /\/Root\s+(\d+\s+\d+\s+R)/.exec(text);
  const xref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  if (!size || !root || !xref) throw new Error('the PDF has no readable trailer (cross-reference streams are not supported)');
  return { size: Number(size[1]), root: root[1]!, info: /\/Info\s+(\d+\s+\d+\s+R)/.exec(text)?.[1] ?? null, xrefAt: Number(xref[1]) };
}

/** Where object `num` currently lives: the newest cross-reference section that lists it wins (following /Prev). */
function objectOffset(pdf: Buffer, num: number, xrefAt: number): number {
  for (let at: number | null = xrefAt, hops = 0; at !== null && hops < 64; hops++) {
    const end = pdf.indexOf('trailer', at);
    const lines = latin1(pdf, at, end).split(/\r?\n|\r/);
    for (let i = 1; i < lines.length;) {
      const head = /^(\d+)\s+(\d+)\s*$/.exec(lines[i]!);
      if (!head) break;
      const first = Number(head[1]);
      const count = Number(head[2]);
      if (num >= first && num < first + count) {
        const row = /^(\d{10}) \d{5} ([nf])/.exec(lines[i + 1 + num - first] ?? '');
        if (row?.[2] === 'n') return Number(row[1]);
        throw new Error(`object ${num} is not in use`);
      }
      i += 1 + count;
    }
    const prev = /\/Prev\s+(\d+)/.exec(latin1(pdf, end, pdf.indexOf('startxref', end)));
    at = prev ? Number(prev[1]) : null;
  }
  throw new Error(`object ${num} is not in the cross-reference table`);
}

/** The inside of object `ref`'s dictionary (between its outer << and >>). */
function dictionaryOf(pdf: Buffer, ref: string, xrefAt: number): string {
  const at = objectOffset(pdf, Number(ref.split(/\s+/)[0]), xrefAt);
  const text = latin1(pdf, at, pdf.indexOf('endobj', at));
  return text.slice(text.indexOf('<<') + 2, text.lastIndexOf('>>'));
}

const serialize = (value: unknown): string => String(PDFObject.convert(value));

/**
 * The signature placeholder as an incremental update, built on its own and appended with one copy of the file:
 * a signature dictionary whose /ByteRange and /Contents are placeholders, a widget on the first page, the AcroForm
 * (extended when the file is already signed), the updated catalog and page, a cross-reference section for them and
 * a trailer pointing back to the previous one.
 */
export function addSignaturePlaceholder(pdf: Buffer, identity: { name: string }, o: SignOptions): Buffer {
  const base = removeTrailingNewLine(pdf);
  const trailer = lastTrailer(base);
  const root = dictionaryOf(base, trailer.root, trailer.xrefAt);
  const pagesRef = /\/Pages\s+(\d+\s+\d+\s+R)/.exec(root)?.[1];
  if (!pagesRef) throw new Error('the PDF catalog has no page tree');
  const pageRef = /\/Kids\s*\[\s*(\d+\s+\d+\s+R)/.exec(dictionaryOf(base, pagesRef, trailer.xrefAt))?.[1];
  if (!pageRef) throw new Error('the PDF has no first page');
  const page = dictionaryOf(base, pageRef, trailer.xrefAt);
  const acroFormRef = /\/AcroForm\s+(\d+\s+\d+\s+R)/.exec(root)?.[1] ?? null;
  const fields = acroFormRef ? (/\/Fields\s*\[([^\]]*)\]/.exec(dictionaryOf(base, acroFormRef, trailer.xrefAt))?.[1] ?? '').trim() : '';
  const existingFields = fields.match(/\d+\s+\d+\s+R/g) ?? [];

  let next = trailer.size;
  const sigNum = next++;
  const widgetNum = next++;
  const formNum = acroFormRef ? Number(acroFormRef.split(/\s+/)[0]) : next++;
  const rootNum = Number(trailer.root.split(/\s+/)[0]);
  const pageNum = Number(pageRef.split(/\s+/)[0]);
  const objects = new Map<number, string>();
  objects.set(
    sigNum,
    serialize({
      Type: 'Sig',
      Filter: 'Adobe.PPKLite',
      SubFilter: SUBFILTER_ETSI_CADES_DETACHED,
      ByteRange: [0, DEFAULT_BYTE_RANGE_PLACEHOLDER, DEFAULT_BYTE_RANGE_PLACEHOLDER, DEFAULT_BYTE_RANGE_PLACEHOLDER],
      Contents: Buffer.alloc(SIGNATURE_BYTES),
      Reason: new String(o.reason),
      M: o.signingTime,
      ContactInfo: new String(o.contactInfo ?? ''),
      Name: new String(identity.name),
      Location: new String(o.location),
      Prop_Build: { Filter: { Name: 'Adobe.PPKLite' }, App: { Name: 'DoorCx' } },
    }),
  );
  objects.set(
    widgetNum,
    serialize({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      Rect: [0, 0, 0, 0],
      V: new PDFKitReferenceMock(sigNum),
      T: new String(`Signature${existingFields.length + 1}`),
      F: ANNOTATION_FLAGS.PRINT,
      P: new PDFKitReferenceMock(pageNum),
    }),
  );
  objects.set(
    formNum,
    `<<\n/Type /AcroForm\n/SigFlags ${SIG_FLAGS.SIGNATURES_EXIST | SIG_FLAGS.APPEND_ONLY}\n/Fields [${[...existingFields, `${widgetNum} 0 R`].join(' ')}]\n>>`,
  );
  if (!acroFormRef) objects.set(rootNum, `<<\n${root.trim()}\n/AcroForm ${formNum} 0 R\n>>`);
  const annots = /\/Annots\s*\[([^\]]*)\]/.exec(page);
  objects.set(
    pageNum,
    annots
      ? `<<\n${page.replace(annots[0], `/Annots [${annots[1]!.trim()} ${widgetNum} 0 R]`).trim()}\n>>`
      : `<<\n${page.trim()}\n/Annots [${widgetNum} 0 R]\n>>`,
  );

  let update = '\n';
  const offsets = new Map<number, number>();
  for (const [num, body] of objects) {
    offsets.set(num, base.length + update.length);
    update += `${num} 0 obj\n${body}\nendobj\n`;
  }
  const xrefAt = base.length + update.length;
  update += 'xref\n0 1\n0000000000 65535 f \n';
  for (const num of [...offsets.keys()].sort((a, b) => a - b))
    update += `${num} 1\n${String(offsets.get(num)).padStart(10, '0')} 00000 n \n`;
  update += `trailer\n<<\n/Size ${Math.max(trailer.size, next)}\n/Root ${trailer.root}\n${trailer.info ? `/Info ${trailer.info}\n` : ''}/Prev ${trailer.xrefAt}\n>>\nstartxref\n${xrefAt}\n%%EOF`;
  return Buffer.concat([base, Buffer.from(update, 'latin1')]);
}

/** Writes the byte range and the CMS into the (only) placeholder of `pdf`, in place, and returns it. */
function fillPlaceholder(pdf: Buffer, identity: SigningIdentity): Buffer {
  const { byteRangePlaceholder: placeholder, byteRangePlaceholderPosition: at } = findByteRange(pdf);
  if (placeholder === undefined || at === undefined) throw new Error('the PDF has no signature placeholder');
  const open = pdf.indexOf('<', pdf.indexOf('/Contents ', at + placeholder.length));
  const close = pdf.indexOf('>', open);
  if (open < 0 || close < 0) throw new Error('the signature placeholder has no /Contents value');
  const range = `/ByteRange [0 ${open} ${close + 1} ${pdf.length - close - 1}]`;
  if (range.length > placeholder.length) throw new Error('the byte range does not fit its placeholder');
  pdf.write(range.padEnd(placeholder.length, ' '), at, 'latin1');
  const digest = createHash('sha256')
    .update(pdf.subarray(0, open))
    .update(pdf.subarray(close + 1))
    .digest();
  const hex = buildPadesCms(digest, identity.key, identity.cert, identity.chain).toString('hex');
  if (hex.length > close - open - 1) throw new Error(`the signature (${hex.length / 2} bytes) does not fit its placeholder`);
  // The placeholder is hex zeros: the DER goes at its start, the rest stays zero padding.
  pdf.write(hex, open + 1, 'latin1');
  return pdf;
}

/** Returns the PDF with one more signature (the whole file as it was, plus the signature's incremental update). */
export async function signPdf(pdf: Buffer, identity: SigningIdentity, o: SignOptions): Promise<Buffer> {
  return fillPlaceholder(addSignaturePlaceholder(pdf, identity, o), identity);
}
