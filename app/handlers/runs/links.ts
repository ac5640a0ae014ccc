// Which controller link a test runs over: the app's controller connection, a serial
// port opened for the run, or (for practice) the in-process simulator of the run's
// site; and the check that the opening's PD answers over it before anything switches.
import type { Opening } from '../../../core/schedule/types';
import type { RunRow } from '../../../db/runs';
import { getSite, listOpenings } from '../../../db/schedule';
import type { AppContext } from '../../context';
import { ApiError } from '../../contract/errors';
import type { ParsedInput } from '../../contract';
import { DEMO_SITE_NAME } from '../../demo';
import { demoSimConfig, openSerialLink, openSimulatedLink, type RunnerLink } from '../../runner/links';
import type { ControllerState } from '../controller';
import type { RunsDeps, RunsState } from './state';

/** A link a call names (runProcedure, retest); absent = the app's controller connection. */
export type LinkInput = NonNullable<ParsedInput<'runProcedure'>['link']>;

/** The app's controller connection (controllerConnect) as a runner link, when it is connected. */
export function connectionLink(controller: ControllerState, run: RunRow): Promise<RunnerLink> | null {
  const c = controller.connection;
  if (!c) return null;
  if (c.kind === 'simulated' && c.siteId !== null && c.siteId !== run.siteId) return null;
  return Promise.resolve({
    key: 'controller-connection',
    description: c.kind === 'simulated' ? 'simulated controller' : c.transport.description,
    controller: c.controller,
    sim: c.sim,
    // The connection belongs to the controller feature: it closes it.
    close: async () => undefined,
  });
}

/** The in-process simulated controller for a run's site, opened once and reused. */
async function simulatedLinkFor(ctx: AppContext, state: RunsState, run: RunRow): Promise<RunnerLink> {
  const key = `simulated:site-${run.siteId}`;
  const existing = state.links.get(key);
  if (existing) return existing;
  const site = getSite(ctx.db, run.siteId);
  const link = await openSimulatedLink(
    key,
    listOpenings(ctx.db, run.siteId),
    site?.name === DEMO_SITE_NAME ? demoSimConfig() : { openings: {} },
  );
  state.links.set(key, link);
  return link;
}

/** The link a test runs over: the one it names, else the app's connection, else (demo site only) its simulator. */
export async function linkFor({ ctx, state }: RunsDeps, run: RunRow, opening: Opening, input: LinkInput | undefined): Promise<RunnerLink> {
  if (!input) {
    const connection = state.defaultLink ? await state.defaultLink(run, opening) : null;
    if (connection) return connection;
    // Only the demo site may fall back to its simulator: a real site tested against a simulator would record
    // verdicts about doors nobody touched.
    if (getSite(ctx.db, run.siteId)?.name !== DEMO_SITE_NAME)
      throw new ApiError(
        'controller',
        'No controller link is chosen for this run: under "Link" pick the serial port of the USB–RS-485 adapter (or the simulated controller for practice), or connect on the Controller page.',
      );
  }
  if (!input || input.kind === 'simulated') return simulatedLinkFor(ctx, state, run);
  const key = `serial:${input.port}@${input.baud}`;
  const existing = state.links.get(key);
  if (existing) return existing;
  try {
    const link = await openSerialLink(input.port, input.baud);
    state.links.set(key, link);
    return link;
  } catch (err) {
    const missing = /ENOENT|no such file|not found|cannot find/i.test((err as Error).message);
    throw new ApiError(
      'controller',
      missing
        ? `Serial port ${input.port} was not found: plug in the USB–RS-485 adapter, or pick a port the Controller page lists.`
        : `Serial port ${input.port} could not be opened (${(err as Error).message}): close any other program using it, or unplug and replug the adapter.`,
    );
  }
}

/** A PD test needs a PD that answers: one read of its outputs (the same read the test starts with) proves it. */
export async function requireOnline(state: RunsState, link: RunnerLink, opening: Opening, address: number): Promise<void> {
  try {
    await link.controller.readOutputs(address);
  } catch (err) {
    // A link opened for this test and left unused: close it, so its port does not stay open (and busy) unwatched.
    if (link.key !== 'controller-connection') {
      link.controller.detach(address);
      if (!link.sim && state.links.get(link.key) === link && ![...state.active.values()].some((a) => a.link === link)) {
        state.links.delete(link.key);
        await link.close();
      }
    }
    throw new ApiError(
      'controller',
      `The PD at address ${address} (opening ${opening.opening_id}) does not answer over the ${link.description}: check the RS-485 wiring and the PD's power, and that its address and baud rate match the schedule (Controller → Scan). (${(err as Error).message})`,
    );
  }
}
