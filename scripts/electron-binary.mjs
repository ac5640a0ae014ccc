// Finds the Electron binary the way the electron package does, without requiring the package:
// its index.js starts a download when the binary is missing (impossible offline, and it
// prints a stack trace). Returns null where there is no binary.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function electronBinary(env = process.env, from = import.meta.url) {
  let dir;
  try {
    dir = dirname(createRequire(from).resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = join(dir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const distDir = env.ELECTRON_OVERRIDE_DIST_PATH || join(dir, 'dist');
  if (!relative && !env.ELECTRON_OVERRIDE_DIST_PATH) return null;
  const binary = join(distDir, relative || 'electron');
  return existsSync(binary) ? binary : null;
}
