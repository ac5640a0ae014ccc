// One PD on the open connection: its status (identity, capabilities, points), a
// reading of its points, a timed output, and the command log.
import type { ParsedInput } from '../../contract';
import type { CommandLogEntry, ControllerOutputs, PdStatus } from '../../contract/controller';
import { iso, logEntry, need } from './connection';
import { guard, toApiError } from './errors';
import type { ControllerDeps, ControllerState } from './state';

export function controllerPdStatus(state: ControllerState, { address }: ParsedInput<'controllerPdStatus'>): Promise<PdStatus> {
  return guard(async () => {
    const c = need(state);
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
      // Known but not fully read: show what was read; unknown: the link error itself.
      if (!out.identity) toApiError(err);
    }
    out.online = ctl.status(address)?.online ?? false;
    return out;
  });
}

export function controllerReadPoints(
  { ctx, state }: ControllerDeps,
  { address }: ParsedInput<'controllerReadPoints'>,
): Promise<ControllerOutputs['controllerReadPoints']> {
  return guard(async () => {
    const ctl = need(state).controller;
    const inputs = await ctl.readInputs(address);
    const outputs = await ctl.readOutputs(address);
    return { address, at: ctx.now().toISOString(), inputs, outputs };
  });
}

export function controllerTimedOutput(
  state: ControllerState,
  { address, output, state: outputState, durationMs }: ParsedInput<'controllerTimedOutput'>,
): Promise<ControllerOutputs['controllerTimedOutput']> {
  return guard(async () => {
    const r = await need(state).controller.timedOutput(address, output, outputState, durationMs);
    return {
      address,
      output,
      state: outputState,
      durationMs: r.durationMs,
      sentAt: iso(r.sentAt),
      reply: r.reply,
      confirmedOn: r.confirmedOn,
      confirmed: r.confirmed,
      restoresAt: iso(r.restoresAt),
    };
  });
}

export function controllerLog(state: ControllerState, { limit }: ParsedInput<'controllerLog'>): CommandLogEntry[] {
  return state.connection ? state.connection.controller.log.recent(limit).map(logEntry) : [];
}
