// Connecting: one connection at a time, either the in-process simulated controller
// (the demo default: simulated PDs for a site's openings on an in-memory line) or a
// serial port. Live input changes, command-log entries and connection changes are
// pushed as ApiEvents while it is open.
import { OsdpController } from '../../../controller/driver';
import type { LogEntry } from '../../../controller/command-log';
import { SecretKey, fromHex } from '../../../controller/protocol';
import { SerialTransport, listPorts, memoryPair } from '../../../controller/serial/transport';
import { readSimSiteConfig } from '../../../controller/sim/site-config';
import { SiteSim } from '../../../controller/sim/site-sim';
import { getSiteByName, listOpenings } from '../../../db/schedule';
import type { AppContext } from '../../context';
import { ApiError, type ParsedInput } from '../../contract';
import type { CommandLogEntry, ControllerOutputs, ControllerStatus } from '../../contract/controller';
import { DEMO_SITE_NAME } from '../../demo';
import { guard } from './errors';
import type { Connection, ControllerDeps, ControllerState } from './state';

export const iso = (ms: number) => new Date(ms).toISOString();

export function logEntry(e: LogEntry): CommandLogEntry {
  return { seq: e.seq, at: iso(e.at), direction: e.direction, address: e.address, meaning: e.meaning, hex: e.hex, idle: e.idle === true };
}

export function status({ connection: conn }: ControllerState): ControllerStatus {
  return {
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
  };
}

/** The open connection, or a controller error telling the technician to connect first. */
export function need(state: ControllerState): Connection {
  if (!state.connection) throw new ApiError('controller', 'Not connected: connect to the simulated controller or a serial port first.');
  return state.connection;
}

export async function disconnect({ ctx, state }: ControllerDeps): Promise<void> {
  const c = state.connection;
  state.connection = null;
  if (!c) return;
  for (const off of c.off) off();
  await c.controller.close();
  c.sim?.detach();
  await c.simBus?.close();
  ctx.events.emit('controllerStatus', status(state));
}

/** Forwards the connection's live inputs, log, PD local status and adapter changes as events. */
function wire(ctx: AppContext, state: ControllerState, c: Connection): void {
  c.off.push(
    c.controller.onInput((e) =>
      ctx.events.emit('controllerInput', { address: e.address, at: iso(e.at), inputs: e.inputs, changed: e.changed }),
    ),
    c.controller.onLog((e) => ctx.events.emit('controllerLog', logEntry(e))),
    c.controller.onLocalStatus((e) => ctx.events.emit('controllerPdLocalStatus', { ...e, at: iso(e.at) })),
    c.controller.onAdapter((e) => {
      if (e.state !== 'closed') ctx.events.emit('controllerStatus', status(state));
    }),
  );
}

/** The simulated controller for a site's openings (the demo site's with its real wiring faults). */
async function simulatedConnection(ctx: AppContext, siteId: number | undefined, baud: number): Promise<Connection> {
  const site = siteId === undefined ? getSiteByName(ctx.db, DEMO_SITE_NAME) : { id: siteId, name: '' };
  if (!site) throw new ApiError('not-found', `The demo site "${DEMO_SITE_NAME}" is not loaded; pass a siteId.`);
  const openings = listOpenings(ctx.db, site.id);
  if (!openings.some((o) => o.pd_address !== null))
    throw new ApiError('validation', `Site ${site.id} has no opening bound to a PD address: nothing to simulate.`);
  // The demo site's real wiring faults come from resources/demo-site.sim.json; other sites are simulated as scheduled.
  const isDemo = getSiteByName(ctx.db, DEMO_SITE_NAME)?.id === site.id;
  const config = isDemo ? readSimSiteConfig() : { openings: {} };
  const pair = memoryPair({ baud });
  await pair.bus.open();
  const sim = new SiteSim({ openings, config, now: () => performance.now(), baud });
  sim.attach(pair.bus);
  return {
    kind: 'simulated',
    controller: new OsdpController(pair.acu),
    transport: pair.acu,
    sim,
    simBus: pair.bus,
    siteId: site.id,
    off: [],
  };
}

export function controllerConnect(deps: ControllerDeps, input: ParsedInput<'controllerConnect'>): Promise<ControllerStatus> {
  const { ctx, state } = deps;
  return guard(async () => {
    await disconnect(deps);
    let c: Connection;
    if (input.kind === 'simulated') c = await simulatedConnection(ctx, input.siteId, input.baud);
    else {
      const transport = new SerialTransport(input.port!, input.baud);
      c = { kind: 'serial', controller: new OsdpController(transport), transport, sim: null, simBus: null, siteId: null, off: [] };
    }
    await c.controller.open();
    if (input.secure) c.controller.useSecureChannel({ install: true });
    const keys = new Map(input.keys.map((k) => [k.address, fromHex(k.scbk)]));
    for (const [address, key] of keys) c.controller.useSecureChannel({ scbk: new SecretKey(key) }, address);
    c.keyFor = (a) => keys.get(a);
    wire(ctx, state, c);
    state.connection = c;
    c.controller.log.note(Date.now(), null, `connected: ${status(state).description}`);
    const s = status(state);
    ctx.events.emit('controllerStatus', s);
    return s;
  });
}

export async function controllerDisconnect(deps: ControllerDeps): Promise<ControllerStatus> {
  await disconnect(deps);
  return status(deps.state);
}

export function controllerListPorts(): Promise<ControllerOutputs['controllerListPorts']> {
  return guard(async () => (await listPorts()).map(({ pnpId: _pnp, ...p }) => p));
}
