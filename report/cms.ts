// CMS SignedData for PDF signatures (PAdES baseline B-B, ETSI EN 319 142-1):
// detached, SHA-256, signed attributes contentType + messageDigest +
// ESS signing-certificate-v2 and no signingTime attribute (the time is the
// signature dictionary's /M). node-forge provides the ASN.1 and RSA; its pkcs7
// signer cannot add signing-certificate-v2, so the structure is built here.
import forge from 'node-forge';

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

const oid = (o: string) => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
const seq = (v: forge.asn1.Asn1[]) => asn1.create(U, T.SEQUENCE, true, v);
const set = (v: forge.asn1.Asn1[]) => asn1.create(U, T.SET, true, v);
const octets = (bytes: string) => asn1.create(U, T.OCTETSTRING, false, bytes);
const int = (n: number) => asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const algo = (o: string, nullParams = true) => seq(nullParams ? [oid(o), asn1.create(U, T.NULL, false, '')] : [oid(o)]);
const der = (a: forge.asn1.Asn1): string => asn1.toDer(a).getBytes();

/** The CMS (DER) over content whose SHA-256 is `contentSha256` (the PDF's byte ranges, hashed where they lie). */
export function buildPadesCms(
  contentSha256: Buffer,
  key: forge.pki.rsa.PrivateKey,
  cert: forge.pki.Certificate,
  chain: forge.pki.Certificate[],
): Buffer {
  const certAsn1 = forge.pki.certificateToAsn1(cert);
  const certDer = der(certAsn1);
  const digest = contentSha256.toString('binary');
  const certHash = forge.md.sha256.create().update(certDer).digest().getBytes();
  const attrs = [
    seq([oid(OID.contentType), set([oid(OID.data)])]),
    seq([oid(OID.messageDigest), set([octets(digest)])]),
    // SigningCertificateV2 { certs: [ESSCertIDv2 { certHash (SHA-256, the default algorithm) }] }
    seq([oid(OID.signingCertificateV2), set([seq([seq([seq([octets(certHash)])])])])]),
  ];
  // The signature is over the DER of the attributes as a SET OF (RFC 5652 §5.4).
  const signed = forge.md.sha256.create().update(der(set(attrs)));
  const signature = key.sign(signed);
  const issuerAndSerial = seq([
    forge.pki.distinguishedNameToAsn1(cert.issuer),
    asn1.create(U, T.INTEGER, false, forge.util.hexToBytes(cert.serialNumber)),
  ]);
  const signerInfo = seq([
    int(1),
    issuerAndSerial,
    algo(OID.sha256, false),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, attrs),
    algo(OID.rsaEncryption),
    octets(signature),
  ]);
  const signedData = seq([
    int(1),
    set([algo(OID.sha256, false)]),
    seq([oid(OID.data)]),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [certAsn1, ...chain.map((c) => forge.pki.certificateToAsn1(c))]),
    set([signerInfo]),
  ]);
  const contentInfo = seq([oid(OID.signedData), asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [signedData])]);
  return Buffer.from(der(contentInfo), 'binary');
}

export interface ParsedCms {
  certificates: forge.pki.Certificate[];
  signer: forge.pki.Certificate | null;
  digestOid: string;
  signatureOid: string;
  /** DER of the signed attributes re-tagged as SET OF (what the signature covers). */
  signedAttrsDer: string | null;
  messageDigest: string | null;
  signingTime: Date | null;
  hasSigningCertificateV2: boolean;
  signature: string;
}

const oidOf = (node: forge.asn1.Asn1): string => asn1.derToOid(node.value as string);
/** An [0] IMPLICIT field (certificates, signed attributes). */
const isContext0 = (n: forge.asn1.Asn1): boolean =>
  (n.tagClass as number) === (asn1.Class.CONTEXT_SPECIFIC as number) && (n.type as number) === 0;
const kids = (node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] => (node && Array.isArray(node.value) ? node.value : []);

/** Parses a detached CMS SignedData (one signer); throws with a plain reason when it is not one. */
export function parseCms(bytes: Buffer): ParsedCms {
  let root: forge.asn1.Asn1;
  try {
    // The PDF pads the signature with zeros after the DER: parse the first object only.
    const fromDer = asn1.fromDer as unknown as (
      b: forge.util.ByteStringBuffer,
      o: { strict: boolean; parseAllBytes: boolean },
    ) => forge.asn1.Asn1;
    root = fromDer(forge.util.createBuffer(bytes.toString('binary')), { strict: false, parseAllBytes: false });
  } catch (err) {
    throw new Error(`the signature is not valid DER (${(err as Error).message})`);
  }
  const [typeNode, wrapped] = kids(root);
  if (!typeNode || oidOf(typeNode) !== OID.signedData) throw new Error('the signature is not a CMS SignedData');
  const sd = kids(kids(wrapped)[0]);
  const certsNode = sd.find((n) => isContext0(n));
  const certificates = kids(certsNode).map((c) => forge.pki.certificateFromAsn1(c));
  const signerInfos = kids(sd[sd.length - 1]);
  if (signerInfos.length !== 1) throw new Error(`the signature has ${signerInfos.length} signers (expected 1)`);
  const si = kids(signerInfos[0]);
  const sid = kids(si[1]);
  const serial = forge.util.bytesToHex(sid[1]?.value as string).replace(/^0+/, '');
  const signer = certificates.find((c) => c.serialNumber.replace(/^0+/, '') === serial) ?? null;
  const digestOid = oidOf(kids(si[2])[0]!);
  let i = 3;
  let signedAttrsDer: string | null = null;
  let messageDigest: string | null = null;
  let signingTime: Date | null = null;
  let hasSigningCertificateV2 = false;
  const attrsNode = si[i];
  if (attrsNode && isContext0(attrsNode)) {
    const attrs = kids(attrsNode);
    signedAttrsDer = der(set(attrs));
    for (const a of attrs) {
      const [t, vals] = kids(a);
      const type = oidOf(t!);
      const v = kids(vals)[0];
      if (type === OID.messageDigest) messageDigest = v?.value as string;
      if (type === OID.signingTime && v)
        signingTime = v.type === T.UTCTIME ? asn1.utcTimeToDate(v.value as string) : asn1.generalizedTimeToDate(v.value as string);
      if (type === OID.signingCertificateV2) hasSigningCertificateV2 = true;
    }
    i++;
  }
  const signatureOid = oidOf(kids(si[i])[0]!);
  const signature = si[i + 1]?.value as string;
  return { certificates, signer, digestOid, signatureOid, signedAttrsDer, messageDigest, signingTime, hasSigningCertificateV2, signature };
}

/** Node's name for a digest OID, for hashing large content natively. */
export function nodeDigestName(o: string): 'sha256' | 'sha384' | 'sha512' | 'sha1' | null {
  if (o === OID.sha256) return 'sha256';
  if (o === OID.sha384) return 'sha384';
  if (o === OID.sha512) return 'sha512';
  if (o === OID.sha1) return 'sha1';
  return null;
}

export function digestFor(o: string): forge.md.MessageDigest | null {
  if (o === OID.sha256) return forge.md.sha256.create();
  if (o === OID.sha384) return forge.md.sha384.create();
  if (o === OID.sha512) return forge.md.sha512.create();
  if (o === OID.sha1) return forge.md.sha1.create();
  return null;
}
