// Secure-channel keys: KEYSET a new key to a PD (saved in the site's key store before it
// is sent), and unlock a site's stored keys for this connection.
import { randomBytes } from 'node:crypto';
import { KeyStoreError, SiteKeyStore } from '../../../controller/key-store';
import { SecretKey } from '../../../controller/protocol';
import { logEvent } from '../../../db/runs/repository';
import { ApiError, type ParsedInput } from '../../contract';
import type { ControllerOutputs } from '../../contract/controller';
import { need, status } from './connection';
import { guard } from './errors';
import type { ControllerDeps } from './state';

export function controllerKeyset(
  { ctx, state }: ControllerDeps,
  { address, siteId, passphrase }: ParsedInput<'controllerKeyset'>,
): Promise<ControllerOutputs['controllerKeyset']> {
  return guard(async () => {
    const c = need(state);
    const store = new SiteKeyStore(ctx.dataDir, siteId);
    const key = new Uint8Array(randomBytes(16));
    try {
      // Saved first: if the ACK is lost the PD may hold the new key, and the store has it (pending).
      store.put(passphrase, { address, key, state: 'pending', savedAt: ctx.now().toISOString() });
    } catch (err) {
      if (err instanceof KeyStoreError) throw new ApiError('validation', err.message);
      throw err;
    }
    try {
      await c.controller.keyset(address, key);
    } catch (err) {
      logEvent(ctx.db, { type: 'keyset-failed', payload: { siteId, address, reason: (err as Error).message } }, ctx.now());
      throw err;
    }
    store.put(passphrase, { address, key, state: 'confirmed', savedAt: ctx.now().toISOString() });
    const prev = c.keyFor;
    c.keyFor = (a) => (a === address ? key : prev?.(a));
    logEvent(ctx.db, { type: 'keyset', payload: { siteId, address, link: status(state).description } }, ctx.now());
    return { address, saved: true as const, acknowledged: true as const };
  });
}

export function controllerUnlockKeys(
  { ctx, state }: ControllerDeps,
  { siteId, passphrase }: ParsedInput<'controllerUnlockKeys'>,
): Promise<ControllerOutputs['controllerUnlockKeys']> {
  return guard(async () => {
    const c = need(state);
    let keys;
    try {
      keys = new SiteKeyStore(ctx.dataDir, siteId).load(passphrase);
    } catch (err) {
      if (err instanceof KeyStoreError) throw new ApiError('validation', err.message);
      throw err;
    }
    const byAddress = new Map(keys.map((k) => [k.address, k.key]));
    for (const [a, key] of byAddress) c.controller.useSecureChannel({ scbk: new SecretKey(key) }, a);
    const prev = c.keyFor;
    c.keyFor = (a) => byAddress.get(a) ?? prev?.(a);
    return { addresses: [...byAddress.keys()] };
  });
}
