// What the runs handlers share across calls: the attempts running now and the
// controller links the runner opened. One RunsState per app process (createApp).
import type { Opening } from '../../../core/schedule/types';
import type { RunRow } from '../../../db/runs';
import type { AppContext } from '../../context';
import type { AttemptRunner } from '../../runner/driver';
import type { RunnerLink } from '../../runner/links';

/** Process-wide state of the runs feature: running attempts and open controller links. */
export interface RunsState {
  active: Map<number, { runner: AttemptRunner; link: RunnerLink; address: number | null }>;
  links: Map<string, RunnerLink>;
  /** The link used when a procedure names none: the app's controller connection, when connected (else null). */
  defaultLink?: (run: RunRow, opening: Opening) => Promise<RunnerLink> | null;
}

/** What every runs handler is given: the app's context and the feature's state. */
export interface RunsDeps {
  ctx: AppContext;
  state: RunsState;
}

export function createRunsState(): RunsState {
  return { active: new Map(), links: new Map() };
}

export async function closeRunsState(state: RunsState): Promise<void> {
  for (const a of state.active.values()) a.runner.abort('DoorCx is closing');
  await Promise.allSettled([...state.active.values()].map((a) => a.runner.done));
  for (const l of state.links.values()) await l.close();
  state.links.clear();
}
