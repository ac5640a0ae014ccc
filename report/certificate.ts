// The technician's signing identity: a PKCS#12 (.p12) with an RSA key and its
// certificate. Created on first use (self-signed, passphrase-protected, in the
// data folder) or imported from the organisation. Every way a .p12 can be
// unusable gets its own plain message; nothing is written unless it is usable.
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import forge from 'node-forge';

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

export interface SigningIdentity {
  key: forge.pki.rsa.PrivateKey;
  cert: forge.pki.Certificate;
  chain: forge.pki.Certificate[];
  /** The certificate's common name (or the whole subject). */
  name: string;
}

/**
 * Where a passphrase comes from. The CLI and web host ask the person (or read DOORCX_P12_PASSPHRASE);
 * the desktop app's keychain (app/signing-keychain.ts, over Electron safeStorage) keeps the one that worked.
 */
export interface PassphraseSource {
  passphrase(purpose: string): Promise<string>;
}

export const technicianP12Path = (dataDir: string): string => join(dataDir, 'signing', 'technician.p12');

export function subjectName(cert: forge.pki.Certificate): string {
  const cn = cert.subject.getField('CN') as { value: string } | null;
  if (cn) {
    try {
      return forge.util.decodeUtf8(cn.value);
    } catch {
      return cn.value;
    }
  }
  return cert.subject.attributes.map((a) => `${a.shortName ?? a.name}=${String(a.value)}`).join(', ');
}

/** Opens a .p12 and checks that it can sign now: right passphrase, an RSA key with its certificate, in date, allowed to sign. */
export function openP12(bytes: Uint8Array, passphrase: string, now: Date): SigningIdentity {
  let p12: forge.pkcs12.Pkcs12Pfx;
  let asn: forge.asn1.Asn1;
  try {
    asn = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')));
  } catch {
    throw new CertificateError('The .p12 file is damaged or not a PKCS#12 file (it is not valid DER).');
  }
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn, false, passphrase);
  } catch (err) {
    const m = (err as Error).message;
    if (/MAC could not be verified|Invalid password|decrypt/i.test(m)) throw new CertificateError('Wrong passphrase for the .p12 file.');
    throw new CertificateError(`The .p12 file is damaged or not a PKCS#12 file (${m}).`);
  }
  const bags = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? [];
  const keyBags = [...bags(forge.pki.oids.pkcs8ShroudedKeyBag!), ...bags(forge.pki.oids.keyBag!)];
  const certs = bags(forge.pki.oids.certBag!)
    .map((b) => b.cert)
    .filter((c): c is forge.pki.Certificate => !!c);
  const key = keyBags.find((b) => b.key)?.key;
  if (!key) throw new CertificateError('The .p12 file holds no private key (or only a key type DoorCx cannot use: RSA is required).');
  if (!('n' in key)) throw new CertificateError('The .p12 key is not an RSA key; DoorCx signs with RSA keys.');
  const pub = (c: forge.pki.Certificate) => c.publicKey as forge.pki.rsa.PublicKey;
  const cert = certs.find((c) => pub(c).n?.equals(key.n));
  if (!cert) throw new CertificateError('The .p12 file has no certificate for its private key.');
  if (now < cert.validity.notBefore)
    throw new CertificateError(`The certificate "${subjectName(cert)}" is not valid before ${cert.validity.notBefore.toISOString()}.`);
  if (now > cert.validity.notAfter)
    throw new CertificateError(`The certificate "${subjectName(cert)}" expired on ${cert.validity.notAfter.toISOString()}.`);
  const ku = cert.getExtension('keyUsage') as { digitalSignature?: boolean; nonRepudiation?: boolean } | null;
  if (ku && !ku.digitalSignature && !ku.nonRepudiation)
    throw new CertificateError(
      `The certificate "${subjectName(cert)}" is not allowed to sign (its key usage has neither digitalSignature nor nonRepudiation).`,
    );
  return { key, cert, chain: certs.filter((c) => c !== cert), name: subjectName(cert) };
}

/** A new self-signed technician certificate (RSA 2048, 5 years, digital signature + non-repudiation) as a .p12. */
export function createTechnicianP12(name: string, passphrase: string, now: Date, years = 5): Buffer {
  if (passphrase.length < 8) throw new CertificateError('Choose a passphrase of at least 8 characters for the new signing certificate.');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + years * 365.25 * 86_400_000);
  const subject = [
    { name: 'commonName', value: forge.util.encodeUtf8(name) },
    { name: 'organizationalUnitName', value: 'DoorCx technician (self-signed)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const asn = forge.pkcs12.toPkcs12Asn1(key, [cert], passphrase, { algorithm: 'aes256', friendlyName: name });
  return Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary');
}

function writeDurably(file: string, bytes: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * The technician's identity from the data folder, created on first use. With `imported` (an organisation's .p12)
 * that file is checked and used as is, never copied.
 */
export function technicianIdentity(o: { dataDir: string; technician: string; passphrase: string; now: Date; imported?: Uint8Array }): {
  identity: SigningIdentity;
  created: boolean;
} {
  if (o.imported) return { identity: openP12(o.imported, o.passphrase, o.now), created: false };
  const file = technicianP12Path(o.dataDir);
  if (existsSync(file)) return { identity: openP12(readFileSync(file), o.passphrase, o.now), created: false };
  const p12 = createTechnicianP12(o.technician, o.passphrase, o.now);
  const identity = openP12(p12, o.passphrase, o.now);
  writeDurably(file, p12);
  return { identity, created: true };
}
