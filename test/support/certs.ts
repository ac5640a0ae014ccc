// Test certificates the product never makes: one whose key usage forbids signing.
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export function nonSigningP12(passphrase: string, now = new Date()): Buffer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '05';
  cert.validity.notBefore = new Date(now.getTime() - 86_400_000);
  cert.validity.notAfter = new Date(now.getTime() + 86_400_000 * 365);
  cert.setSubject([{ name: 'commonName', value: 'Encryption only' }]);
  cert.setIssuer([{ name: 'commonName', value: 'Encryption only' }]);
  cert.setExtensions([{ name: 'keyUsage', keyEncipherment: true, dataEncipherment: true }]);
  cert.sign(key, forge.md.sha256.create());
  return Buffer.from(forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(key, [cert], passphrase, { algorithm: '3des' })).getBytes(), 'binary');
}
