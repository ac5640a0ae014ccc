// The controller link's handlers (app/contract/controller.ts), one named function per
// method, grouped by concern in this folder, each given its dependencies explicitly:
// connecting (simulated controller or serial port), scanning, secure-channel keys, one
// PD's status, points and timed outputs, the command log, the simulator's controls.
import type { AppContext } from '../../context';
import type { controllerInputs } from '../../contract/controller';
import type { FeatureHandlers } from '../index';
import { controllerConnect, controllerDisconnect, controllerListPorts, disconnect, status } from './connection';
import { controllerKeyset, controllerUnlockKeys } from './keys';
import { controllerLog, controllerPdStatus, controllerReadPoints, controllerTimedOutput } from './pd';
import { controllerScan, controllerScanCancel } from './scan';
import { controllerSimControl } from './sim-control';
import { createControllerState, type ControllerDeps, type ControllerState } from './state';

export { closeControllerState, createControllerState, type Connection, type ControllerState } from './state';
export { loadSimulatedSite } from './simulated-site';

export function createControllerHandlers(
  ctx: AppContext,
  state: ControllerState = createControllerState(),
): FeatureHandlers<keyof typeof controllerInputs> {
  const deps: ControllerDeps = { ctx, state };
  state.close = () => disconnect(deps);
  return {
    controllerListPorts: () => controllerListPorts(),
    controllerConnect: (input) => controllerConnect(deps, input),
    controllerDisconnect: () => controllerDisconnect(deps),
    controllerStatus: () => status(state),
    controllerScan: (input) => controllerScan(deps, input),
    controllerKeyset: (input) => controllerKeyset(deps, input),
    controllerUnlockKeys: (input) => controllerUnlockKeys(deps, input),
    controllerScanCancel: () => controllerScanCancel(state),
    controllerPdStatus: (input) => controllerPdStatus(state, input),
    controllerReadPoints: (input) => controllerReadPoints(deps, input),
    controllerTimedOutput: (input) => controllerTimedOutput(state, input),
    controllerSimControl: (input) => controllerSimControl(state, input),
    controllerLog: (input) => controllerLog(state, input),
  };
}
