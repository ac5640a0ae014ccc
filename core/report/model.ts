// buildReportModel: from a site's schedule and its recorded runs, the typed,
// versioned report model (core/report/schema.ts). Pure: the caller loads the
// rows (report/load.ts) and hashes what needs hashing.
//
// Rules a report must keep: the latest attempt of a procedure counts and every
// earlier one is listed as history (never hidden); an attempt DoorCx never
// finished is inconclusive; an opening with nothing recorded is "not tested";
// person-confirmed evidence stays marked as such.
import { proceduresFor, DEFAULT_SETTINGS, type PlannedProcedure, type ProjectSettings } from '../procedures';
import type { Opening, Severity } from '../schedule/types';
import type { Verdict } from '../verdicts/types';
import {
  REPORT_MODEL_VERSION,
  type HandwrittenSignature,
  type OpeningResult,
  type ReportAttempt,
  type ReportDeficiency,
  type ReportModel,
  type ReportOpening,
  type ReportProcedure,
} from './schema';

export * from './schema';

export interface InputStep {
  stepIndex: number;
  stepId: string;
  kind: string;
  title: string;
  verdict: Verdict;
  reason: string;
  measuredMs: number | null;
  resolutionMs: number | null;
  /** Wall-clock ms. */
  startedAt: number;
  endedAt: number;
  personEvidence: boolean;
}

export interface InputAttempt {
  id: number;
  uuid: string;
  runId: number;
  openingId: string;
  procedureId: string;
  /** The plan's headline: what the report prints of it. */
  plan: Pick<PlannedProcedure, 'title' | 'kind' | 'citation' | 'criteria'>;
  link: string | null;
  startedAt: string;
  supersedes: number | null;
  end: { verdict: Verdict; reason: string; endedAt: string } | null;
  /** A test is running right now (a report cannot be built until it ends). */
  running: boolean;
  /** The committed (not superseded) step results, in step order. */
  steps: InputStep[];
}

export interface InputDeficiency extends Omit<ReportDeficiency, 'status'> {
  runId: number | null;
}

export interface ReportScope {
  /** Empty = every run of the site (the latest result per opening). */
  runIds: number[];
  /** Empty = every floor. */
  floors: string[];
  /** Empty = every opening (on the chosen floors). */
  openingIds: string[];
}

export interface ReportInput {
  generatedAt: string;
  site: { id: number; name: string };
  scope: ReportScope;
  /** The site's openings in schedule order. */
  openings: Opening[];
  modeReason: (o: Opening) => string;
  /** The runs in scope, oldest first. */
  runs: { id: number; technician: string; startedAt: string; settings: ProjectSettings }[];
  /** Every attempt of the runs in scope. */
  attempts: InputAttempt[];
  deficiencies: InputDeficiency[];
  signatures: HandwrittenSignature[];
  witness: { name: string; title: string } | null;
  scheduleHash: string;
  eventLog: { head: string | null; length: number };
}

export interface BuiltModel {
  model: ReportModel;
  /** Why the report cannot be built now (shown in the preview; build refuses). */
  blockers: string[];
}

export const INTERRUPTED_REASON = 'Interrupted: DoorCx stopped before this procedure finished; the result is inconclusive until retested.';

/** Procedures an opening needs for its pass: power-drop, and alarm-release where the schedule ties it to the fire alarm. */
export function requiredProcedureIds(o: Opening): string[] {
  return o.fire_alarm_release ? ['power-drop', 'alarm-release'] : ['power-drop'];
}

function toAttempt(a: InputAttempt): ReportAttempt {
  const interrupted = !a.end && !a.running;
  return {
    id: a.id,
    uuid: a.uuid,
    runId: a.runId,
    startedAt: a.startedAt,
    endedAt: a.end?.endedAt ?? null,
    verdict: a.end?.verdict ?? 'inconclusive',
    reason: a.end?.reason ?? (interrupted ? INTERRUPTED_REASON : 'Still running.'),
    interrupted,
    link: a.link,
    supersedes: a.supersedes,
    steps: a.steps.map((s) => ({
      index: s.stepIndex,
      id: s.stepId,
      kind: s.kind,
      title: s.title,
      verdict: s.verdict,
      reason: s.reason,
      measuredMs: s.measuredMs,
      resolutionMs: s.resolutionMs,
      startedAt: new Date(s.startedAt).toISOString(),
      endedAt: new Date(s.endedAt).toISOString(),
      personEvidence: s.personEvidence,
    })),
  };
}

function openingResultOf(procs: ReportProcedure[]): OpeningResult {
  const finals = procs.map((p) => p.final).filter((a): a is ReportAttempt => a !== null);
  if (finals.length === 0) return 'not-tested';
  if (finals.some((a) => a.verdict === 'fail')) return 'fail';
  if (finals.some((a) => a.verdict === 'inconclusive')) return 'inconclusive';
  return procs.every((p) => !p.required || p.final?.verdict === 'pass') ? 'pass' : 'incomplete';
}

function overallOf(results: OpeningResult[]): OpeningResult {
  if (results.length === 0 || results.every((r) => r === 'not-tested')) return 'not-tested';
  for (const r of ['fail', 'inconclusive'] as const) if (results.includes(r)) return r;
  return results.every((r) => r === 'pass') ? 'pass' : 'incomplete';
}

function countsOf(results: OpeningResult[]) {
  const n = (r: OpeningResult) => results.filter((x) => x === r).length;
  return {
    total: results.length,
    pass: n('pass'),
    fail: n('fail'),
    inconclusive: n('inconclusive'),
    incomplete: n('incomplete'),
    notTested: n('not-tested'),
  };
}

function scopeWords(s: ReportScope): string {
  const parts: string[] = [];
  parts.push(s.runIds.length ? `runs ${s.runIds.join(', ')}` : 'latest result per opening from every run');
  if (s.floors.length) parts.push(`floors ${s.floors.join(', ')}`);
  if (s.openingIds.length) parts.push(`openings ${s.openingIds.join(', ')}`);
  else if (!s.floors.length) parts.push('whole site');
  return parts.join('; ');
}

const list = (ids: string[], max = 20): string =>
  ids.length > max ? `${ids.slice(0, max).join(', ')} and ${ids.length - max} more` : ids.join(', ');

export function buildReportModel(input: ReportInput): BuiltModel {
  const { scope } = input;
  const blockers: string[] = [];
  const floors = new Set(scope.floors);
  const wanted = new Set(scope.openingIds);
  const known = new Set(input.openings.map((o) => o.opening_id));
  for (const id of scope.openingIds) if (!known.has(id)) blockers.push(`Opening "${id}" is not in the site's schedule.`);
  const openings = input.openings.filter((o) => (!floors.size || floors.has(o.floor)) && (!wanted.size || wanted.has(o.opening_id)));
  const inScope = new Set(openings.map((o) => o.opening_id));
  const settings = input.runs[input.runs.length - 1]?.settings ?? DEFAULT_SETTINGS;

  const attemptsByOpening = new Map<string, InputAttempt[]>();
  for (const a of [...input.attempts].sort((x, y) => x.id - y.id)) {
    if (!inScope.has(a.openingId)) continue;
    if (a.running)
      blockers.push(`A test is running on opening ${a.openingId} (${a.plan.title}, attempt ${a.id}): let it finish or stop it first.`);
    const l = attemptsByOpening.get(a.openingId) ?? [];
    l.push(a);
    attemptsByOpening.set(a.openingId, l);
  }

  const runIds = new Set(input.runs.map((r) => r.id));
  const deficiencies: ReportDeficiency[] = input.deficiencies
    .filter((d) => inScope.has(d.openingId) && (d.runId === null || runIds.has(d.runId)))
    .map(({ runId: _runId, ...d }) => ({ ...d, status: d.history[d.history.length - 1]?.status ?? 'open' }));
  const defsByOpening = new Map<string, number[]>();
  for (const d of deficiencies) defsByOpening.set(d.openingId, [...(defsByOpening.get(d.openingId) ?? []), d.id]);

  let firstTest: string | null = null;
  let lastTest: string | null = null;
  const reportOpenings: ReportOpening[] = openings.map((o) => {
    const attempts = attemptsByOpening.get(o.opening_id) ?? [];
    const planned = proceduresFor(o, settings);
    const required = new Set(requiredProcedureIds(o));
    // Applicable procedures in catalogue order, then any recorded one the schedule no longer calls for.
    const ids = [...planned.map((p) => p.id as string)];
    for (const a of attempts) if (!ids.includes(a.procedureId)) ids.push(a.procedureId);
    const procedures: ReportProcedure[] = ids.map((id) => {
      const mine = attempts.filter((a) => a.procedureId === id);
      const plan = mine[mine.length - 1]?.plan ?? planned.find((p) => p.id === id)!;
      for (const a of mine) {
        if (!firstTest || a.startedAt < firstTest) firstTest = a.startedAt;
        const end = a.end?.endedAt ?? a.startedAt;
        if (!lastTest || end > lastTest) lastTest = end;
      }
      return {
        id,
        title: plan.title,
        kind: plan.kind,
        required: required.has(id),
        citation: plan.citation,
        criteria: plan.criteria,
        final: mine.length ? toAttempt(mine[mine.length - 1]!) : null,
        history: mine.slice(0, -1).map(toAttempt),
      };
    });
    const nfpa = procedures.find((p) => p.id === 'check-nfpa80')?.final;
    return {
      openingId: o.opening_id,
      building: o.building,
      floor: o.floor,
      location: o.location,
      category: o.category,
      lockingArrangement: o.locking_arrangement,
      expectedMode: o.fail_mode,
      modeReason: input.modeReason(o),
      codeBasis: o.code_basis,
      fireRatingMin: o.fire_rating_min,
      hardware: {
        lockType: o.lock_type,
        hardwareSet: o.hardware_set,
        powerSupply: o.power_supply,
        lockVoltage: o.lock_voltage,
        lockCurrentMa: o.lock_current_ma,
        pdAddress: o.pd_address,
      },
      procurement: { ndaa889: o.ndaa_889, taa: o.taa },
      result: openingResultOf(procedures),
      procedures,
      nfpa80: nfpa ? nfpa.steps.map((s) => ({ id: s.id, title: s.title, verdict: s.verdict, personEvidence: s.personEvidence })) : null,
      deficiencyIds: defsByOpening.get(o.opening_id) ?? [],
    };
  });

  const results = reportOpenings.map((o) => o.result);
  const floorOrder = [...new Set(reportOpenings.map((o) => o.floor))];
  const byFloor = floorOrder.map((floor) => ({ floor, ...countsOf(reportOpenings.filter((o) => o.floor === floor).map((o) => o.result)) }));

  const warnings: string[] = [];
  const untested = reportOpenings.filter((o) => o.result === 'not-tested').map((o) => o.openingId);
  if (untested.length) warnings.push(`${untested.length} of ${reportOpenings.length} openings not tested: ${list(untested)}.`);
  const incomplete = reportOpenings.filter((o) => o.result === 'incomplete').map((o) => o.openingId);
  if (incomplete.length) warnings.push(`${incomplete.length} openings are missing a required procedure: ${list(incomplete)}.`);
  const interrupted = reportOpenings.flatMap((o) =>
    o.procedures.filter((p) => p.final?.interrupted).map((p) => `${o.openingId} ${p.title} (attempt ${p.final!.id})`),
  );
  if (interrupted.length) warnings.push(`${interrupted.length} interrupted attempts reported inconclusive: ${list(interrupted)}.`);
  const openBySeverity = (s: Severity) => deficiencies.filter((d) => d.severity === s && d.status === 'open');
  const lifeSafety = openBySeverity('life-safety');
  if (lifeSafety.length)
    warnings.push(`${lifeSafety.length} open life-safety deficiencies: ${list([...new Set(lifeSafety.map((d) => d.openingId))])}.`);
  const signedRoles = new Set(input.signatures.map((s) => s.role));
  const missing = (['technician', 'witness'] as const).filter((r) => !signedRoles.has(r));
  if (missing.length) warnings.push(`Not signed by hand by the ${missing.join(' and the ')}: every page is marked DRAFT.`);
  if (settings.ahjNote) warnings.push(`Thresholds follow an AHJ decision: ${settings.ahjNote}`);

  if (reportOpenings.length === 0) blockers.push('No openings in scope: choose another floor or opening selection.');
  else if (!input.attempts.some((a) => inScope.has(a.openingId)))
    blockers.push('No results in scope: no procedure has been recorded on these openings in the chosen runs.');

  const model: ReportModel = {
    format: 'doorcx-commissioning-report',
    version: REPORT_MODEL_VERSION,
    generatedAt: input.generatedAt,
    site: input.site,
    scope: { description: scopeWords(scope), runIds: input.runs.map((r) => r.id), floors: scope.floors, openingIds: scope.openingIds },
    settings: { edition: settings.edition, thresholds: { ...settings.thresholds }, ahjNote: settings.ahjNote },
    technicians: [...new Set(input.runs.map((r) => r.technician))],
    witness: input.witness,
    dates: { firstTest, lastTest },
    overall: overallOf(results),
    summary: { all: countsOf(results), byFloor },
    openings: reportOpenings,
    deficiencies,
    warnings,
    signatures: input.signatures,
    draft: missing.length > 0,
    integrity: { scheduleHash: input.scheduleHash, eventLogHead: input.eventLog.head, eventLogLength: input.eventLog.length },
  };
  return { model, blockers };
}
