// PAdES B-B signatures: a placeholder signature field is added as an incremental
// update (@signpdf/placeholder-plain), then the CMS over the byte ranges fills it
// (@signpdf/signpdf). A countersignature is one more incremental update, so the
// bytes the first signature covers are never touched and it stays valid.
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { SignPdf } from '@signpdf/signpdf';
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import { buildPadesCms } from './cms';
import type { SigningIdentity } from './certificate';

class PadesSigner extends Signer {
  constructor(private readonly identity: SigningIdentity) {
    super();
  }
  override async sign(content: Buffer): Promise<Buffer> {
    return buildPadesCms(content, this.identity.key, this.identity.cert, this.identity.chain);
  }
}

export interface SignOptions {
  reason: string;
  location: string;
  contactInfo?: string;
  signingTime: Date;
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
  let highest = 0;
  for (const o of pdf.toString('latin1').matchAll(/(?:^|\s)(\d+) 0 obj\b/g)) highest = Math.max(highest, Number(o[1]));
  const trailer = m[1]!.replace(/\/Size\s+\d+/, `/Size ${highest + 1}`);
  const fixed = tail.slice(0, m.index) + `trailer\n<<${trailer}>>\nstartxref\n${xrefAt}\n%%EOF`;
  return Buffer.concat([pdf.subarray(0, from), Buffer.from(fixed, 'latin1')]);
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
  return new SignPdf().sign(withPlaceholder, new PadesSigner(identity), o.signingTime);
}
