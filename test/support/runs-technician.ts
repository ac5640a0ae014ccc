// A truthful technician for integration tests: answers the runner's prompts by
// acting on the simulated site (press REX, push the door, trip the panel) and
// reporting what the simulated door really did.
import type { SiteSim } from '../../controller/sim/site-sim';
import type { Prompt, PromptAnswer } from '../../core/runs/machine';
import type { Opening } from '../../core/schedule/types';
import type { EventBus } from '../../app/events';

export interface TechnicianOptions {
  reactMs?: number;
  /** How long a REX press / push-to-exit keeps the release commanded (the access controller's shunt time). */
  rexHoldMs?: number;
  manualHoldMs?: number;
  override?: (p: Prompt) => PromptAnswer | undefined;
}

/** Decide and act, at the door, for one prompt. */
export function actOn(sim: SiteSim, opening: Opening, p: Prompt, o: TechnicianOptions = {}): PromptAnswer {
  const forced = o.override?.(p);
  if (forced !== undefined) return forced;
  const id = opening.opening_id;
  const text = p.text.toLowerCase();
  const push = (side: 'secure' | 'egress'): boolean => {
    const s = sim.doorState(id);
    const opens = s.mechanism === 'released' || (side === 'egress' && opening.egress === 'mechanical');
    sim.control({ action: 'push', openingId: id, side, holdOpenMs: 400 });
    return opens;
  };
  if (p.kind === 'attempt') {
    sim.control({ action: 'rex', openingId: id, holdMs: o.rexHoldMs ?? 500 });
    return 'done';
  }
  if (p.kind === 'action') {
    if (text.includes('activate the fire alarm')) sim.control({ action: 'fire-alarm', active: true });
    else if (text.includes('reset the fire alarm')) sim.control({ action: 'fire-alarm', active: false });
    else if (text.includes('push to exit')) sim.control({ action: 'rex', openingId: id, holdMs: o.manualHoldMs ?? 60_000 });
    else if (text.includes('push the exit device')) sim.control({ action: 'rex', openingId: id, holdMs: 60_000 });
    else if (text.includes('rex')) sim.control({ action: 'rex', openingId: id, holdMs: o.rexHoldMs ?? 500 });
    return 'done';
  }
  switch (p.stepId) {
    case 'door-opened':
      return push('secure') ? 'yes' : 'no';
    case 'secure-side-held':
    case 'latched':
      return push('secure') ? 'no' : 'yes';
    case 'mechanical-egress':
      return push('egress') ? 'yes' : 'no';
    case 'silence-not-reset':
      return sim.doorState(id).mechanism === 'released' ? 'yes' : 'no';
    default:
      return 'yes';
  }
}

/** Answers every prompt of the given opening after `reactMs`, through `answer`. Returns the unsubscribe. */
export function attachTechnician(
  events: EventBus,
  sim: SiteSim,
  opening: Opening,
  answer: (attemptId: number, promptId: string, a: PromptAnswer) => unknown,
  o: TechnicianOptions = {},
): () => void {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const off = events.onAny((topic, e) => {
    if (topic !== 'runs:prompt') return;
    const ev = e as { attemptId: number; open: boolean; prompt: Prompt };
    if (!ev.open || ev.prompt.answers.length === 0) return;
    const t = setTimeout(() => {
      timers.delete(t);
      const a = actOn(sim, opening, ev.prompt, o);
      Promise.resolve()
        .then(() => answer(ev.attemptId, ev.prompt.id, a))
        .catch(() => undefined);
    }, o.reactMs ?? 250);
    timers.add(t);
  });
  return () => {
    off();
    for (const t of timers) clearTimeout(t);
  };
}

// Short windows so the suite stays quick (SR-4's 30 s is shortened under a recorded AHJ note).
export const FAST = {
  thresholds: {
    releaseMs: 1500,
    holdWindowMs: 1000,
    alarmHoldMs: 1000,
    relockMs: 1500,
    rexReleaseMs: 1500,
    manualReleaseHoldMs: 1500,
    pdTimerMarginMs: 300,
    pollIntervalMs: 40,
    promptTimeoutMs: 8000,
    // The technician reacts in 250 ms: the lock is then watched this long after the REX with power still off.
    attemptWatchMs: 600,
    // A loaded test machine can stall the event loop for a few hundred ms: claim a coarser resolution than the
    // field default (every pass states the gap it had; gaps themselves are tested on virtual time).
    maxReadingGapMs: 600,
  },
  ahjNote: 'test windows',
};
