// Every cached API read is keyed [method, input], built here and nowhere else, so
// "what to refresh" can be said by method name (all inputs) or by part of an input
// (TanStack Query matches object keys partially: ['getRun', { runId: 3 }]).
import type { Input, Method } from '../../../app/contract';

export type ApiKey<M extends Method = Method> = readonly [M, Input<M>];

/** The key of one read: a method called with one input. */
export function apiKey<M extends Method>(method: M, input: Input<M>): ApiKey<M> {
  return [method, input] as const;
}

/** Every cached read of a method, or only those whose input contains `part`. */
export function methodKey<M extends Method>(method: M, part?: Partial<Input<M>>): readonly [M] | readonly [M, Partial<Input<M>>] {
  return part === undefined ? ([method] as const) : ([method, part] as const);
}

/** The sync state shown by the header pill and the Sync page: the status once, then every sync:state event. */
export const SYNC_STATE_KEY = ['sync:state'] as const;

/** Reads a finished or interrupted attempt (or a recorded checklist item) can change: verdicts, progress, deficiencies, reports. */
export const RESULT_READS = [
  'getRun',
  'listRunOpenings',
  'getOpeningChecklist',
  'listRuns',
  'getSiteSummary',
  'getOpening',
  'listDeficiencies',
  'previewReport',
  'syncStatus',
] as const satisfies readonly Method[];

/** Reads a finished sync can change: what is left to send, and what other devices sent. */
export const SYNC_READS = ['syncStatus', 'syncRemoteResults', 'syncRemoteLatest'] as const satisfies readonly Method[];
