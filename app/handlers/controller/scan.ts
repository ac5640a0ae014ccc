// Scanning the bus for PDs (addresses × baud rates), with progress events, one scan
// at a time, cancellable.
import type { ScanReport } from '../../../controller/driver';
import { ApiError, type ParsedInput } from '../../contract';
import type { ControllerOutputs } from '../../contract/controller';
import { need } from './connection';
import { guard } from './errors';
import type { ControllerDeps, ControllerState } from './state';

function scanResult(r: ScanReport): ControllerOutputs['controllerScan'] {
  return {
    probed: r.probed,
    total: r.total,
    cancelled: r.cancelled,
    durationMs: Math.round(r.durationMs),
    found: r.found.map((f) => ({ ...f, capabilities: f.capabilities })),
  };
}

export function controllerScan(
  { ctx, state }: ControllerDeps,
  input: ParsedInput<'controllerScan'>,
): Promise<ControllerOutputs['controllerScan']> {
  return guard(async () => {
    const c = need(state);
    if (state.scanAbort) throw new ApiError('conflict', 'A scan is already running.');
    const abort = new AbortController();
    state.scanAbort = abort;
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
      state.scanAbort = null;
    }
  });
}

export function controllerScanCancel(state: ControllerState): Promise<{ cancelled: boolean }> {
  const a = state.scanAbort;
  a?.abort();
  return Promise.resolve({ cancelled: a !== null });
}
