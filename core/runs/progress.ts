// Where a run stands, as pure functions over the schedule and the latest verdicts:
// why the schedule expects an opening's mode, which procedures an opening needs to
// pass, an opening's status and its line in the progress (from its attempts), counts
// for progress (per floor too), and finding the next opening (door tag, search, floor
// route). No I/O: the runs handlers feed them rows.
import { expectedModeWord, proceduresFor, type ProjectSettings } from '../procedures';
import type { Opening } from '../schedule/types';
import type { Verdict } from '../verdicts/types';
import { parseDoorTag, sameSite } from './door-tag';

export type OpeningStatus = 'untested' | 'pass' | 'fail' | 'inconclusive' | 'incomplete';

export interface ProgressCounts {
  total: number;
  tested: number;
  passed: number;
  failed: number;
  inconclusive: number;
  incomplete: number;
  remaining: number;
}

/** The procedures an opening must pass: power-drop, and alarm-release where the schedule ties it to the fire alarm. */
export function requiredProcedureIds(o: Opening): Set<string> {
  return new Set(o.fire_alarm_release ? ['power-drop', 'alarm-release'] : ['power-drop']);
}

/** Why the schedule expects this mode, in words (shown first on the checklist). */
export function modeReason(o: Opening): string {
  const parts: string[] = [];
  if (o.fail_mode === 'fail-safe') {
    if (o.lock_type === 'maglock') parts.push('a maglock can only be fail-safe');
    if (o.fire_alarm_release) parts.push('the schedule ties it to the fire alarm, so it must release on alarm');
    if (o.category === 'egress' && o.egress === 'electronic')
      parts.push('an egress door with electronic-only egress must release on power loss');
    if (o.locking_arrangement !== 'normal') parts.push(`the ${o.locking_arrangement} arrangement requires release on loss of power`);
  } else {
    if (o.category === 'perimeter') parts.push('a perimeter door stays locked on power loss so the building is not left open');
    if (o.category === 'high-security') parts.push('a high-security room stays locked on power loss');
    if (o.egress === 'mechanical') parts.push('mechanical hardware still lets people out from the inside');
  }
  if (parts.length === 0) parts.push('as scheduled');
  const basis = o.code_basis ? ` Code basis: ${o.code_basis}.` : ' No code basis recorded on the schedule.';
  return `Expected ${expectedModeWord(o.fail_mode)}: ${parts.join('; ')}.${basis}`;
}

/** An opening's status from the latest verdict of each applicable procedure (null = not run). */
export function openingStatus(procedures: readonly { required: boolean; verdict: Verdict | null }[]): OpeningStatus {
  const recorded = procedures.filter((r) => r.verdict !== null);
  if (recorded.length === 0) return 'untested';
  if (recorded.some((r) => r.verdict === 'fail')) return 'fail';
  if (recorded.some((r) => r.verdict === 'inconclusive')) return 'inconclusive';
  return procedures.filter((r) => r.required).every((r) => r.verdict === 'pass') ? 'pass' : 'incomplete';
}

export function progressOf(rows: readonly { status: OpeningStatus }[]): ProgressCounts {
  const p: ProgressCounts = { total: rows.length, tested: 0, passed: 0, failed: 0, inconclusive: 0, incomplete: 0, remaining: 0 };
  for (const r of rows) {
    if (r.status === 'untested') p.remaining++;
    else p.tested++;
    if (r.status === 'pass') p.passed++;
    if (r.status === 'fail') p.failed++;
    if (r.status === 'inconclusive') p.inconclusive++;
    if (r.status === 'incomplete') p.incomplete++;
  }
  return p;
}

/** The latest attempt of each procedure: the one no later attempt supersedes (a retest keeps the old attempt). */
export function latestByProcedure<A extends { procedureId: string; supersededBy: number | null }>(attempts: readonly A[]): Map<string, A> {
  const m = new Map<string, A>();
  for (const a of attempts) if (a.supersededBy === null) m.set(a.procedureId, a);
  return m;
}

/** One opening's line in the run's progress: each applicable procedure with its latest verdict, and the status. */
export interface OpeningProgress {
  openingId: string;
  floor: string;
  location: string;
  category: Opening['category'];
  failMode: Opening['fail_mode'];
  lockType: Opening['lock_type'];
  arrangement: Opening['locking_arrangement'];
  status: OpeningStatus;
  /** Latest verdict per applicable procedure (null = not run yet). */
  procedures: { id: string; title: string; kind: 'automatic' | 'checklist'; required: boolean; verdict: Verdict | null }[];
  openDeficiencies: number;
}

export function openingProgress(
  o: Opening,
  settings: ProjectSettings,
  attempts: readonly { procedureId: string; supersededBy: number | null; end: { verdict: Verdict } | null }[],
  openDeficiencies: number,
): OpeningProgress {
  const latest = latestByProcedure(attempts);
  const required = requiredProcedureIds(o);
  const procedures = proceduresFor(o, settings).map((p) => ({
    id: p.id,
    title: p.title,
    kind: p.kind,
    required: required.has(p.id),
    verdict: latest.get(p.id)?.end?.verdict ?? null,
  }));
  return {
    openingId: o.opening_id,
    floor: o.floor,
    location: o.location,
    category: o.category,
    failMode: o.fail_mode,
    lockType: o.lock_type,
    arrangement: o.locking_arrangement,
    status: openingStatus(procedures),
    procedures,
    openDeficiencies,
  };
}

/** Progress per floor, floors in the order the rows first name them (schedule order). */
export function progressByFloor(rows: readonly { floor: string; status: OpeningStatus }[]): (ProgressCounts & { floor: string })[] {
  const floors = [...new Set(rows.map((r) => r.floor))];
  return floors.map((floor) => ({ floor, ...progressOf(rows.filter((r) => r.floor === floor)) }));
}

export interface FindOpening {
  /** A typed or scanned door tag: the exact id, a door label's QR payload (with its site), or an old "DOORCX:<id>" label. */
  tag?: string;
  /** Id or location text. */
  search?: string;
  /** The floor route: the first not-yet-tested opening after `afterOpeningId` (on `floor` when given), wrapping. */
  floor?: string;
  afterOpeningId?: string;
}

/**
 * Finds the opening to work on among the run's rows (in schedule order). `site` is the
 * run's site name: a label printed for another site finds nothing and names its site
 * (`otherSite`), so the wrong door is never opened.
 */
export function findOpening<R extends { openingId: string; location: string; floor: string; status: OpeningStatus }>(
  rows: readonly R[],
  q: FindOpening,
  site?: string,
): { how: 'tag' | 'search' | 'route'; next: R | null; matches: R[]; otherSite?: string } {
  if (q.tag) {
    const tag = parseDoorTag(q.tag);
    if (tag.site !== null && (site === undefined || !sameSite(tag.site, site)))
      return { how: 'tag', next: null, matches: [], otherSite: tag.site };
    const id = tag.openingId.toLowerCase();
    const hit = rows.find((r) => r.openingId.toLowerCase() === id) ?? null;
    return { how: 'tag', next: hit, matches: hit ? [hit] : [] };
  }
  if (q.search) {
    const s = q.search.toLowerCase();
    const matches = rows.filter((r) => r.openingId.toLowerCase().includes(s) || r.location.toLowerCase().includes(s));
    return { how: 'search', next: matches[0] ?? null, matches: matches.slice(0, 50) };
  }
  const route = rows.filter((r) => q.floor === undefined || r.floor === q.floor);
  const start = q.afterOpeningId ? route.findIndex((r) => r.openingId === q.afterOpeningId) + 1 : 0;
  const ordered = [...route.slice(start), ...route.slice(0, start)];
  const todo = ordered.filter((r) => r.status === 'untested' || r.status === 'incomplete');
  return { how: 'route', next: todo[0] ?? null, matches: todo.slice(0, 50) };
}
