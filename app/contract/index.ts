// The one API contract between the UI and the backend. Electron's preload, the
// web host and the renderer all derive from it; each feature declares its own
// inputs (zod) and outputs (types) in a file beside this one and is merged here.
import type { z } from 'zod';
import { runsInputs, type RunsEvents, type RunsOutputs } from './runs';
import { controllerInputs, type ControllerEvents, type ControllerOutputs } from './controller';
import { scheduleInputs, type ScheduleOutputs } from './schedule';
import { powerInputs, type PowerOutputs } from './power';
import { reportsInputs, type ReportsEvents, type ReportsOutputs } from './reports';
import { syncInputs, type SyncEvents, type SyncOutputs } from './sync';
import { diagnosticsInputs, type DiagnosticsEvents, type DiagnosticsOutputs } from './diagnostics';

export const apiInputs = {
  ...scheduleInputs,
  ...controllerInputs,
  ...runsInputs,
  ...powerInputs,
  ...reportsInputs,
  ...syncInputs,
  ...diagnosticsInputs,
};

export type Method = keyof typeof apiInputs;
export type Input<M extends Method> = z.input<(typeof apiInputs)[M]>;
export type ParsedInput<M extends Method> = z.output<(typeof apiInputs)[M]>;

export interface Outputs
  extends ScheduleOutputs, ControllerOutputs, RunsOutputs, PowerOutputs, ReportsOutputs, SyncOutputs, DiagnosticsOutputs {}

/** Push events from the backend (live controller readings, run progress). */
export interface ApiEvents extends ControllerEvents, RunsEvents, ReportsEvents, SyncEvents, DiagnosticsEvents {}

export type EventTopic = keyof ApiEvents;

export type DoorCxApi = { [M in Method]: (input: Input<M>) => Promise<Outputs[M]> } & {
  /** Returns the function that unsubscribes. */
  subscribe<T extends EventTopic>(topic: T, listener: (event: ApiEvents[T]) => void): () => void;
};

/** IPC channel names and HTTP paths: declared here only. */
export const TRANSPORT = {
  ipcCall: 'doorcx:call',
  ipcEvent: 'doorcx:event',
  httpCallPrefix: '/api/',
  wsEventsPath: '/events',
  tokenHeader: 'x-doorcx-token',
} as const;

// Every method has an output type and every output a method.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const contractIsComplete: Exact<Method, keyof Outputs> = true;
void contractIsComplete;

export { ApiError, type ApiErrorShape, type FieldIssue } from './errors';
