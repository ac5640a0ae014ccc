// proceduresFor(opening, settings): which procedures apply to an opening and
// their concrete steps, with the project's thresholds filled in.
import { arrangementRequirementId, cite, DEFAULT_EDITIONS, EDITIONS, type Edition } from '../requirements';
import type { Opening } from '../schedule/types';
import { CATALOG, type ProcedureDef } from './catalog';
import type { ProjectSettings } from './settings';
import type { Applicability, PlannedProcedure } from './types';

export * from './types';
export * from './settings';
export { CATALOG, heldRisk, releasedRisk, expectedModeWord, type ProcedureDef } from './catalog';

/** Null when it applies; otherwise the first condition that rules it out, in words. */
export function whyNotApplicable(a: Applicability, o: Opening): string | null {
  if (a.categories && !a.categories.includes(o.category)) return `category is ${o.category}`;
  if (a.modes && !a.modes.includes(o.fail_mode)) return `mode is ${o.fail_mode}`;
  if (a.lockTypes && !a.lockTypes.includes(o.lock_type)) return `lock type is ${o.lock_type}`;
  if (a.arrangements && !a.arrangements.includes(o.locking_arrangement)) return `locking arrangement is ${o.locking_arrangement}`;
  if (a.egress && !a.egress.includes(o.egress)) return `egress is ${o.egress}`;
  if (a.fireAlarmRelease !== undefined && a.fireAlarmRelease !== o.fire_alarm_release)
    return o.fire_alarm_release ? 'released by the fire alarm' : 'not released by the fire alarm';
  if (a.fireRated && !(o.fire_rating_min > 0)) return 'not fire-rated';
  for (const b of a.requiresBinding ?? []) if (o[b] === null) return `${b} is not wired`;
  return null;
}

function reasonFor(def: ProcedureDef, o: Opening): string {
  const a = def.applies;
  const parts: string[] = [];
  if (a.arrangements) parts.push(`locking arrangement ${o.locking_arrangement}`);
  if (a.fireAlarmRelease) parts.push('the schedule ties it to the fire alarm');
  if (a.fireRated) parts.push(`rated ${o.fire_rating_min} min`);
  if (a.egress) parts.push(`${o.egress} egress`);
  if (a.requiresBinding) parts.push(`${a.requiresBinding.join(', ')} wired`);
  if (parts.length === 0) parts.push(`every opening (scheduled ${o.fail_mode})`);
  return `Applies: ${parts.join('; ')}.`;
}

export function requirementIdsFor(def: ProcedureDef, o: Opening): string[] {
  const la = def.verifies.arrangement ? [arrangementRequirementId(o.locking_arrangement)] : [];
  return [...la, ...def.verifies.always, ...(def.verifies.byArrangement?.[o.locking_arrangement] ?? [])];
}

/** The editions cited: the project's IBC edition in place of the default one, plus the NFPA codes. */
export function editionsFor(settings: ProjectSettings): Edition[] {
  const chosen = EDITIONS.find((e) => e === settings.edition);
  if (!chosen || !chosen.startsWith('IBC')) return [...DEFAULT_EDITIONS];
  return [chosen, ...DEFAULT_EDITIONS.filter((e) => !e.startsWith('IBC'))];
}

export function planProcedure(def: ProcedureDef, o: Opening, settings: ProjectSettings): PlannedProcedure {
  const t = settings.thresholds;
  const ids = requirementIdsFor(def, o);
  return {
    id: def.id,
    title: def.title,
    kind: def.kind,
    requirementIds: ids,
    citation: ids.length ? cite(ids, editionsFor(settings)) : '',
    reason: reasonFor(def, o),
    expectedMode: o.fail_mode,
    criteria: def.criteria(t, o),
    steps: def.steps(t, o).map((s) => (s.kind === 'requirement' ? { ...s, citation: cite([s.requirementId], editionsFor(settings)) } : s)),
    thresholds: t,
  };
}

/** Every procedure that applies to the opening, automatic ones first, in catalogue order. */
export function proceduresFor(o: Opening, settings: ProjectSettings): PlannedProcedure[] {
  return CATALOG.filter((d) => whyNotApplicable(d.applies, o) === null).map((d) => planProcedure(d, o, settings));
}

export function procedureDef(id: string): ProcedureDef | undefined {
  return CATALOG.find((d) => d.id === id);
}

/** One procedure for one opening, or an error naming why it does not apply. */
export function procedureFor(o: Opening, id: string, settings: ProjectSettings): PlannedProcedure {
  const def = procedureDef(id);
  if (!def) throw new Error(`Unknown procedure "${id}"; known: ${CATALOG.map((d) => d.id).join(', ')}`);
  const why = whyNotApplicable(def.applies, o);
  if (why) throw new Error(`Procedure "${id}" does not apply to opening ${o.opening_id}: ${why}`);
  return planProcedure(def, o, settings);
}
