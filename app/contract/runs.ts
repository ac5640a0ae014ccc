// Commissioning runs' part of the API: runs and progress, finding the next opening,
// the opening's checklist, running procedures over the controller link (with live
// readings, countdowns and prompts pushed as ApiEvents), person confirmations,
// checklist items, retests, deficiencies with photos, and the event-log check.
//
// Flow for the UI: startRun → getRun (progress by floor) → nextOpening (search /
// tag / floor route) → getOpeningChecklist (expected mode + why, first) →
// runProcedure (returns the attempt id at once) → listen to runs:* events and
// answer prompts with answerPrompt → getAttempt for the result card.
import { z } from 'zod';
import type { Finding, Opening, Severity } from '../../core/schedule/types';
import type { Prompt, PromptAnswer } from '../../core/runs/machine';
import type { Verdict } from '../../core/verdicts/types';

export type { Prompt, PromptAnswer } from '../../core/runs/machine';
export type { Verdict } from '../../core/verdicts/types';

const siteId = z.number().int().positive();
const runId = z.number().int().positive();
const attemptId = z.number().int().positive();
const openingId = z.string().trim().min(1).max(64);
const procedureId = z.string().trim().min(1).max(64);
const who = z.string().trim().min(1).max(100);
const severity = z.enum(['life-safety', 'security', 'compliance', 'procurement']);
const answer = z.enum(['yes', 'no', 'not-checked']);

/** Thresholds a project may adjust (ms); see core/procedures/settings.ts for the defaults and code limits. */
const thresholds = z
  .object({
    releaseMs: z.number().int().positive(),
    holdWindowMs: z.number().int().positive(),
    relockMs: z.number().int().positive(),
    alarmHoldMs: z.number().int().positive(),
    manualReleaseHoldMs: z.number().int().positive(),
    delayedEgress15Ms: z.number().int().positive(),
    delayedEgress30Ms: z.number().int().positive(),
    rexReleaseMs: z.number().int().positive(),
    pdTimerMarginMs: z.number().int().positive(),
    promptTimeoutMs: z.number().int().positive(),
    pollIntervalMs: z.number().int().positive(),
    attemptWatchMs: z.number().int().positive(),
    maxReadingGapMs: z.number().int().positive(),
  })
  .partial()
  .strict();

/** Which controller link a procedure runs over. Absent = the app's current controller connection. */
const link = z.discriminatedUnion('kind', [
  /** An in-process simulator of the run's site (demo / no hardware). */
  z.object({ kind: z.literal('simulated') }).strict(),
  z
    .object({ kind: z.literal('serial'), port: z.string().trim().min(1).max(300), baud: z.number().int().positive().default(9600) })
    .strict(),
]);

export const runsInputs = {
  startRun: z
    .object({
      siteId,
      technician: who,
      settings: z
        .object({
          edition: z.string().max(40).optional(),
          thresholds: thresholds.optional(),
          ahjNote: z.string().max(2000).nullable().optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
  listRuns: z.object({ siteId: siteId.optional() }).strict(),
  getRun: z.object({ runId }).strict(),
  /** Every opening of the run's site with its status (for the route list and tables). */
  listRunOpenings: z
    .object({
      runId,
      floor: z.string().max(40).optional(),
      status: z.enum(['untested', 'pass', 'fail', 'inconclusive', 'incomplete']).optional(),
    })
    .strict(),
  /**
   * Find the opening to work on: `tag` = typed or scanned door tag (exact id, a door label's QR payload, or an old
   * "DOORCX:<id>" label; a label for another site finds nothing and names that site in `otherSite`);
   * `search` = id / location text; otherwise the floor route: the first not-yet-tested opening after `afterOpeningId`
   * in schedule order (on `floor` when given).
   */
  nextOpening: z
    .object({
      runId,
      tag: z.string().trim().min(1).max(2500).optional(),
      search: z.string().trim().min(1).max(200).optional(),
      floor: z.string().max(40).optional(),
      afterOpeningId: openingId.optional(),
    })
    .strict(),
  getOpeningChecklist: z.object({ runId, openingId }).strict(),
  /** Starts a procedure and returns its attempt at once; follow it with runs:* events and getAttempt. */
  runProcedure: z
    .object({
      runId,
      openingId,
      procedureId,
      link: link.optional(),
      /** Pre-answered confirmations by step id, for scripted use (the CLI's --confirm). */
      answers: z.record(z.string().max(64), answer).optional(),
    })
    .strict(),
  /** Answer a prompt: confirmations take yes / no / not-checked; actions and release attempts take done. */
  answerPrompt: z
    .object({ attemptId, promptId: z.string().min(1).max(200), answer: z.enum(['yes', 'no', 'not-checked', 'done']) })
    .strict(),
  /**
   * Stop, in any state of the test: DoorCx restores the outputs it switched (the PD's own timer does when the PD does
   * not answer in time), the attempt ends inconclusive "stopped by the technician …", and the answer comes within a
   * second. On an attempt that has already ended it returns how it ended.
   */
  abortProcedure: z.object({ attemptId }).strict(),
  getAttempt: z.object({ attemptId }).strict(),
  /** Record a person-checked checklist procedure (every step answered at once). */
  recordChecklistItem: z
    .object({ runId, openingId, procedureId, answers: z.record(z.string().max(64), answer), note: z.string().max(2000).optional() })
    .strict(),
  /** Run (or record) the same procedure again; the new attempt supersedes the old one, which is kept. */
  retest: z.object({ attemptId, link: link.optional(), answers: z.record(z.string().max(64), answer).optional() }).strict(),
  listDeficiencies: z
    .object({
      siteId,
      runId: runId.optional(),
      openingId: openingId.optional(),
      status: z.enum(['open', 'fixed-retested', 'accepted-by-ahj']).optional(),
    })
    .strict(),
  createDeficiency: z
    .object({ siteId, openingId, runId: runId.optional(), severity, description: z.string().trim().min(1).max(4000), createdBy: who })
    .strict(),
  /** fixed-retested needs a passing retest attempt; accepted-by-ahj needs a note (who at the AHJ, what was accepted). */
  setDeficiencyStatus: z
    .object({
      deficiencyId: z.number().int().positive(),
      status: z.enum(['open', 'fixed-retested', 'accepted-by-ahj']),
      note: z.string().trim().max(4000).default(''),
      by: who,
      retestAttemptId: attemptId.optional(),
    })
    .strict(),
  /**
   * After a passing test: mark, in one step, every open deficiency an earlier attempt of the same procedure found at
   * the opening "fixed — retested", citing this attempt.
   */
  fixByRetest: z.object({ attemptId, by: who, note: z.string().trim().max(4000).default('') }).strict(),
  attachPhoto: z
    .object({
      deficiencyId: z.number().int().positive(),
      fileName: z.string().trim().min(1).max(255),
      mimeType: z.enum(['image/jpeg', 'image/png', 'image/webp', 'image/heic']),
      contentBase64: z
        .string()
        .min(1)
        .max(40 * 1024 * 1024),
    })
    .strict(),
  getPhoto: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
  verifyEventLog: z.object({}).strict(),
};

export interface ProjectSettingsView {
  edition: string;
  thresholds: Record<string, number>;
  ahjNote: string | null;
}

import type { OpeningProgress, OpeningStatus } from '../../core/runs/progress';
import type { EventLogCheck } from '../../core/runs/event-log-check';
export type { OpeningStatus };

export interface Progress {
  total: number;
  /** Openings with at least one recorded procedure. */
  tested: number;
  /** The required procedures (power-drop; alarm-release where tied to the fire alarm) passed and nothing recorded failed or was inconclusive. */
  passed: number;
  failed: number;
  inconclusive: number;
  /** Some procedures passed, required ones not yet run. */
  incomplete: number;
  /** Not tested at all. */
  remaining: number;
}

export interface FloorProgress extends Progress {
  floor: string;
}

export interface RunSummary {
  id: number;
  uuid: string;
  siteId: number;
  siteName: string;
  technician: string;
  startedAt: string;
  settings: ProjectSettingsView;
  progress: Progress;
}

export type AttemptStatus = 'running' | 'finished' | 'interrupted';

export interface AttemptSummary {
  id: number;
  uuid: string;
  runId: number;
  openingId: string;
  procedureId: string;
  procedureTitle: string;
  startedAt: string;
  endedAt: string | null;
  /** interrupted = DoorCx stopped mid-procedure; runProcedure / retest resumes it at the interrupted step. */
  status: AttemptStatus;
  verdict: Verdict | null;
  reason: string | null;
  supersedes: number | null;
  supersededBy: number | null;
}

export interface RunDetail {
  run: RunSummary;
  byFloor: FloorProgress[];
  /** Attempts cut short by a crash or power loss: resume them before going on. */
  interrupted: AttemptSummary[];
  openDeficiencies: number;
  /** The open deficiencies found in this run, by severity (for the close-out). */
  openDeficienciesBySeverity: Record<Severity, number>;
}

/** One opening's line in a run's progress (made by core/runs' openingProgress). */
export type OpeningProgressRow = OpeningProgress;

export interface NextOpeningResult {
  how: 'tag' | 'search' | 'route';
  next: OpeningProgressRow | null;
  matches: OpeningProgressRow[];
  /** The scanned label was printed for this other site: nothing was opened. */
  otherSite?: string;
}

export interface StepView {
  id: string;
  kind: 'precheck' | 'output' | 'watch' | 'restore' | 'confirm' | 'action' | 'requirement';
  title: string;
  /** The question (confirm) or instruction (action) shown to the technician. */
  text: string | null;
  /** Watch windows and limits, ms. */
  ms: number | null;
}

export interface ChecklistProcedure {
  id: string;
  title: string;
  kind: 'automatic' | 'checklist';
  /** Required for the opening's pass: power-drop, and alarm-release where the schedule ties it to the fire alarm. */
  required: boolean;
  requirementIds: string[];
  citation: string;
  reason: string;
  criteria: string[];
  steps: StepView[];
  latest: AttemptSummary | null;
  /** False when e.g. the opening has no PD address; `blockedReason` says why. */
  runnable: boolean;
  blockedReason: string | null;
}

export interface OpeningChecklist {
  runId: number;
  opening: Opening;
  /** Shown first: the mode the schedule expects and why. */
  expectedMode: Opening['fail_mode'];
  modeReason: string;
  findings: Finding[];
  status: OpeningStatus;
  procedures: ChecklistProcedure[];
  deficiencies: Deficiency[];
}

export interface StepResultView {
  id: number;
  stepIndex: number;
  stepId: string;
  kind: string;
  title: string;
  verdict: Verdict;
  reason: string;
  /** Release / relock time and the resolution it was measured with, ms. */
  measuredMs: number | null;
  resolutionMs: number | null;
  startedAt: string;
  endedAt: string;
  /** The evidence is a person's confirmation (the automatic part could not decide). */
  personEvidence: boolean;
  /** Input trace, answers, commands. */
  evidence: Record<string, unknown>;
  deficiencyId: number | null;
  supersedes: number | null;
}

export interface AttemptDetail extends AttemptSummary {
  steps: StepResultView[];
  openPrompts: Prompt[];
  link: string | null;
  /** While it runs: the step running now and the latest reading, for a screen that joins late (e.g. after a reload). */
  live: { current: RunsEvents['runs:step'] | null; reading: RunsEvents['runs:reading'] | null } | null;
}

export type DeficiencyStatus = 'open' | 'fixed-retested' | 'accepted-by-ahj';

export interface Attachment {
  id: number;
  sha256: string;
  fileName: string;
  mimeType: string;
  size: number;
  createdAt: string;
}

export interface Deficiency {
  id: number;
  uuid: string;
  siteId: number;
  runId: number | null;
  openingId: string;
  procedureId: string | null;
  stepResultId: number | null;
  severity: Severity;
  description: string;
  source: 'step' | 'manual';
  createdAt: string;
  createdBy: string;
  status: DeficiencyStatus;
  statusNote: string;
  history: { status: DeficiencyStatus; note: string; at: string; by: string; retestAttemptId: number | null }[];
  /** Later failures of the same risk while it was open (the first failure created it). */
  occurrences: { attemptId: number; stepResultId: number; at: string }[];
  photos: Attachment[];
}

/** The event-log check: the hash chain, and every runs-table row compared with the event that recorded it. */
export type { EventLogCheck } from '../../core/runs/event-log-check';

export interface RunsOutputs {
  startRun: RunSummary;
  listRuns: RunSummary[];
  getRun: RunDetail;
  listRunOpenings: OpeningProgressRow[];
  nextOpening: NextOpeningResult;
  getOpeningChecklist: OpeningChecklist;
  runProcedure: AttemptSummary;
  answerPrompt: { accepted: boolean };
  abortProcedure: AttemptSummary;
  getAttempt: AttemptDetail;
  recordChecklistItem: AttemptDetail;
  retest: AttemptSummary;
  listDeficiencies: Deficiency[];
  createDeficiency: Deficiency;
  setDeficiencyStatus: Deficiency;
  fixByRetest: Deficiency[];
  attachPhoto: Attachment;
  getPhoto: { attachment: Attachment; contentBase64: string };
  verifyEventLog: EventLogCheck;
}

/** Live events while a procedure runs. Timestamps are wall-clock ms. */
export interface RunsEvents {
  /** Every input reading, decoded through the opening's binding and polarity. */
  'runs:reading': {
    runId: number;
    attemptId: number;
    openingId: string;
    at: number;
    lockStatus: 'secured' | 'released' | 'fault';
    doorPosition: 'open' | 'closed' | 'fault';
    rex: 'active' | 'inactive' | 'fault';
    /** Null when unknown (outputs not read since the last command). */
    lockPower: boolean | null;
    alarm: boolean | null;
    raw: number[];
  };
  /** A step started (with its countdown deadline for watch windows) or finished (with its verdict). */
  'runs:step': {
    runId: number;
    attemptId: number;
    stepIndex: number;
    stepId: string;
    title: string;
    kind: string;
    phase: 'started' | 'finished';
    /** Countdown: wall-clock ms the watch window or prompt timeout ends. */
    deadlineAt: number | null;
    verdict: Verdict | null;
    reason: string | null;
    measuredMs: number | null;
    resolutionMs: number | null;
  };
  /** A prompt opened (show it) or closed (hide it). */
  'runs:prompt': { runId: number; attemptId: number; open: boolean; prompt: Prompt };
  /** An attempt started, finished or was found interrupted; `warning` for recovery notices. */
  'runs:attempt': {
    runId: number;
    attemptId: number;
    openingId: string;
    procedureId: string;
    status: AttemptStatus;
    verdict: Verdict | null;
    reason: string | null;
    warning: string | null;
  };
}

// Keep the answer type in step with the runner core's.
const _answers: readonly PromptAnswer[] = ['yes', 'no', 'not-checked', 'done'];
void _answers;
