// PAdES B-B signatures: a placeholder signature field is added as an incremental
// update (@signpdf/placeholder-plain), then the byte range and the CMS are written
// into that placeholder in place: the two signed ranges are hashed where they lie,
// so the file is never copied while it is signed. A countersignature is one more
// incremental update, so the bytes the first signature covers are never touched
// and it stays valid.
import { createHash } from 'node:crypto';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { findByteRange, removeTrailingNewLine, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import { buildPadesCms } from './cms';
import type { SigningIdentity } from './certificate';

export interface SignOptions {
  reason: string;
  location: string;
  contactInfo?: string;
  signingTime: Date;
}

/** The highest object number in use before `from`: the last trailer's /Size - 1, else a scan of every "N 0 obj". */
function highestObjectBefore(pdf: Buffer, from: number): number {
  const trailer = pdf.lastIndexOf('trailer', from);
  const size = trailer < 0 ? null : /\/Size\s+(\d+)/.exec(pdf.toString('latin1', trailer, Math.min(from, trailer + 4096)));
  if (size) return Number(size[1]) - 1;
  let highest = 0;
  for (const o of pdf.toString('latin1', 0, from).matchAll(/(?:^|\s)(\d+) 0 obj\b/g)) highest = Math.max(highest, Number(o[1]));
  return highest;
}

/**
 * placeholder-plain's update points startxref at the blank line before "xref" and may over-count /Size; both make
 * strict readers (qpdf --check) warn. Only the newly added update (after `from`) is corrected, before it is signed.
 */
export function tidyIncrementalUpdate(pdf: Buffer, from: number): Buffer {
  const tail = pdf.toString('latin1', from);
  const m = /trailer\s*<<([\s\S]*?)>>\s*startxref\s*(\d+)\s*%%EOF\s*$/.exec(tail);
  if (!m) return pdf;
  let xrefAt = Number(m[2]);
  while (xrefAt < pdf.length && (pdf[xrefAt] === 0x0a || pdf[xrefAt] === 0x0d || pdf[xrefAt] === 0x20)) xrefAt++;
  let highest = highestObjectBefore(pdf, from);
  for (const o of tail.matchAll(/(?:^|\s)(\d+) 0 obj\b/g)) highest = Math.max(highest, Number(o[1]));
  const trailer = m[1]!.replace(/\/Size\s+\d+/, `/Size ${highest + 1}`);
  const fixed = tail.slice(0, m.index) + `trailer\n<<${trailer}>>\nstartxref\n${xrefAt}\n%%EOF`;
  return Buffer.concat([pdf.subarray(0, from), Buffer.from(fixed, 'latin1')]);
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
  const withPlaceholder = tidyIncrementalUpdate(
    plainAddPlaceholder({
      pdfBuffer: pdf,
      reason: o.reason,
      location: o.location,
      contactInfo: o.contactInfo ?? '',
      name: identity.name,
      signingTime: o.signingTime,
      signatureLength: 16384,
      subFilter: SUBFILTER_ETSI_CADES_DETACHED,
      appName: 'DoorCx',
    }),
    pdf.length - 2,
  );
  return fillPlaceholder(removeTrailingNewLine(withPlaceholder), identity);
}
