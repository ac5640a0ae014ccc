// The controller link's handlers: one connection at a time, either the in-process
// simulated controller (the demo default: simulated PDs for a site's openings on an
// in-memory line) or a serial port. Live input changes, command-log entries and
// connection changes are pushed as ApiEvents.
import { ApiError } from '../contract';
import type { CommandLogEntry, ControllerOutputs, ControllerStatus, PdStatus, controllerInputs } from '../contract/controller';
import type { Opening } from '../../core/schedule/types';
import { getSiteByName, listOpenings } from '../../db/schedule';
import { OsdpController, type ScanReport } from '../../controller/driver';
import type { LogEntry } from '../../controller/command-log';
import { LinkError, SecretKey, fromHex } from '../../controller/protocol';
import { SerialTransport, TransportError, listPorts, memoryPair, type Transport } from '../../controller/serial/transport';
import { readSimSiteConfig } from '../../controller/sim/site-config';
import { SiteSim, type SimSiteConfig } from '../../controller/sim/site-sim';
import { createApp } from '../index';
import { SiteKeyStore, KeyStoreError } from '../../controller/key-store';
import { logEvent } from '../../db/runs/repository';
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context';
import { DEMO_SITE_NAME } from '../demo';
import type { FeatureHandlers } from './index';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The openings a simulated bus stands for: the demo site (with its wiring faults), or a site of a DoorCx database. */
export async function loadSimulatedSite(opts: { demo: boolean; db?: string; site?: string; simConfig?: string }): Promise<{
  siteName: string;
  openings: Opening[];
  config: SimSiteConfig;
}> {
  const tmp = mkdtempSync(join(tmpdir(), 'doorcx-sim-'));
  try {
    const app = await createApp(
      opts.demo ? { dbFile: ':memory:', dataDir: tmp, demo: true } : { dbFile: opts.db!, dataDir: dirname(opts.db!), demo: false },
    );
    try {
      const name = opts.demo ? DEMO_SITE_NAME : opts.site!;
      const site = getSiteByName(app.ctx.db, name);
      if (!site) throw new Error(`There is no site named "${name}" in ${opts.db ?? 'the demo data'}.`);
      const openings = listOpenings(app.ctx.db, site.id);
      const config = opts.simConfig ? readSimSiteConfig(opts.simConfig) : opts.demo ? readSimSiteConfig() : { openings: {} };
      return { siteName: name, openings, config };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface Connection {
  kind: 'simulated' | 'serial';
  controller: OsdpController;
  transport: Transport;
  sim: SiteSim | null;
  simBus: Transport | null;
  siteId: number | null;
  off: (() => void)[];
  /** The PD's own secure-channel key, from the connection's keys (never logged or returned). */
  keyFor?: (address: number) => Uint8Array | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

function logEntry(e: LogEntry): CommandLogEntry {
  return { seq: e.seq, at: iso(e.at), direction: e.direction, address: e.address, meaning: e.meaning, hex: e.hex, idle: e.idle === true };
}

/** Link and transport failures keep their cause for the UI; a bad argument is a validation error. */
function toApiError(err: unknown): never {
  if (err instanceof ApiError) throw err;
  if (err instanceof LinkError)
    throw new ApiError('controller', err.message, { kind: err.kind, address: err.address, nakCode: err.nakCode });
  if (err instanceof TransportError) throw new ApiError('controller', err.message);
  if (err instanceof RangeError) throw new ApiError('validation', err.message);
  throw err;
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    toApiError(err);
  }
}

/** The one controller connection of this app process (the runs feature drives tests through `state.connection.controller`). */
export interface ControllerState {
  connection: Connection | null;
  /** Closes the connection; set by createControllerHandlers. */
  close: () => Promise<void>;
}

export function createControllerState(): ControllerState {
  return { connection: null, close: async () => undefined };
}

export async function closeControllerState(state: ControllerState): Promise<void> {
  await state.close();
}

export function createControllerHandlers(
  ctx: AppContext,
  state: ControllerState = createControllerState(),
): FeatureHandlers<keyof typeof controllerInputs> {
  let conn: Connection | null = null;
  let scanAbort: AbortController | null = null;

  const status = (): ControllerStatus => ({
    connected: conn !== null,
    kind: conn?.kind ?? null,
    description: conn
      ? conn.kind === 'simulated'
        ? `Simulated controller (${conn.sim?.pds.length ?? 0} PDs)`
        : conn.transport.description
      : null,
    baud: conn?.transport.baud ?? null,
    siteId: conn?.siteId ?? null,
    simulatedPds: conn?.sim?.info().map((p) => ({ address: p.address, openingId: p.openingId })) ?? [],
    framesDropped: conn?.controller.lineStats().drops ?? 0,
    adapter: conn ? (conn.controller.adapter.state === 'disconnected' ? 'disconnected' : 'connected') : null,
    adapterReason: conn?.controller.adapter.reason ?? null,
  });

  const need = (): Connection => {
    if (!conn) throw new ApiError('controller', 'Not connected: connect to the simulated controller or a serial port first.');
    return conn;
  };

  const disconnect = async () => {
    const c = conn;
    conn = null;
    state.connection = null;
    if (!c) return;
    for (const off of c.off) off();
    await c.controller.close();
    c.sim?.detach();
    await c.simBus?.close();
    ctx.events.emit('controllerStatus', status());
  };

  const wire = (c: Connection) => {
    c.off.push(
      c.controller.onInput((e) =>
        ctx.events.emit('controllerInput', { address: e.address, at: iso(e.at), inputs: e.inputs, changed: e.changed }),
      ),
      c.controller.onLog((e) => ctx.events.emit('controllerLog', logEntry(e))),
      c.controller.onLocalStatus((e) => ctx.events.emit('controllerPdLocalStatus', { ...e, at: iso(e.at) })),
      c.controller.onAdapter((e) => {
        if (e.state !== 'closed') ctx.events.emit('controllerStatus', status());
      }),
    );
  };

  const scanResult = (r: ScanReport): ControllerOutputs['controllerScan'] => ({
    probed: r.probed,
    total: r.total,
    cancelled: r.cancelled,
    durationMs: Math.round(r.durationMs),
    found: r.found.map((f) => ({ ...f, capabilities: f.capabilities })),
  });

  state.close = disconnect;
  return {
    controllerListPorts: () => guard(async () => (await listPorts()).map(({ pnpId: _pnp, ...p }) => p)),

    controllerConnect: (input) =>
      guard(async () => {
        await disconnect();
        let c: Connection;
        if (input.kind === 'simulated') {
          const site = input.siteId === undefined ? getSiteByName(ctx.db, DEMO_SITE_NAME) : { id: input.siteId, name: '' };
          if (!site) throw new ApiError('not-found', `The demo site "${DEMO_SITE_NAME}" is not loaded; pass a siteId.`);
          const openings = listOpenings(ctx.db, site.id);
          if (!openings.some((o) => o.pd_address !== null))
            throw new ApiError('validation', `Site ${site.id} has no opening bound to a PD address: nothing to simulate.`);
          // The demo site's real wiring faults come from resources/demo-site.sim.json; other sites are simulated as scheduled.
          const isDemo = getSiteByName(ctx.db, DEMO_SITE_NAME)?.id === site.id;
          const config = isDemo ? readSimSiteConfig() : { openings: {} };
          const pair = memoryPair({ baud: input.baud });
          await pair.bus.open();
          const sim = new SiteSim({ openings, config, now: () => performance.now(), baud: input.baud });
          sim.attach(pair.bus);
          c = {
            kind: 'simulated',
            controller: new OsdpController(pair.acu),
            transport: pair.acu,
            sim,
            simBus: pair.bus,
            siteId: site.id,
            off: [],
          };
        } else {
          const transport = new SerialTransport(input.port!, input.baud);
          c = { kind: 'serial', controller: new OsdpController(transport), transport, sim: null, simBus: null, siteId: null, off: [] };
        }
        await c.controller.open();
        if (input.secure) c.controller.useSecureChannel({ install: true });
        const keys = new Map(input.keys.map((k) => [k.address, fromHex(k.scbk)]));
        for (const [address, key] of keys) c.controller.useSecureChannel({ scbk: new SecretKey(key) }, address);
        c.keyFor = (a) => keys.get(a);
        wire(c);
        conn = c;
        state.connection = c;
        c.controller.log.note(Date.now(), null, `connected: ${status().description}`);
        const s = status();
        ctx.events.emit('controllerStatus', s);
        return s;
      }),

    controllerDisconnect: async () => {
      await disconnect();
      return status();
    },

    controllerStatus: () => status(),

    controllerScan: (input) =>
      guard(async () => {
        const c = need();
        if (scanAbort) throw new ApiError('conflict', 'A scan is already running.');
        const abort = new AbortController();
        scanAbort = abort;
        try {
          return scanResult(
            await c.controller.scan({
              from: input.from,
              to: input.to,
              bauds: input.bauds,
              stopAtFirst: input.stopAtFirst,
              signal: abort.signal,
              keyFor: (a) => c.keyFor?.(a),
              onProgress: (p) =>
                ctx.events.emit('controllerScanProgress', {
                  probed: p.probed,
                  total: p.total,
                  pdsFound: p.pdsFound,
                  address: p.address,
                  baud: p.baud,
                }),
            }),
          );
        } finally {
          scanAbort = null;
        }
      }),

    controllerKeyset: ({ address, siteId, passphrase }) =>
      guard(async () => {
        const c = need();
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
        logEvent(ctx.db, { type: 'keyset', payload: { siteId, address, link: status().description } }, ctx.now());
        return { address, saved: true as const, acknowledged: true as const };
      }),

    controllerUnlockKeys: ({ siteId, passphrase }) =>
      guard(async () => {
        const c = need();
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
      }),

    controllerScanCancel: () => {
      const a = scanAbort;
      a?.abort();
      return Promise.resolve({ cancelled: a !== null });
    },

    controllerPdStatus: ({ address }) =>
      guard(async () => {
        const c = need();
        const ctl = c.controller;
        const out: PdStatus = {
          address,
          online: false,
          identity: null,
          capabilities: null,
          inputs: null,
          outputs: null,
          openingId: c.sim?.info().find((p) => p.address === address)?.openingId ?? null,
        };
        try {
          out.identity = await ctl.identify(address);
          out.capabilities = await ctl.capabilities(address);
          if (out.capabilities.inputs > 0) out.inputs = await ctl.readInputs(address);
          if (out.capabilities.outputs > 0) out.outputs = await ctl.readOutputs(address);
        } catch (err) {
          if (!out.identity) toApiError(err);
        }
        out.online = ctl.status(address)?.online ?? false;
        return out;
      }),

    controllerReadPoints: ({ address }) =>
      guard(async () => {
        const ctl = need().controller;
        const inputs = await ctl.readInputs(address);
        const outputs = await ctl.readOutputs(address);
        return { address, at: ctx.now().toISOString(), inputs, outputs };
      }),

    controllerTimedOutput: ({ address, output, state, durationMs }) =>
      guard(async () => {
        const r = await need().controller.timedOutput(address, output, state, durationMs);
        return {
          address,
          output,
          state,
          durationMs: r.durationMs,
          sentAt: iso(r.sentAt),
          reply: r.reply,
          confirmedOn: r.confirmedOn,
          confirmed: r.confirmed,
          restoresAt: iso(r.restoresAt),
        };
      }),

    controllerSimControl: (input) =>
      guard(async () => {
        const sim = need().sim;
        if (!sim) throw new ApiError('validation', 'Simulator controls work only on the simulated controller.');
        const id = input.openingId;
        const needId = (): string => {
          if (!id)
            throw new ApiError('invalid-input', `Action "${input.action}" needs an openingId.`, [
              { field: 'openingId', reason: 'required' },
            ]);
          return id;
        };
        try {
          switch (input.action) {
            case 'rex':
              sim.control({ action: 'rex', openingId: needId() });
              break;
            case 'push':
            case 'push-egress':
              sim.control({ action: 'push', openingId: needId(), side: input.action === 'push' ? 'secure' : 'egress' });
              break;
            case 'credential':
              sim.control({ action: 'credential', openingId: needId() });
              break;
            case 'fire-alarm':
            case 'fire-alarm-reset':
              sim.control({ action: 'fire-alarm', active: input.action === 'fire-alarm' });
              break;
            case 'set-faults':
              sim.control({ action: 'set-faults', openingId: needId(), faults: input.faults ?? {} });
              break;
            case 'tamper':
            case 'tamper-clear':
              sim.control({ action: 'local-status', openingId: needId(), tamper: input.action === 'tamper' });
              break;
            case 'power-fail':
            case 'power-restore':
              sim.control({ action: 'local-status', openingId: needId(), powerFailure: input.action === 'power-fail' });
              break;
          }
        } catch (err) {
          if (err instanceof RangeError) throw new ApiError('not-found', err.message);
          throw err;
        }
        return { ok: true as const, doorState: id ? sim.doorState(id) : null };
      }),

    controllerLog: ({ limit }) => (conn ? conn.controller.log.recent(limit).map(logEntry) : []),
  };
}
