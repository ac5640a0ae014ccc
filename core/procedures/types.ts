// Procedures are data: what they verify, when they apply, their steps and their
// pass criteria (with the thresholds resolved from the project's settings).
import type { Category, EgressStrategy, FailMode, LockType, LockingArrangement, Severity } from '../schedule/types';
import type { Thresholds } from './settings';

export const PROCEDURE_IDS = [
  'power-drop',
  'alarm-release',
  'rex',
  'manual-release',
  'delayed-egress',
  'relock',
  'check-mode-label',
  'check-fa-connected',
  'check-mechanical-egress',
  'check-dhr-hardware',
  'check-sr-device',
  'check-sr-sensor',
  'check-de-signage',
  'check-de-audible',
  'check-ce-remote',
  'check-nfpa80',
  'check-lock-power',
] as const;
export type ProcedureId = (typeof PROCEDURE_IDS)[number];

/** The opening's wiring points a step reads or drives (docs/wiring.md). */
export type InputPoint = 'lock_status' | 'dps' | 'rex';
export type OutputPoint = 'lock_output' | 'alarm_output';

/** When a procedure applies; every listed condition must hold (absent = any). */
export interface Applicability {
  categories?: readonly Category[];
  modes?: readonly FailMode[];
  lockTypes?: readonly LockType[];
  arrangements?: readonly LockingArrangement[];
  fireAlarmRelease?: boolean;
  egress?: readonly EgressStrategy[];
  /** Only openings with a fire rating (NFPA 80). */
  fireRated?: boolean;
  /** Wiring points that must be bound for the procedure to run at all. */
  requiresBinding?: readonly ('lock_output' | 'alarm_output' | 'lock_status_input' | 'rex_input' | 'dps_input')[];
}

export type Answer = 'yes' | 'no' | 'not-checked';

/** A question only a person can answer. `expect` is the answer a correct installation gives. */
export interface ConfirmStep {
  kind: 'confirm';
  id: string;
  title: string;
  question: string;
  expect: 'yes' | 'no';
  /** What the wrong answer means, in plain words, for the deficiency. */
  wrongMeans: string;
  severity: Severity;
  /** When set, the question is shown while the named earlier step runs (e.g. push the door while power is dropped). */
  during?: string;
}

/** The technician does something; the runner waits for "done" (or for the watched input to go active). */
export interface ActionStep {
  kind: 'action';
  id: string;
  title: string;
  instruction: string;
  /** An input whose activation counts as the action happening (its time is recorded). */
  watch?: InputPoint;
  /** The action's time starts the next watch step's clock (push → release). */
  startsClock?: boolean;
}

/** Read inputs and outputs before anything moves: lock power on, lock secured, door closed. */
export interface PrecheckStep {
  kind: 'precheck';
  id: string;
  title: string;
}

/** A PD-timed output: the PD itself returns the output to its resting state when the timer ends. */
export interface OutputStep {
  kind: 'output';
  id: string;
  title: string;
  point: OutputPoint;
  state: 'off' | 'on';
  durationMs: number;
  /** When the point is not bound, a person does this instead (e.g. trips the alarm at the panel). */
  fallbackInstruction: string;
}

export type WatchExpect = 'release' | 'relock' | 'stay-secured' | 'stay-released';

/** Watch lock-status (through the opening's binding and polarity) against a time criterion. */
export interface WatchStep {
  kind: 'watch';
  id: string;
  title: string;
  expect: WatchExpect;
  /** release/relock: within this; stay-*: for this whole window. */
  ms: number;
  /** Which threshold `ms` came from, for the report. */
  threshold: keyof Thresholds | 'delayed-egress';
  /** The clock starts at: the last output command, the last person action, or the end of the last PD timer. */
  clockFrom: 'command' | 'action' | 'timer-end';
  /** Fail-secure hold: a release must be attempted with power dropped (proves power was really cut). */
  attempt?: { instruction: string; watch: InputPoint };
  /**
   * A stay-* window runs on until the stimulus ends (the PD's timer restores power / resets the alarm), not
   * just for `ms`: a change anywhere between the release and the reset counts, with its time.
   */
  untilStimulusEnds?: boolean;
  /** How the end of that window reads in a result ("until power returned"). */
  untilWords?: string;
  /**
   * Release steps: when the lock is still held at the limit, ask for a release attempt with the stimulus still
   * on and name the probable cause (released → power not really cut; held → a fail-secure lock installed).
   */
  diagnose?: { instruction: string; watch: InputPoint };
  /** Relock steps: what it means when the lock is found relocked before this step's clock started (before the reset). */
  earlyMeans?: string;
  earlySeverity?: Severity;
  /** What it means when the criterion is missed (plain words, for the deficiency). */
  missMeans: string;
  severity: Severity;
}

/** Wait for the PD timer to end and confirm (OSTAT) the output is back at rest; restore it if not. */
export interface RestoreStep {
  kind: 'restore';
  id: string;
  title: string;
  point: OutputPoint;
}

/**
 * A requirement the schedule itself breaks, judged from the opening alone (no I/O): e.g. a fail-secure lock
 * where the locking arrangement requires release on loss of power. Present only when it is broken.
 */
export interface RequirementStep {
  kind: 'requirement';
  id: string;
  title: string;
  requirementId: string;
  /** What is wrong, in plain words. */
  failure: string;
  severity: Severity;
  /** The requirement's sections in the project's editions (filled in when the procedure is planned). */
  citation?: string;
}

export type StepDef = PrecheckStep | OutputStep | WatchStep | RestoreStep | ConfirmStep | ActionStep | RequirementStep;
export type StepKind = StepDef['kind'];

export interface PlannedProcedure {
  id: ProcedureId;
  title: string;
  kind: 'automatic' | 'checklist';
  /** Requirement ids (docs/domain.md: DHR-3, SR-4, FA-2…). */
  requirementIds: string[];
  /** Their sections in the project's editions, e.g. "IBC 2021 1010.2.12; NFPA 101 7.2.1.6.2". */
  citation: string;
  /** Why this procedure applies to this opening, in words. */
  reason: string;
  /** The mode the schedule expects (the procedure's variant). */
  expectedMode: FailMode;
  /** Pass criteria in words with the thresholds filled in. */
  criteria: string[];
  steps: StepDef[];
  thresholds: Thresholds;
}
