// The simulator's controls (press REX, push the door, fire alarm, faults, tamper, power
// failure), for practice and demos on the simulated controller only.
import type { SimControl } from '../../../controller/sim/site-sim';
import { ApiError, type ParsedInput } from '../../contract';
import type { ControllerOutputs } from '../../contract/controller';
import { need } from './connection';
import { guard } from './errors';
import type { ControllerState } from './state';

type SimControlInput = ParsedInput<'controllerSimControl'>;

/** The simulator command an API action stands for; an action on a door needs its openingId. */
export function simCommand(input: SimControlInput): SimControl {
  const needId = (): string => {
    if (!input.openingId)
      throw new ApiError('invalid-input', `Action "${input.action}" needs an openingId.`, [{ field: 'openingId', reason: 'required' }]);
    return input.openingId;
  };
  switch (input.action) {
    case 'rex':
      return { action: 'rex', openingId: needId() };
    case 'push':
    case 'push-egress':
      return { action: 'push', openingId: needId(), side: input.action === 'push' ? 'secure' : 'egress' };
    case 'credential':
      return { action: 'credential', openingId: needId() };
    case 'fire-alarm':
    case 'fire-alarm-reset':
      return { action: 'fire-alarm', active: input.action === 'fire-alarm' };
    case 'set-faults':
      return { action: 'set-faults', openingId: needId(), faults: input.faults ?? {} };
    case 'tamper':
    case 'tamper-clear':
      return { action: 'local-status', openingId: needId(), tamper: input.action === 'tamper' };
    case 'power-fail':
    case 'power-restore':
      return { action: 'local-status', openingId: needId(), powerFailure: input.action === 'power-fail' };
  }
}

export function controllerSimControl(state: ControllerState, input: SimControlInput): Promise<ControllerOutputs['controllerSimControl']> {
  return guard(async () => {
    const sim = need(state).sim;
    if (!sim) throw new ApiError('validation', 'Simulator controls work only on the simulated controller.');
    const command = simCommand(input);
    try {
      sim.control(command);
    } catch (err) {
      // An opening the simulated site does not have.
      if (err instanceof RangeError) throw new ApiError('not-found', err.message);
      throw err;
    }
    return { ok: true as const, doorState: input.openingId ? sim.doorState(input.openingId) : null };
  });
}
