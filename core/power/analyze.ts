// The load model: per opening, the current it draws in its intended (locked) state and
// while released; per supply, normal and peak load against the derated output, battery
// hours on standby, and the findings with their reasons in plain words. Pure; reruns on
// every edit, so one pass over the openings with a Map per supply.
import { cite } from '../requirements';
import { POWER_RULES, type PowerRuleDef } from '../rules/power';
import { severityRank } from '../rules';
import { normalizeCurrentMa, squash } from '../schedule/normalize';
import { SEVERITIES, type Finding, type Opening, type Severity } from '../schedule/types';
import { DEFAULT_POWER_SETTINGS, type PowerSettings, type PowerSupply } from './types';

/** A power finding: a rule finding plus the supply and the openings it is about. */
export interface PowerFinding extends Finding {
  supplyId: string | null;
  openingIds: string[];
}

/** The opening fields the load model reads (the database loads only these). */
export type PowerOpening = Pick<
  Opening,
  'opening_id' | 'category' | 'fail_mode' | 'egress' | 'fire_alarm_release' | 'power_supply' | 'lock_voltage' | 'lock_current_ma' | 'extras'
>;

// Optional per-opening columns the schedule keeps as extras (matched ignoring case and punctuation).
// Every name contains "accessor" or "inrush": db/power reads extras only when one of those occurs.
const ACCESSORY_HEADERS = new Set(['accessory', 'accessorycurrent', 'accessorycurrentma', 'accessoriesma', 'accessoryma', 'accessories']);
const INRUSH_HEADERS = new Set(['inrush', 'inrushma', 'inrushcurrent', 'inrushcurrentma']);

function extraCurrents(extras: Record<string, string>): { accessory: number; inrush: number | null; unreadable: string | null } {
  let accessory = 0;
  let inrush: number | null = null;
  let unreadable: string | null = null;
  for (const header in extras) {
    const k = squash(header);
    const isAcc = ACCESSORY_HEADERS.has(k);
    if (!isAcc && !INRUSH_HEADERS.has(k)) continue;
    const v = normalizeCurrentMa(extras[header]);
    if (v === null) continue;
    if (typeof v !== 'number' || v < 0 || v > 20000) {
      unreadable = `${header} "${extras[header]}"`;
      continue;
    }
    if (isAcc) accessory = v;
    else inrush = v;
  }
  return { accessory, inrush, unreadable };
}

/** Egress through this fail-secure opening depends on its electric release (so a dead supply traps people). */
export function releaseRequired(o: PowerOpening): boolean {
  return o.fail_mode === 'fail-secure' && (o.egress === 'electronic' || o.fire_alarm_release);
}

export interface SupplyReport {
  supply: PowerSupply;
  openingIds: string[];
  failSafeCount: number;
  failSecureCount: number;
  normalMa: number;
  peakMa: number;
  ratedMa: number;
  deratedMa: number;
  /** Normal and peak load as a share of the derated capacity (1 = exactly at it). */
  normalRatio: number;
  peakRatio: number;
  /** Battery capacity counted after strings and derating, Ah. */
  usableAh: number;
  /** Usable Ah ÷ standby load; null when nothing draws on standby (the battery is not the limit). */
  batteryHours: number | null;
  requiredHours: number;
  /** Hours to recharge the usable capacity at the charger current; null when not given. */
  rechargeHours: number | null;
  findings: PowerFinding[];
}

export interface PowerAnalysis {
  settings: PowerSettings;
  supplies: SupplyReport[];
  /** Every finding, worst first (supply findings and openings on no / an unknown supply). */
  findings: PowerFinding[];
  findingsBySeverity: Record<Severity, number>;
  openingCount: number;
}

const fmtA = (ma: number) => `${(Math.round(ma) / 1000).toFixed(2)} A`;
const fmtH = (h: number) => `${Math.round(h * 10) / 10} h`;
const LIST_MAX = 12;
function listIds(ids: readonly string[]): string {
  return ids.length <= LIST_MAX ? ids.join(', ') : `${ids.slice(0, LIST_MAX).join(', ')} and ${ids.length - LIST_MAX} more`;
}

const citations = new Map<PowerRuleDef, string>();
function finding(rule: PowerRuleDef, message: string, supplyId: string | null, openingIds: string[]): PowerFinding {
  let requirement = citations.get(rule);
  if (requirement === undefined) citations.set(rule, (requirement = cite(rule.requirements)));
  return { rule_id: rule.id, severity: rule.severity, message, requirement, supplyId, openingIds };
}

interface Acc {
  supply: PowerSupply;
  ids: string[];
  failSafe: string[];
  failSecure: string[];
  releaseRequired: string[];
  faNotReleased: string[];
  voltageMismatch: string[];
  currentUnknown: string[];
  unreadable: string[];
  normalMa: number;
  peakMa: number;
}

/** Usable battery Ah: whole strings of batteries in series reaching the output voltage, in parallel, derated. */
export function usableBatteryAh(s: PowerSupply, batteryDerating: number): { usableAh: number; perString: number; strings: number } {
  const perString = Math.max(1, Math.ceil(s.output_voltage / s.battery_voltage - 1e-9));
  // A battery of a higher voltage than the output cannot be charged or used by it.
  const strings = s.battery_voltage > s.output_voltage + 1e-9 ? 0 : Math.floor(s.battery_count / perString);
  const usableAh = s.battery_ah === null ? 0 : s.battery_ah * strings * batteryDerating;
  return { usableAh, perString, strings };
}

export function analyzePower(
  openings: readonly PowerOpening[],
  supplies: readonly PowerSupply[],
  settings: PowerSettings = DEFAULT_POWER_SETTINGS,
): PowerAnalysis {
  const bySupply = new Map<string, Acc>();
  // Openings usually spell the id as the list does: look that up first, without lower-casing.
  const exact = new Map<string, Acc>();
  for (const s of supplies) {
    const acc: Acc = {
      supply: s,
      ids: [],
      failSafe: [],
      failSecure: [],
      releaseRequired: [],
      faNotReleased: [],
      voltageMismatch: [],
      currentUnknown: [],
      unreadable: [],
      normalMa: 0,
      peakMa: 0,
    };
    bySupply.set(s.supply_id.toLowerCase(), acc);
    exact.set(s.supply_id, acc);
  }
  const noSupply: string[] = [];
  // Keyed ignoring case, as supply ids match; the first spelling names the group.
  const unknown = new Map<string, { name: string; ids: string[] }>();

  for (const o of openings) {
    let acc = exact.get(o.power_supply);
    const name = acc ? o.power_supply : o.power_supply.trim();
    if (name === '') {
      noSupply.push(o.opening_id);
      continue;
    }
    acc ??= bySupply.get(name.toLowerCase());
    if (!acc) {
      const group = unknown.get(name.toLowerCase());
      if (group) group.ids.push(o.opening_id);
      else unknown.set(name.toLowerCase(), { name, ids: [o.opening_id] });
      continue;
    }
    // What the opening draws (mA). Standby, the intended locked state: a fail-safe lock holds
    // (draws), a fail-secure one is at rest. Peak, every fail-secure lock released at once: its
    // inrush where given, else its holding current; fail-safe locks still holding. Accessories
    // (REX sensor, door position switch…) draw in both. Computed in place, without an object per
    // opening: this loop runs over every opening on every edit.
    let accessory = 0;
    let inrush: number | null = null;
    let unreadable: string | null = null;
    for (const _ in o.extras) {
      // most schedules have no extras: the scan runs only when there is one
      ({ accessory, inrush, unreadable } = extraCurrents(o.extras));
      break;
    }
    const lock = o.lock_current_ma ?? 0;
    acc.ids.push(o.opening_id);
    if (o.fail_mode === 'fail-safe') {
      acc.normalMa += lock + accessory;
      acc.peakMa += lock + accessory;
      acc.failSafe.push(o.opening_id);
      if (o.fire_alarm_release && !acc.supply.fire_alarm_release) acc.faNotReleased.push(o.opening_id);
    } else {
      acc.normalMa += accessory;
      acc.peakMa += (inrush !== null && inrush > lock ? inrush : lock) + accessory;
      acc.failSecure.push(o.opening_id);
      if (releaseRequired(o)) acc.releaseRequired.push(o.opening_id);
    }
    if (o.lock_current_ma === null) acc.currentUnknown.push(o.opening_id);
    if (unreadable) acc.unreadable.push(`${o.opening_id} (${unreadable})`);
    if (o.lock_voltage !== null && Math.abs(o.lock_voltage - acc.supply.output_voltage) > 1e-9)
      acc.voltageMismatch.push(`${o.opening_id} (${o.lock_voltage} V)`);
  }

  const reports: SupplyReport[] = [];
  const all: PowerFinding[] = [];
  for (const acc of bySupply.values()) {
    const r = supplyReport(acc, settings);
    reports.push(r);
    all.push(...r.findings);
  }
  const haveSupplies = supplies.length > 0;
  if (haveSupplies && noSupply.length > 0)
    all.push(
      finding(
        POWER_RULES.noSupply,
        `${noSupply.length} opening${noSupply.length === 1 ? ' has' : 's have'} no power supply on the schedule (${listIds(noSupply)}): ` +
          'their load is on no supply and their battery time is unknown. Write the supply id in the power_supply column.',
        null,
        noSupply,
      ),
    );
  for (const { name, ids } of unknown.values())
    all.push(
      finding(
        POWER_RULES.unknownSupply,
        `Supply "${name}" feeds ${listIds(ids)} on the schedule but is not in the site's list of power supplies: ` +
          'nothing can be said about its load or battery. Add it to the supplies, or correct the power_supply column.',
        name,
        ids,
      ),
    );
  all.sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  const findingsBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of all) findingsBySeverity[f.severity]++;
  return { settings, supplies: reports, findings: all, findingsBySeverity, openingCount: openings.length };
}

function supplyReport(acc: Acc, settings: PowerSettings): SupplyReport {
  const s = acc.supply;
  const id = s.supply_id;
  const ratedMa = s.rated_current_a * 1000;
  const deratedMa = ratedMa * settings.supplyDerating;
  const { usableAh, perString, strings } = usableBatteryAh(s, settings.batteryDerating);
  const batteryHours = acc.normalMa > 0 ? usableAh / (acc.normalMa / 1000) : null;
  const findings: PowerFinding[] = [];
  const pct = Math.round(settings.supplyDerating * 100);
  const egress = acc.releaseRequired.length > 0;

  if (acc.normalMa > deratedMa) {
    findings.push(
      finding(
        egress ? POWER_RULES.overloadNormalEgress : POWER_RULES.overloadNormal,
        `${id} is overloaded at normal load: its locks draw ${fmtA(acc.normalMa)} with every door locked, more than ${fmtA(deratedMa)} ` +
          `(${pct} % of its ${s.rated_current_a} A rating). An overloaded supply sags or shuts down: fail-safe doors on it unlock` +
          (egress ? `, and the fail-secure doors people leave through (${listIds(acc.releaseRequired)}) cannot be released.` : '.'),
        id,
        acc.ids,
      ),
    );
  } else if (acc.peakMa > deratedMa) {
    findings.push(
      finding(
        egress ? POWER_RULES.overloadPeakEgress : POWER_RULES.overloadPeak,
        `${id} is overloaded at peak load: when every fail-secure lock on it releases at once (as on a fire-alarm release of a stairwell) ` +
          `they draw ${fmtA(acc.peakMa)}, more than ${fmtA(deratedMa)} (${pct} % of its ${s.rated_current_a} A rating). ` +
          'The supply may sag or shut down just when the doors must open' +
          (egress ? `, trapping people behind ${listIds(acc.releaseRequired)}.` : '.'),
        id,
        acc.ids,
      ),
    );
  }

  if (s.battery_ah !== null && s.battery_count > 0 && strings === 0)
    findings.push(
      finding(
        POWER_RULES.batteryStrings,
        (s.battery_voltage > s.output_voltage
          ? `${id} has ${s.battery_voltage} V batteries on a ${s.output_voltage} V output: `
          : `${id} has ${s.battery_count} ${s.battery_count === 1 ? 'battery' : 'batteries'} of ${s.battery_voltage} V, but ${perString} in series are needed to make its ${s.output_voltage} V output: `) +
          'the battery cannot back up this supply at all.',
        id,
        acc.ids,
      ),
    );

  if (s.standby_hours > 0 && batteryHours !== null && batteryHours < s.standby_hours) {
    const onBattery =
      usableAh === 0 ? 'It has no usable battery, so as soon as mains power fails' : `After ${fmtH(batteryHours)} on battery`;
    if (acc.failSafe.length > 0)
      findings.push(
        finding(
          POWER_RULES.batteryFailSafe,
          `${onBattery} these fail-safe doors unlock: ${listIds(acc.failSafe)}. The site requires ${fmtH(s.standby_hours)} of standby ` +
            `(${id}: ${fmtA(acc.normalMa)} standby load, ${Math.round(usableAh * 100) / 100} Ah usable).`,
          id,
          acc.failSafe,
        ),
      );
    if (acc.releaseRequired.length > 0)
      findings.push(
        finding(
          POWER_RULES.batteryFailSecure,
          `${onBattery} the electric release of these fail-secure doors stops working, and people leave through them by that release: ` +
            `${listIds(acc.releaseRequired)}. The site requires ${fmtH(s.standby_hours)} of standby ` +
            `(${id}: ${fmtA(acc.normalMa)} standby load, ${Math.round(usableAh * 100) / 100} Ah usable).`,
          id,
          acc.releaseRequired,
        ),
      );
  }
  // A fail-secure-only supply has no standby lock load; with no battery its releases still die with mains.
  if (s.standby_hours > 0 && batteryHours === null && usableAh === 0 && acc.releaseRequired.length > 0)
    findings.push(
      finding(
        POWER_RULES.batteryFailSecure,
        `${id} has no usable battery, so as soon as mains power fails the electric release of these fail-secure doors stops working, ` +
          `and people leave through them by that release: ${listIds(acc.releaseRequired)}. The site requires ${fmtH(s.standby_hours)} of standby.`,
        id,
        acc.releaseRequired,
      ),
    );

  if (acc.faNotReleased.length > 0)
    findings.push(
      finding(
        POWER_RULES.faNotReleased,
        `These fail-safe doors must release on fire alarm, but ${id} is not released by the fire alarm, so they stay locked during an alarm ` +
          `unless each is released some other way: ${listIds(acc.faNotReleased)}. Tie ${id} to the fire alarm or move the doors to a supply that is.`,
        id,
        acc.faNotReleased,
      ),
    );
  if (acc.voltageMismatch.length > 0)
    findings.push(
      finding(
        POWER_RULES.voltageMismatch,
        `${id} puts out ${s.output_voltage} V but these locks are rated otherwise: ${listIds(acc.voltageMismatch)}. ` +
          'An under-powered lock holds weakly or does not release cleanly; an over-powered one overheats and fails.',
        id,
        acc.voltageMismatch.map((x) => x.replace(/ \(.*$/, '')),
      ),
    );
  if (acc.currentUnknown.length > 0 || acc.unreadable.length > 0)
    findings.push(
      finding(
        POWER_RULES.currentUnknown,
        `The load of ${id} is understated: ` +
          [
            acc.currentUnknown.length > 0 ? `no lock current on the schedule for ${listIds(acc.currentUnknown)}` : '',
            acc.unreadable.length > 0 ? `unreadable current cells for ${listIds(acc.unreadable)}` : '',
          ]
            .filter(Boolean)
            .join('; ') +
          '. Fill in the lock current (mA) so the sizing counts them.',
        id,
        [...acc.currentUnknown, ...acc.unreadable.map((x) => x.replace(/ \(.*$/, ''))],
      ),
    );
  findings.sort((a, b) => severityRank(a.severity) - severityRank(b.severity));

  return {
    supply: s,
    openingIds: acc.ids,
    failSafeCount: acc.failSafe.length,
    failSecureCount: acc.failSecure.length,
    normalMa: acc.normalMa,
    peakMa: acc.peakMa,
    ratedMa,
    deratedMa,
    normalRatio: deratedMa > 0 ? acc.normalMa / deratedMa : 0,
    peakRatio: deratedMa > 0 ? acc.peakMa / deratedMa : 0,
    usableAh,
    batteryHours,
    requiredHours: s.standby_hours,
    rechargeHours: s.charger_current_a && usableAh > 0 ? usableAh / s.charger_current_a : null,
    findings,
  };
}
