// Evaluates the schedule rules (rules.ts) on one opening. Pure: same opening → same findings.
import { cite, type Edition, DEFAULT_EDITIONS, REQUIREMENTS, type Requirement } from '../requirements';
import { SEVERITIES, type Finding, type Opening, type OpeningField, type Severity } from '../schedule/types';
import { RULES, type Condition, type RuleDef, type When } from './rules';

export { RULES, type RuleDef } from './rules';

export interface RuleOptions {
  rules?: readonly RuleDef[];
  editions?: readonly Edition[];
  requirements?: ReadonlyMap<string, Requirement>;
}

function holds(o: Opening, field: OpeningField, c: Condition): boolean {
  const raw = o[field];
  const v = typeof raw === 'string' ? raw.trim() : raw;
  if ('in' in c) return c.in.includes(v as never);
  return !c.notIn.includes(v as never);
}

function matches(o: Opening, when: When): boolean {
  return (Object.entries(when) as [OpeningField, Condition][]).every(([f, c]) => holds(o, f, c));
}

function fill(template: string, o: Opening): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = (o as unknown as Record<string, string | number | boolean | null | undefined>)[name];
    return v === undefined || v === null ? '' : String(v);
  });
}

export function ruleApplies(rule: RuleDef, o: Opening): boolean {
  return matches(o, rule.when) && (!rule.anyOf || rule.anyOf.some((w) => matches(o, w)));
}

/** Every finding for one opening, worst first. */
export function evaluateOpening(o: Opening, options: RuleOptions = {}): Finding[] {
  const rules = options.rules ?? RULES;
  const editions = options.editions ?? DEFAULT_EDITIONS;
  const table = options.requirements ?? REQUIREMENTS;
  const out: (Finding & { rank: number })[] = [];
  for (const rule of rules) {
    if (!ruleApplies(rule, o)) continue;
    const ids = rule.requirements.map((id) => fill(id, o)).filter((id) => id !== 'LA-normal' || rule.requirements.length === 1);
    out.push({
      rule_id: rule.id,
      severity: rule.severity,
      message: fill(rule.message, o),
      requirement: citeCached(ids, editions, table),
      rank: severityRank(rule.severity) * 100 + rule.priority,
    });
  }
  return out.sort((a, b) => a.rank - b.rank).map(({ rank: _rank, ...f }) => f);
}

// cite() is pure over (ids, editions, table); the same few combinations repeat on every opening.
const citeCache = new WeakMap<ReadonlyMap<string, Requirement>, Map<string, string>>();
function citeCached(ids: string[], editions: readonly Edition[], table: ReadonlyMap<string, Requirement>): string {
  let m = citeCache.get(table);
  if (!m) citeCache.set(table, (m = new Map()));
  const key = `${ids.join(',')}|${editions.join(',')}`;
  let c = m.get(key);
  if (c === undefined) m.set(key, (c = cite(ids, editions, table)));
  return c;
}

/** 0 = life-safety (worst) … 3 = procurement. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function worstSeverity(findings: readonly Finding[]): Severity | null {
  let best: Severity | null = null;
  for (const f of findings) if (best === null || severityRank(f.severity) < severityRank(best)) best = f.severity;
  return best;
}
