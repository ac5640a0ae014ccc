// Evaluates the schedule rules (rules.ts) on one opening. Pure: same opening → same findings.
import { cite, type Edition, DEFAULT_EDITIONS, REQUIREMENTS, type Requirement } from '../requirements';
import { SEVERITIES, type Finding, type Opening, type OpeningField, type Severity } from '../schedule/types';
import { RULES, type Condition, type RuleDef, type When } from './rules';

export { RULES, type RuleDef } from './rules';
export { POWER_RULES, type PowerRuleDef } from './power';

export interface RuleOptions {
  rules?: readonly RuleDef[];
  editions?: readonly Edition[];
  requirements?: ReadonlyMap<string, Requirement>;
}

// Each rule's conditions compiled once (field, value set, in/notIn): the import evaluates
// every rule on 50,000 openings, and Object.entries + Array.includes per call dominated.
interface CompiledCondition {
  field: OpeningField;
  values: ReadonlySet<string | number | boolean>;
  isIn: boolean;
}
const compiledWhen = new WeakMap<When, CompiledCondition[]>();
function compile(when: When): CompiledCondition[] {
  let c = compiledWhen.get(when);
  if (!c) {
    c = (Object.entries(when) as [OpeningField, Condition][]).map(([field, cond]) =>
      'in' in cond ? { field, values: new Set(cond.in), isIn: true } : { field, values: new Set(cond.notIn), isIn: false },
    );
    compiledWhen.set(when, c);
  }
  return c;
}

function holds(o: Opening, conditions: readonly CompiledCondition[]): boolean {
  for (const c of conditions) {
    const raw = o[c.field];
    const v = typeof raw === 'string' ? raw.trim() : raw;
    if (c.values.has(v as never) !== c.isIn) return false;
  }
  return true;
}

function matches(o: Opening, when: When): boolean {
  return holds(o, compile(when));
}

function fill(template: string, o: Opening): string {
  if (!template.includes('{')) return template;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = (o as unknown as Record<string, string | number | boolean | null | undefined>)[name];
    return v === undefined || v === null ? '' : String(v);
  });
}

export function ruleApplies(rule: RuleDef, o: Opening): boolean {
  return matches(o, rule.when) && (!rule.anyOf || rule.anyOf.some((w) => matches(o, w)));
}

const ruleRank = (r: RuleDef) => severityRank(r.severity) * 100 + r.priority;

// A rule list compiled once, worst first: by rank, and in table order within a rank. Evaluated
// in that order, the rules that fire come out sorted (the import evaluates 50,000 openings).
interface CompiledRule {
  rule: RuleDef;
  when: CompiledCondition[];
  anyOf: CompiledCondition[][] | null;
}
const compiledRules = new WeakMap<readonly RuleDef[], CompiledRule[]>();
function compileRules(rules: readonly RuleDef[]): CompiledRule[] {
  let c = compiledRules.get(rules);
  if (!c) {
    c = rules
      .map((rule, i) => ({ i, rule, when: compile(rule.when), anyOf: rule.anyOf?.map(compile) ?? null }))
      .sort((a, b) => ruleRank(a.rule) - ruleRank(b.rule) || a.i - b.i)
      .map(({ rule, when, anyOf }) => ({ rule, when, anyOf }));
    compiledRules.set(rules, c);
  }
  return c;
}

/** The rules that fire on one opening, worst first (the order of evaluateOpening's findings). */
export function firingRules(o: Opening, rules: readonly RuleDef[] = RULES): RuleDef[] {
  const out: RuleDef[] = [];
  for (const r of compileRules(rules)) if (holds(o, r.when) && (r.anyOf === null || r.anyOf.some((w) => holds(o, w)))) out.push(r.rule);
  return out;
}

/** Every finding for one opening, worst first. */
export function evaluateOpening(o: Opening, options: RuleOptions = {}): Finding[] {
  const rules = options.rules ?? RULES;
  const editions = options.editions ?? DEFAULT_EDITIONS;
  const table = options.requirements ?? REQUIREMENTS;
  return firingRules(o, rules).map((rule) => {
    const ids = rule.requirements.map((id) => fill(id, o)).filter((id) => id !== 'LA-normal' || rule.requirements.length === 1);
    return {
      rule_id: rule.id,
      severity: rule.severity,
      message: fill(rule.message, o),
      requirement: citeCached(ids, editions, table),
    };
  });
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
