// Which controller link a run's tests go over. The contract takes it per
// procedure; the technician picks it once per run, so it is remembered here (per
// run, on this machine). The demo site defaults to the simulated controller.
export type RunLink = { kind: 'simulated' } | { kind: 'serial'; port: string; baud: number };

const KEY = (runId: number) => `doorcx-run-link-${runId}`;

/** The demo site's name (app/demo.ts): its openings have simulated PDs. */
export const DEMO_SITE_NAME = 'Demo - Riverside Clinic';

export function defaultLink(siteName: string | undefined): RunLink | null {
  return siteName === DEMO_SITE_NAME ? { kind: 'simulated' } : null;
}

export function saveRunLink(runId: number, link: RunLink): void {
  try {
    localStorage.setItem(KEY(runId), JSON.stringify(link));
  } catch {
    // storage full or blocked: the technician picks the link again
  }
}

export function loadRunLink(runId: number): RunLink | null {
  try {
    const raw = localStorage.getItem(KEY(runId));
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<RunLink> & { port?: unknown; baud?: unknown };
    if (v.kind === 'simulated') return { kind: 'simulated' };
    if (v.kind === 'serial' && typeof v.port === 'string' && typeof v.baud === 'number')
      return { kind: 'serial', port: v.port, baud: v.baud };
    return null;
  } catch {
    return null;
  }
}

export function linkWords(link: RunLink | null): string {
  if (!link) return 'No controller link chosen';
  return link.kind === 'simulated' ? 'Simulated controller (demo)' : `Serial ${link.port} at ${link.baud} baud`;
}

/** Why a test cannot start over this link before asking the backend (which checks the port and the PD). */
export function linkProblem(link: RunLink | null): string | null {
  if (link?.kind === 'serial' && !link.port.trim())
    return 'No serial port is chosen: under "Link" type the USB–RS-485 adapter\'s port (for example /dev/ttyUSB0 or COM3; the Controller page lists the ports found), or pick the simulated controller for practice.';
  return null;
}

export type LinkInput = { kind: 'simulated' } | { kind: 'serial'; port: string; baud: number };

/**
 * What a procedure is sent with. The simulated choice goes over the app's
 * simulated controller connection (connecting it for this site when nothing is
 * connected), so the simulator's controls act on the very door under test; when
 * the connection is taken by something else, the run's own in-process simulator.
 */
export async function resolveLink(
  link: RunLink | null,
  siteId: number,
  ctl: {
    status: () => Promise<{ connected: boolean; kind: 'simulated' | 'serial' | null; siteId: number | null }>;
    connectSimulated: (siteId: number) => Promise<unknown>;
  },
): Promise<{ input: LinkInput | undefined; hands: boolean }> {
  if (link?.kind === 'serial') return { input: link, hands: false };
  const ownSim = { input: { kind: 'simulated' } as const, hands: false };
  try {
    const st = await ctl.status();
    if (st.connected && st.kind === 'simulated' && st.siteId === siteId) return { input: undefined, hands: true };
    if (!link) return { input: undefined, hands: false };
    if (st.connected) return ownSim;
    await ctl.connectSimulated(siteId);
    return { input: undefined, hands: true };
  } catch {
    return link ? ownSim : { input: undefined, hands: false };
  }
}
