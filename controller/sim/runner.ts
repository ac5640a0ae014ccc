// Runs a SiteSim live on a transport: real clock, and a light watch loop that reports
// what changes at the doors (lock power, lock, door) — e.g. the PD restoring lock power
// when a timed drop ends, with no command on the wire.
import type { Transport } from '../serial/transport';
import type { DoorState } from './door-model';
import { SiteSim, type SiteSimOptions } from './site-sim';

export interface DoorChange {
  openingId: string;
  at: number;
  what: string;
  state: DoorState;
}

export interface LiveSim {
  sim: SiteSim;
  stop(): Promise<void>;
}

function describe(prev: DoorState | undefined, s: DoorState): string[] {
  const out: string[] = [];
  if (!prev || prev.lockPowered !== s.lockPowered) out.push(`lock power ${s.lockPowered ? 'ON' : 'OFF'}`);
  if (!prev || prev.mechanism !== s.mechanism) out.push(`lock ${s.mechanism}`);
  if (!prev || prev.doorOpen !== s.doorOpen) out.push(`door ${s.doorOpen ? 'open' : 'closed'}`);
  if (!prev || prev.fireAlarmActive !== s.fireAlarmActive) out.push(`fire alarm ${s.fireAlarmActive ? 'ACTIVE' : 'clear'}`);
  return out;
}

/** Start simulated PDs on an opened transport. `onChange` hears every door change (first call lists the initial state). */
export function runSiteSim(
  transport: Transport,
  options: Omit<SiteSimOptions, 'now'> & { now?: () => number; watchMs?: number; onChange?: (c: DoorChange) => void },
): LiveSim {
  const now = options.now ?? (() => performance.now());
  const sim = new SiteSim({ ...options, now, baud: options.baud ?? transport.baud });
  sim.attach(transport);
  const last = new Map<string, DoorState>();
  const watch = () => {
    if (!options.onChange) return;
    for (const info of sim.info()) {
      if (!info.openingId) continue;
      const s = sim.doorState(info.openingId);
      const changes = describe(last.get(info.openingId), s);
      last.set(info.openingId, s);
      if (changes.length > 0) options.onChange({ openingId: info.openingId, at: now(), what: changes.join(', '), state: s });
    }
  };
  watch();
  const timer = setInterval(watch, options.watchMs ?? 50);
  return {
    sim,
    stop: async () => {
      clearInterval(timer);
      sim.detach();
      await transport.close();
    },
  };
}
