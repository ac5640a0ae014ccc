// Secure-channel keys from a file, never from the command line (a key in argv is visible to every user of the
// machine through the process list and lands in shell history). One key per line:
//   <address> <32 hex digits>     the key of the PD at that address
//   <32 hex digits>               the key of every other PD
// Blank lines and lines starting with # are ignored. The file must not be readable by other users.
import { readFileSync, statSync } from 'node:fs';
import { fromHex } from './protocol';

export interface KeyFile {
  /** The key for a PD address, or undefined. */
  keyFor(address: number): Uint8Array | undefined;
  readonly size: number;
}

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

const HEX32 = /^(?:[0-9a-fA-F]{2}[:\s]?){15}[0-9a-fA-F]{2}$/;

/** Parse the text of a key file; errors name the line at fault (and never echo a key). */
export function parseKeyFile(text: string, name = 'key file'): KeyFile {
  const byAddress = new Map<number, Uint8Array>();
  let fallback: Uint8Array | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(\d{1,3})\s+(.+)$/.exec(line);
    const hex = (m ? m[2]! : line).trim();
    if (!HEX32.test(hex)) throw new KeyFileError(`${name} line ${i + 1}: expected 32 hex digits${m ? ' after the address' : ''}`);
    const key = fromHex(hex.replace(/[:\s]/g, ''));
    if (m) {
      const address = Number(m[1]);
      if (address > 126) throw new KeyFileError(`${name} line ${i + 1}: address ${address} is not 0-126`);
      if (byAddress.has(address)) throw new KeyFileError(`${name} line ${i + 1}: a second key for address ${address}`);
      byAddress.set(address, key);
    } else {
      if (fallback) throw new KeyFileError(`${name} line ${i + 1}: a second key for every PD`);
      fallback = key;
    }
  });
  if (byAddress.size === 0 && !fallback) throw new KeyFileError(`${name}: no key in the file`);
  return { keyFor: (a) => byAddress.get(a) ?? fallback, size: byAddress.size + (fallback ? 1 : 0) };
}

/** Read a key file; refused when group or others may read it (as ssh refuses a private key). */
export function readKeyFile(path: string, platform: NodeJS.Platform = process.platform): KeyFile {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new KeyFileError(`cannot read key file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (platform !== 'win32' && (st.mode & 0o077) !== 0)
    throw new KeyFileError(`key file ${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  return parseKeyFile(readFileSync(path, 'utf8'), `key file ${path}`);
}
