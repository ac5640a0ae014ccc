// The one controller connection of this app process, shared by the controller
// handlers and the runs feature (which drives tests through `state.connection`).
import type { OsdpController } from '../../../controller/driver';
import type { Transport } from '../../../controller/serial/transport';
import type { SiteSim } from '../../../controller/sim/site-sim';
import type { AppContext } from '../../context';

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

export interface ControllerState {
  connection: Connection | null;
  /** The scan running now, to cancel it (one at a time). */
  scanAbort: AbortController | null;
  /** Closes the connection; set by createControllerHandlers. */
  close: () => Promise<void>;
}

/** What every controller handler is given: the app's context and the feature's state. */
export interface ControllerDeps {
  ctx: AppContext;
  state: ControllerState;
}

export function createControllerState(): ControllerState {
  return { connection: null, scanAbort: null, close: async () => undefined };
}

export async function closeControllerState(state: ControllerState): Promise<void> {
  await state.close();
}
