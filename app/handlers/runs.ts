// Commissioning runs: the handlers behind app/contract/runs.ts. Procedures run in
// the background (AttemptRunner); the UI follows them through runs:* events and
// getAttempt. Everything recorded is append-only (db/runs).
import { Buffer } from 'node:buffer';
import {
  CATALOG,
  procedureFor,
  proceduresFor,
  resolveSettings,
  SettingsError,
  type PlannedProcedure,
  type ProjectSettings,
} from '../../core/procedures';
import type { PromptAnswer, StepRecord } from '../../core/runs/machine';
import { evaluateOpening } from '../../core/rules';
import { findOpening, modeReason, openingStatus, progressOf, requiredProcedureIds } from '../../core/runs/progress';
import type { Opening } from '../../core/schedule/types';
import { combineSteps, judgeConfirm } from '../../core/verdicts/judge';
import type { Verdict } from '../../core/verdicts/types';
import {
  createAttempt,
  createDeficiency,
  createRun,
  currentStatus,
  endAttempt,
  getAttachmentBySha,
  getAttempt,
  getDeficiency,
  getRun,
  insertAttachment,
  listAttachments,
  listAttempts,
  listDeficiencies,
  listRuns,
  listSteps,
  photoTypeProblem,
  readPhoto,
  recordStep,
  setDeficiencyStatus,
  storePhoto,
  unfinishedAttempts,
  verifyEventLog,
  type AttemptRow,
  type DeficiencyRow,
  type RunRow,
} from '../../db/runs';
import { getOpeningById, getSite, listOpenings } from '../../db/schedule';
import type { AppContext } from '../context';
import type { ApiEvents } from '../contract';
import { ApiError } from '../contract/errors';
import type {
  AttemptDetail,
  AttemptSummary,
  ChecklistProcedure,
  Deficiency,
  FloorProgress,
  OpeningProgressRow,
  RunSummary,
  runsInputs,
} from '../contract/runs';
import { DEMO_SITE_NAME } from '../demo';
import { AttemptRunner } from '../runner/driver';
import { demoSimConfig, openSerialLink, openSimulatedLink, type RunnerLink } from '../runner/links';
import type { ControllerState } from './controller';
import type { FeatureHandlers } from './index';

type LinkInput = { kind: 'simulated' } | { kind: 'serial'; port: string; baud: number };

/** Process-wide state of the runs feature: running attempts and open controller links. */
export interface RunsState {
  active: Map<number, { runner: AttemptRunner; link: RunnerLink; address: number | null }>;
  links: Map<string, RunnerLink>;
  /** The link used when a procedure names none: the app's controller connection, when connected (else null). */
  defaultLink?: (run: RunRow, opening: Opening) => Promise<RunnerLink> | null;
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
export async function simulatedLinkFor(ctx: AppContext, state: RunsState, run: RunRow): Promise<RunnerLink> {
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

export function createRunsHandlers(ctx: AppContext, state: RunsState = createRunsState()): FeatureHandlers<keyof typeof runsInputs> {
  const db = ctx.db;
  const now = () => ctx.now();

  const runOrThrow = (runId: number): RunRow => {
    const r = getRun(db, runId);
    if (!r) throw new ApiError('not-found', `There is no run ${runId}.`);
    return r;
  };
  const openingOrThrow = (run: RunRow, openingId: string): Opening => {
    const o = getOpeningById(db, run.siteId, openingId);
    if (!o) throw new ApiError('not-found', `Opening "${openingId}" is not in this run's site.`);
    return o;
  };
  const attemptOrThrow = (attemptId: number): AttemptRow => {
    const a = getAttempt(db, attemptId);
    if (!a) throw new ApiError('not-found', `There is no attempt ${attemptId}.`);
    return a;
  };
  const plan = (o: Opening, procedureId: string, settings: ProjectSettings): PlannedProcedure => {
    try {
      return procedureFor(o, procedureId, settings);
    } catch (err) {
      throw new ApiError('validation', (err as Error).message);
    }
  };

  const attemptStatus = (a: AttemptRow): AttemptSummary['status'] =>
    a.end ? 'finished' : state.active.has(a.id) ? 'running' : 'interrupted';
  const summary = (a: AttemptRow): AttemptSummary => ({
    id: a.id,
    uuid: a.uuid,
    runId: a.runId,
    openingId: a.openingId,
    procedureId: a.procedureId,
    procedureTitle: a.plan.title,
    startedAt: a.startedAt,
    endedAt: a.end?.endedAt ?? null,
    status: attemptStatus(a),
    verdict: a.end?.verdict ?? null,
    reason: a.end?.reason ?? null,
    supersedes: a.supersedes,
    supersededBy: a.supersededBy,
  });
  const detail = (a: AttemptRow): AttemptDetail => ({
    ...summary(a),
    steps: listSteps(db, a.id).map((s) => ({
      id: s.id,
      stepIndex: s.stepIndex,
      stepId: s.stepId,
      kind: s.kind,
      title: s.title,
      verdict: s.verdict,
      reason: s.reason,
      measuredMs: s.measuredMs,
      resolutionMs: s.resolutionMs,
      startedAt: new Date(s.startedAt).toISOString(),
      endedAt: new Date(s.endedAt).toISOString(),
      personEvidence: s.personEvidence,
      evidence: s.evidence,
      deficiencyId: s.deficiencyId,
      supersedes: s.supersedes,
    })),
    openPrompts: state.active.get(a.id)?.runner.openPrompts ?? [],
    link: a.link,
    live: state.active.get(a.id)?.runner.live ?? null,
  });

  /** The latest attempt per procedure (the one nothing supersedes). */
  const latestByProcedure = (attempts: AttemptRow[]): Map<string, AttemptRow> => {
    const m = new Map<string, AttemptRow>();
    for (const a of attempts) if (a.supersededBy === null) m.set(a.procedureId, a);
    return m;
  };

  const openingRow = (run: RunRow, o: Opening, attempts: AttemptRow[], openDefs: number): OpeningProgressRow => {
    const procs = proceduresFor(o, run.settings);
    const latest = latestByProcedure(attempts);
    const required = requiredProcedureIds(o);
    const rows = procs.map((p) => ({
      id: p.id,
      title: p.title,
      kind: p.kind,
      required: required.has(p.id),
      verdict: latest.get(p.id)?.end?.verdict ?? null,
    }));
    const status = openingStatus(rows);
    return {
      openingId: o.opening_id,
      floor: o.floor,
      location: o.location,
      category: o.category,
      failMode: o.fail_mode,
      lockType: o.lock_type,
      arrangement: o.locking_arrangement,
      status,
      procedures: rows,
      openDeficiencies: openDefs,
    };
  };

  const allRows = (run: RunRow): OpeningProgressRow[] => {
    const attempts = listAttempts(db, run.id);
    const byOpening = new Map<string, AttemptRow[]>();
    for (const a of attempts) byOpening.set(a.openingId, [...(byOpening.get(a.openingId) ?? []), a]);
    const open = new Map<string, number>();
    for (const d of listDeficiencies(db, { siteId: run.siteId }))
      if (currentStatus(d).status === 'open') open.set(d.openingId, (open.get(d.openingId) ?? 0) + 1);
    return listOpenings(db, run.siteId).map((o) => openingRow(run, o, byOpening.get(o.opening_id) ?? [], open.get(o.opening_id) ?? 0));
  };

  const runSummary = (run: RunRow, rows = allRows(run)): RunSummary => ({
    id: run.id,
    uuid: run.uuid,
    siteId: run.siteId,
    siteName: getSite(db, run.siteId)?.name ?? '',
    technician: run.technician,
    startedAt: run.startedAt,
    settings: { edition: run.settings.edition, thresholds: { ...run.settings.thresholds }, ahjNote: run.settings.ahjNote },
    progress: progressOf(rows),
  });

  const deficiencyView = (d: DeficiencyRow): Deficiency => {
    const cur = currentStatus(d);
    return {
      ...d,
      status: cur.status,
      statusNote: cur.note,
      photos: listAttachments(db, d.id).map((a) => ({
        id: a.id,
        sha256: a.sha256,
        fileName: a.fileName,
        mimeType: a.mimeType,
        size: a.size,
        createdAt: a.createdAt,
      })),
    };
  };

  const linkFor = async (run: RunRow, opening: Opening, input: LinkInput | undefined): Promise<RunnerLink> => {
    if (!input) {
      const connection = state.defaultLink ? await state.defaultLink(run, opening) : null;
      if (connection) return connection;
      // Only the demo site may fall back to its simulator: a real site tested against a simulator would record
      // verdicts about doors nobody touched.
      if (getSite(db, run.siteId)?.name !== DEMO_SITE_NAME)
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
  };

  /** A PD test needs a PD that answers: one read of its outputs (the same read the test starts with) proves it. */
  const requireOnline = async (link: RunnerLink, opening: Opening, address: number): Promise<void> => {
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
  };

  const startAttempt = async (
    run: RunRow,
    opening: Opening,
    procedure: PlannedProcedure,
    input: { link?: LinkInput; answers?: Record<string, PromptAnswer>; supersedes: number | null },
  ): Promise<AttemptSummary> => {
    if (procedure.kind !== 'automatic')
      throw new ApiError('validation', `"${procedure.id}" is a checklist item: record it with recordChecklistItem.`);
    if (opening.pd_address === null)
      throw new ApiError(
        'validation',
        `Opening ${opening.opening_id} has no PD address: bind it in the schedule before testing over the controller.`,
      );
    const link = await linkFor(run, opening, input.link);
    for (const a of state.active.values())
      if (a.address === opening.pd_address && a.link.controller === link.controller)
        throw new ApiError('conflict', `A test is already running on PD address ${opening.pd_address}: stop it or wait for its result.`);
    await requireOnline(link, opening, opening.pd_address);
    // An interrupted attempt of the same procedure resumes at its interrupted step instead of starting over.
    const interrupted =
      input.supersedes === null
        ? unfinishedAttempts(db, run.id).find(
            (a) => a.openingId === opening.opening_id && a.procedureId === procedure.id && !state.active.has(a.id),
          )
        : undefined;
    const attempt =
      interrupted ??
      createAttempt(db, { runId: run.id, opening, plan: procedure, link: link.description, supersedes: input.supersedes }, now());
    const runner = new AttemptRunner(
      {
        db,
        io: link.controller,
        technician: run.technician,
        emit: (topic, event) => {
          // The attempt is no longer running once it has ended: free its PD before anyone hears it ended.
          if (topic === 'runs:attempt' && (event as { status: string }).status !== 'running') {
            state.active.delete(attempt.id);
            // Stop polling a PD this feature attached only for the test (a bus polling every PD it ever touched
            // slows every later reading); the app's own controller connection is left as it is.
            if (link.key !== 'controller-connection') link.controller.detach(opening.pd_address!);
          }
          ctx.events.emit(topic, event as ApiEvents[typeof topic]);
        },
      },
      run,
      attempt,
      { recover: interrupted !== undefined, preAnswers: input.answers },
    );
    state.active.set(attempt.id, { runner, link, address: opening.pd_address });
    ctx.events.emit('runs:attempt', {
      runId: run.id,
      attemptId: attempt.id,
      openingId: attempt.openingId,
      procedureId: attempt.procedureId,
      status: 'running',
      verdict: null,
      reason: null,
      warning: interrupted ? 'Resuming an interrupted test: lock power may still be dropped until the PD’s timer ends.' : null,
    });
    runner.done
      .catch((err: unknown) => {
        ctx.events.emit('runs:attempt', {
          runId: run.id,
          attemptId: attempt.id,
          openingId: attempt.openingId,
          procedureId: attempt.procedureId,
          status: 'interrupted',
          verdict: null,
          reason: `the runner stopped: ${(err as Error).message}`,
          warning: null,
        });
      })
      .finally(() => state.active.delete(attempt.id));
    return summary(getAttempt(db, attempt.id)!);
  };

  const recordChecklist = (
    run: RunRow,
    opening: Opening,
    procedure: PlannedProcedure,
    answers: Record<string, 'yes' | 'no' | 'not-checked'>,
    supersedes: number | null,
    note?: string,
  ): AttemptDetail => {
    if (procedure.kind !== 'checklist')
      throw new ApiError('validation', `"${procedure.id}" is an automatic test: run it with runProcedure.`);
    const missing = procedure.steps.filter((s) => s.kind === 'confirm' && !(s.id in answers)).map((s) => s.id);
    const unknown = Object.keys(answers).filter((k) => !procedure.steps.some((s) => s.id === k));
    if (missing.length || unknown.length)
      throw new ApiError(
        'validation',
        [
          missing.length ? `unanswered: ${missing.join(', ')}` : '',
          unknown.length ? `not steps of ${procedure.id}: ${unknown.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; '),
        { missing, unknown },
      );
    const previous = supersedes ?? latestByProcedure(listAttempts(db, run.id, opening.opening_id)).get(procedure.id)?.id ?? null;
    const t = now();
    const attempt = createAttempt(db, { runId: run.id, opening, plan: procedure, link: null, supersedes: previous }, t);
    const records: StepRecord[] = [];
    db.transaction(() => {
      procedure.steps.forEach((s, i) => {
        if (s.kind !== 'confirm') return;
        const v = judgeConfirm(s, answers[s.id]!);
        const rec: StepRecord = {
          procedureId: procedure.id,
          stepId: s.id,
          stepIndex: i,
          kind: 'confirm',
          title: s.title,
          verdict: v.verdict,
          reason: v.reason,
          measuredMs: null,
          resolutionMs: null,
          startedAt: t.getTime(),
          endedAt: t.getTime(),
          deficiency: v.deficiency ?? null,
          personEvidence: true,
          evidence: { question: s.question, answer: answers[s.id], note: note ?? null },
        };
        records.push(rec);
        recordStep(db, { run, attempt, record: rec, by: run.technician }, t);
      });
      const v = combineSteps(
        records.map((r) => ({
          stepId: r.stepId,
          title: r.title,
          kind: r.kind,
          v: { verdict: r.verdict, reason: r.reason, deficiency: r.deficiency ?? undefined },
        })),
      );
      endAttempt(db, attempt, v.verdict, v.reason, t);
    });
    return detail(getAttempt(db, attempt.id)!);
  };

  return {
    startRun: (input) => {
      const site = getSite(db, input.siteId);
      if (!site) throw new ApiError('not-found', `There is no site ${input.siteId}.`);
      let settings: ProjectSettings;
      try {
        settings = resolveSettings(input.settings ?? {});
      } catch (err) {
        if (err instanceof SettingsError) throw new ApiError('validation', err.message, err.issues);
        throw err;
      }
      return runSummary(createRun(db, { siteId: site.id, technician: input.technician, settings }, now()));
    },
    listRuns: (input) => listRuns(db, input.siteId).map((r) => runSummary(r)),
    getRun: (input) => {
      const run = runOrThrow(input.runId);
      const rows = allRows(run);
      const floors = [...new Set(rows.map((r) => r.floor))];
      const byFloor: FloorProgress[] = floors.map((floor) => ({ floor, ...progressOf(rows.filter((r) => r.floor === floor)) }));
      const open = listDeficiencies(db, { siteId: run.siteId, runId: run.id }).filter((d) => currentStatus(d).status === 'open');
      return {
        run: runSummary(run, rows),
        byFloor,
        interrupted: unfinishedAttempts(db, run.id)
          .filter((a) => !state.active.has(a.id))
          .map(summary),
        openDeficiencies: open.length,
        openDeficienciesBySeverity: {
          'life-safety': open.filter((d) => d.severity === 'life-safety').length,
          security: open.filter((d) => d.severity === 'security').length,
          compliance: open.filter((d) => d.severity === 'compliance').length,
          procurement: open.filter((d) => d.severity === 'procurement').length,
        },
      };
    },
    listRunOpenings: (input) => {
      const run = runOrThrow(input.runId);
      return allRows(run).filter(
        (r) => (input.floor === undefined || r.floor === input.floor) && (input.status === undefined || r.status === input.status),
      );
    },
    nextOpening: (input) => {
      const run = runOrThrow(input.runId);
      const rows = allRows(run);
      return findOpening(rows, input, getSite(db, run.siteId)?.name);
    },
    getOpeningChecklist: (input) => {
      const run = runOrThrow(input.runId);
      const o = openingOrThrow(run, input.openingId);
      const attempts = listAttempts(db, run.id, o.opening_id);
      const latest = latestByProcedure(attempts);
      const required = requiredProcedureIds(o);
      const procedures: ChecklistProcedure[] = proceduresFor(o, run.settings).map((p) => {
        const blocked = p.kind === 'automatic' && o.pd_address === null ? 'the opening has no PD address in the schedule' : null;
        return {
          id: p.id,
          title: p.title,
          kind: p.kind,
          required: required.has(p.id),
          requirementIds: p.requirementIds,
          citation: p.citation,
          reason: p.reason,
          criteria: p.criteria,
          steps: p.steps.map((s) => ({
            id: s.id,
            kind: s.kind,
            title: s.title,
            text: s.kind === 'confirm' ? s.question : s.kind === 'action' ? s.instruction : null,
            ms: s.kind === 'watch' ? s.ms : s.kind === 'output' ? s.durationMs : null,
          })),
          latest: latest.has(p.id) ? summary(latest.get(p.id)!) : null,
          runnable: blocked === null,
          blockedReason: blocked,
        };
      });
      const defs = listDeficiencies(db, { siteId: run.siteId, openingId: o.opening_id }).map(deficiencyView);
      return {
        runId: run.id,
        opening: o,
        expectedMode: o.fail_mode,
        modeReason: modeReason(o),
        findings: evaluateOpening(o),
        status: openingRow(run, o, attempts, defs.filter((d) => d.status === 'open').length).status,
        procedures,
        deficiencies: defs,
      };
    },
    runProcedure: async (input) => {
      const run = runOrThrow(input.runId);
      const o = openingOrThrow(run, input.openingId);
      return startAttempt(run, o, plan(o, input.procedureId, run.settings), { link: input.link, answers: input.answers, supersedes: null });
    },
    answerPrompt: (input) => {
      const a = state.active.get(input.attemptId);
      if (!a) throw new ApiError('conflict', `Attempt ${input.attemptId} is not running.`);
      return { accepted: a.runner.answer(input.promptId, input.answer) };
    },
    abortProcedure: async (input) => {
      const a = state.active.get(input.attemptId);
      // Stop on a test that has just ended (a double tap, a late click) answers with how it ended.
      if (!a) return summary(attemptOrThrow(input.attemptId));
      a.runner.abort();
      await a.runner.done.catch(() => undefined);
      return summary(attemptOrThrow(input.attemptId));
    },
    getAttempt: (input) => detail(attemptOrThrow(input.attemptId)),
    recordChecklistItem: (input) => {
      const run = runOrThrow(input.runId);
      const o = openingOrThrow(run, input.openingId);
      return recordChecklist(run, o, plan(o, input.procedureId, run.settings), input.answers, null, input.note);
    },
    retest: async (input) => {
      const old = attemptOrThrow(input.attemptId);
      if (state.active.has(old.id)) throw new ApiError('conflict', `Attempt ${old.id} is still running.`);
      const run = runOrThrow(old.runId);
      const o = openingOrThrow(run, old.openingId);
      const p = plan(o, old.procedureId, run.settings);
      if (p.kind === 'checklist') {
        if (!input.answers) throw new ApiError('validation', 'A checklist retest needs the answers.');
        return summary(attemptOrThrow(recordChecklist(run, o, p, input.answers, old.id).id));
      }
      return startAttempt(run, o, p, { link: input.link, answers: input.answers, supersedes: old.id });
    },
    listDeficiencies: (input) =>
      listDeficiencies(db, { siteId: input.siteId, runId: input.runId, openingId: input.openingId })
        .map(deficiencyView)
        .filter((d) => input.status === undefined || d.status === input.status),
    createDeficiency: (input) => {
      if (!getSite(db, input.siteId)) throw new ApiError('not-found', `There is no site ${input.siteId}.`);
      if (!getOpeningById(db, input.siteId, input.openingId))
        throw new ApiError('not-found', `Opening "${input.openingId}" is not in this site's schedule: check the door tag.`);
      if (input.runId !== undefined && runOrThrow(input.runId).siteId !== input.siteId)
        throw new ApiError('validation', `Run ${input.runId} belongs to another site.`);
      return deficiencyView(
        createDeficiency(
          db,
          {
            siteId: input.siteId,
            runId: input.runId ?? null,
            openingId: input.openingId,
            procedureId: null,
            stepResultId: null,
            severity: input.severity,
            description: input.description,
            source: 'manual',
            createdBy: input.createdBy,
          },
          now(),
        ),
      );
    },
    setDeficiencyStatus: (input) => {
      const d = getDeficiency(db, input.deficiencyId);
      if (!d) throw new ApiError('not-found', `There is no deficiency ${input.deficiencyId}.`);
      if (input.status === 'accepted-by-ahj' && !input.note.trim())
        throw new ApiError('validation', 'Acceptance by the AHJ needs a note: who accepted what, and when.', [
          { field: 'note', reason: 'required' },
        ]);
      let retest: number | null = null;
      if (input.status === 'fixed-retested') {
        if (input.retestAttemptId === undefined)
          throw new ApiError('validation', 'Fixed-retested needs the passing retest attempt.', [
            { field: 'retestAttemptId', reason: 'required' },
          ]);
        const a = attemptOrThrow(input.retestAttemptId);
        const verdict: Verdict | undefined = a.end?.verdict;
        if (a.openingId !== d.openingId)
          throw new ApiError('validation', `Attempt ${a.id} tested opening ${a.openingId}, not ${d.openingId}.`);
        if (verdict !== 'pass')
          throw new ApiError(
            'validation',
            `Attempt ${a.id} did not pass (${verdict ?? 'not finished'}); a deficiency is fixed only after a passing retest.`,
          );
        retest = a.id;
      }
      return deficiencyView(
        setDeficiencyStatus(
          db,
          { deficiencyId: d.id, status: input.status, note: input.note, by: input.by, retestAttemptId: retest },
          now(),
        ),
      );
    },
    fixByRetest: (input) => {
      const a = attemptOrThrow(input.attemptId);
      if (a.end?.verdict !== 'pass')
        throw new ApiError('validation', 'Only a passing test can close deficiencies: this one did not pass, so they stay open.');
      const run = runOrThrow(a.runId);
      const fixed = listDeficiencies(db, { siteId: run.siteId, openingId: a.openingId }).filter(
        (d) => d.source === 'step' && d.procedureId === a.procedureId && currentStatus(d).status === 'open',
      );
      const note =
        input.note ||
        `retest passed (${a.plan.title}, ${new Date(a.end.endedAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })})`;
      return db.transaction(() =>
        fixed.map((d) =>
          deficiencyView(
            setDeficiencyStatus(db, { deficiencyId: d.id, status: 'fixed-retested', note, by: input.by, retestAttemptId: a.id }, now()),
          ),
        ),
      );
    },
    attachPhoto: (input) => {
      const d = getDeficiency(db, input.deficiencyId);
      if (!d) throw new ApiError('not-found', `There is no deficiency ${input.deficiencyId}.`);
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(input.contentBase64))
        throw new ApiError('validation', 'contentBase64 is not base64.', [{ field: 'contentBase64', reason: 'not base64' }]);
      const bytes = Buffer.from(input.contentBase64, 'base64');
      if (bytes.length === 0) throw new ApiError('validation', 'The photo is empty.');
      const wrongType = photoTypeProblem(bytes, input.mimeType);
      if (wrongType) throw new ApiError('validation', wrongType, [{ field: 'contentBase64', reason: wrongType }]);
      const sha256 = storePhoto(ctx.dataDir, bytes);
      const a = insertAttachment(
        db,
        { deficiencyId: d.id, sha256, fileName: input.fileName, mimeType: input.mimeType, size: bytes.length },
        d.runId,
        now(),
      );
      return { id: a.id, sha256: a.sha256, fileName: a.fileName, mimeType: a.mimeType, size: a.size, createdAt: a.createdAt };
    },
    getPhoto: (input) => {
      const a = getAttachmentBySha(db, input.sha256);
      if (!a) throw new ApiError('not-found', `No photo with hash ${input.sha256}.`);
      let bytes: Buffer;
      try {
        bytes = readPhoto(ctx.dataDir, a.sha256);
      } catch (err) {
        throw new ApiError('internal', (err as Error).message);
      }
      return {
        attachment: { id: a.id, sha256: a.sha256, fileName: a.fileName, mimeType: a.mimeType, size: a.size, createdAt: a.createdAt },
        contentBase64: bytes.toString('base64'),
      };
    },
    verifyEventLog: () => verifyEventLog(db),
  };
}

export const PROCEDURE_CATALOG_IDS = CATALOG.map((d) => d.id);
