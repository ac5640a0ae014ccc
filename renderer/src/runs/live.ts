// Live state of the attempts of one run, built from the runs:* push events (and
// topped up by polling getAttempt, so a missed event never hides a prompt).
import { useEffect, useReducer } from 'react';
import type { AttemptDetail, Prompt, RunsEvents } from '../../../app/contract/runs';
import { api } from '../api';

export type Reading = RunsEvents['runs:reading'];

export type LiveStep = Omit<RunsEvents['runs:step'], 'runId' | 'attemptId'>;

export interface LiveAttempt {
  attemptId: number;
  reading: Reading | null;
  readings: number;
  /** The outputs as last read back (readings leave them null after a command). */
  lastOutputs: { lockPower: boolean | null; alarm: boolean | null };
  steps: Record<string, LiveStep>;
  /** The step running now (for the countdown). */
  current: LiveStep | null;
  prompts: Prompt[];
  /** Prompts closed by the backend or answered here: never shown again. */
  closed: string[];
  status: 'running' | 'finished' | 'interrupted';
  warning: string | null;
}

export type LiveState = Record<number, LiveAttempt>;

type Action =
  | { type: 'reading'; e: RunsEvents['runs:reading'] }
  | { type: 'step'; e: RunsEvents['runs:step'] }
  | { type: 'prompt'; e: RunsEvents['runs:prompt'] }
  | { type: 'attempt'; e: RunsEvents['runs:attempt'] }
  | { type: 'snapshot'; a: AttemptDetail }
  | { type: 'answered'; attemptId: number; promptId: string };

const empty = (attemptId: number): LiveAttempt => ({
  attemptId,
  reading: null,
  readings: 0,
  lastOutputs: { lockPower: null, alarm: null },
  steps: {},
  current: null,
  prompts: [],
  closed: [],
  status: 'running',
  warning: null,
});

function reduce(state: LiveState, action: Action): LiveState {
  const id = action.type === 'snapshot' ? action.a.id : action.type === 'answered' ? action.attemptId : action.e.attemptId;
  const a = state[id] ?? empty(id);
  let next: LiveAttempt = a;
  switch (action.type) {
    case 'reading':
      next = {
        ...a,
        reading: action.e,
        readings: a.readings + 1,
        lastOutputs: {
          lockPower: action.e.lockPower ?? a.lastOutputs.lockPower,
          alarm: action.e.alarm ?? a.lastOutputs.alarm,
        },
      };
      break;
    case 'step': {
      const s: LiveStep = { ...action.e };
      next = {
        ...a,
        steps: { ...a.steps, [s.stepId]: s },
        current: s.phase === 'started' ? s : a.current?.stepId === s.stepId ? null : a.current,
      };
      break;
    }
    case 'prompt': {
      const p = action.e.prompt;
      if (action.e.open && !a.closed.includes(p.id)) next = { ...a, prompts: [...a.prompts.filter((x) => x.id !== p.id), p] };
      if (!action.e.open) next = { ...a, prompts: a.prompts.filter((x) => x.id !== p.id), closed: [...a.closed, p.id] };
      break;
    }
    case 'attempt':
      next = {
        ...a,
        status: action.e.status,
        warning: action.e.warning ?? a.warning,
        ...(action.e.status !== 'running' ? { prompts: [], current: null } : {}),
      };
      break;
    case 'snapshot': {
      const known = new Set(a.prompts.map((p) => p.id));
      const add = action.a.openPrompts.filter((p) => !known.has(p.id) && !a.closed.includes(p.id));
      const steps = { ...a.steps };
      for (const r of action.a.steps)
        steps[r.stepId] ??= {
          stepIndex: r.stepIndex,
          stepId: r.stepId,
          title: r.title,
          kind: r.kind,
          phase: 'finished',
          deadlineAt: null,
          verdict: r.verdict,
          reason: r.reason,
          measuredMs: r.measuredMs,
          resolutionMs: r.resolutionMs,
        };
      // A screen that joins late (a reload) takes the step running now and the latest reading from the snapshot;
      // a newer live event always wins.
      const joined = action.a.live;
      const current = joined?.current && (!a.current || a.current.stepIndex <= joined.current.stepIndex) ? joined.current : a.current;
      const reading = joined?.reading && (!a.reading || a.reading.at < joined.reading.at) ? joined.reading : a.reading;
      next = {
        ...a,
        steps: current && current.phase === 'started' && !steps[current.stepId] ? { ...steps, [current.stepId]: current } : steps,
        prompts: action.a.status === 'running' ? [...a.prompts, ...add] : [],
        status: action.a.status,
        reading,
        current: action.a.status === 'running' ? current : null,
      };
      break;
    }
    case 'answered':
      next = { ...a, prompts: a.prompts.filter((p) => p.id !== action.promptId), closed: [...a.closed, action.promptId] };
      break;
  }
  return { ...state, [id]: next };
}

/** Subscribes to the run's live events for as long as the page is open. */
export function useLiveRun(runId: number) {
  const [state, dispatch] = useReducer(reduce, {});
  useEffect(() => {
    const offs = [
      api.subscribe('runs:reading', (e) => e.runId === runId && dispatch({ type: 'reading', e })),
      api.subscribe('runs:step', (e) => e.runId === runId && dispatch({ type: 'step', e })),
      api.subscribe('runs:prompt', (e) => e.runId === runId && dispatch({ type: 'prompt', e })),
      api.subscribe('runs:attempt', (e) => e.runId === runId && dispatch({ type: 'attempt', e })),
    ];
    return () => offs.forEach((off) => off());
  }, [runId]);
  return { live: state, dispatch };
}

export type LiveDispatch = ReturnType<typeof useLiveRun>['dispatch'];
