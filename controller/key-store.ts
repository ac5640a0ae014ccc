// The per-site store of PD secure-channel keys: one file per site beside the database, encrypted with a passphrase
// (scrypt → AES-256-GCM). Keys never leave it in clear except into the controller link, and never appear in logs,
// API results or errors. A key is saved BEFORE the KEYSET that installs it is sent ("pending"), so a KEYSET whose
// ACK is lost never leaves a PD with a key nobody has; it is marked "confirmed" once the PD acknowledged it.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, hex } from './protocol';

export interface StoredKey {
  address: number;
  /** 16-byte SCBK */
  key: Uint8Array;
  state: 'pending' | 'confirmed';
  savedAt: string;
}

export class KeyStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyStoreError';
  }
}

interface FileShape {
  version: 1;
  kdf: { name: 'scrypt'; salt: string; N: number; r: number; p: number };
  iv: string;
  tag: string;
  data: string;
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1 };
const MIN_PASSPHRASE = 8;

export class SiteKeyStore {
  readonly path: string;

  constructor(dataDir: string, siteId: number) {
    this.path = join(dataDir, 'keys', `site-${siteId}.keys`);
  }

  get exists(): boolean {
    return existsSync(this.path);
  }

  /** Every key, decrypted with the passphrase; an empty list when the site has no store yet. */
  load(passphrase: string): StoredKey[] {
    if (!this.exists) return [];
    let f: FileShape;
    try {
      f = JSON.parse(readFileSync(this.path, 'utf8')) as FileShape;
    } catch (err) {
      throw new KeyStoreError(`the key store ${this.path} is unreadable: ${(err as Error).message}`);
    }
    const key = scryptSync(passphrase, Buffer.from(f.kdf.salt, 'hex'), 32, {
      N: f.kdf.N,
      r: f.kdf.r,
      p: f.kdf.p,
      maxmem: 64 * 1024 * 1024,
    });
    let plain: string;
    try {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(f.iv, 'hex'));
      d.setAuthTag(Buffer.from(f.tag, 'hex'));
      plain = Buffer.concat([d.update(Buffer.from(f.data, 'base64')), d.final()]).toString('utf8');
    } catch {
      throw new KeyStoreError('wrong passphrase for the site key store (or the file was altered)');
    }
    const rows = JSON.parse(plain) as { address: number; key: string; state: StoredKey['state']; savedAt: string }[];
    return rows.map((r) => ({ ...r, key: fromHex(r.key) }));
  }

  /** Save (replace) one PD's key. The file is rewritten atomically and readable by its owner only. */
  put(passphrase: string, entry: StoredKey): void {
    if (passphrase.length < MIN_PASSPHRASE) throw new KeyStoreError(`the passphrase must have at least ${MIN_PASSPHRASE} characters`);
    const rows = this.load(passphrase).filter((k) => k.address !== entry.address);
    rows.push(entry);
    rows.sort((a, b) => a.address - b.address);
    const plain = JSON.stringify(rows.map((r) => ({ address: r.address, key: hex(r.key), state: r.state, savedAt: r.savedAt })));
    const salt = randomBytes(16);
    const key = scryptSync(passphrase, salt, 32, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    const file: FileShape = {
      version: 1,
      kdf: { name: 'scrypt', salt: salt.toString('hex'), ...SCRYPT },
      iv: iv.toString('hex'),
      tag: c.getAuthTag().toString('hex'),
      data: data.toString('base64'),
    };
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(file), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
