// A meter reading typed at the door ("23.1 V", "480 mA", "0,48 A") compared with the
// schedule's lock voltage and current within the site's tolerances. Pure.
import { cite } from '../requirements';
import { POWER_RULES } from '../rules/power';
import { normalizeCurrentMa, normalizeVoltage } from '../schedule/normalize';
import type { Opening } from '../schedule/types';

/** What a reading is compared with: the schedule's values for the opening. */
export type MeasuredOpening = Pick<Opening, 'opening_id' | 'power_supply' | 'lock_voltage' | 'lock_current_ma'>;
import type { PowerFinding } from './analyze';
import type { PowerMeasurement, PowerSettings } from './types';

type Parsed = { ok: true; value: number | null } | { ok: false; reason: string };

/** "24", "23.8 V", "23,8 VDC" → volts; blank → null. */
export function parseMeasuredVoltage(text: string): Parsed {
  const v = normalizeVoltage(text);
  if (v === null) return { ok: true, value: null };
  if (typeof v !== 'number' || v < 0 || v > 60)
    return { ok: false, reason: 'Measured voltage must be a number of volts from 0 to 60 (e.g. "23.8 V")' };
  return { ok: true, value: v };
}

/** "480 mA", "0.48 A", "0,48 A" → mA; a bare number is mA (as the schedule's lock current). */
export function parseMeasuredCurrent(text: string): Parsed {
  const v = normalizeCurrentMa(text);
  if (v === null) return { ok: true, value: null };
  if (typeof v !== 'number' || v < 0 || v > 20000)
    return { ok: false, reason: 'Measured current must be from 0 to 20000 mA; write the unit ("480 mA" or "0.48 A")' };
  return { ok: true, value: v };
}

export interface MeasurementCheck {
  voltageDiffPct: number | null;
  currentDiffPct: number | null;
  /** Plain-words differences beyond tolerance. */
  problems: string[];
  /** What was within tolerance, in words (e.g. "voltage within ±10 %"). */
  within: string[];
  /** Readings that could not be compared, and why (a reading with nothing to compare is not a pass). */
  notCompared: string[];
}

const pctDiff = (measured: number, expected: number) =>
  expected === 0 ? (measured === 0 ? 0 : Infinity) : ((measured - expected) / expected) * 100;
const round1 = (x: number) => Math.round(x * 10) / 10;

export function checkMeasurement(o: MeasuredOpening, m: PowerMeasurement, settings: PowerSettings): MeasurementCheck {
  const problems: string[] = [];
  const within: string[] = [];
  const notCompared: string[] = [];
  let voltageDiffPct: number | null = null;
  let currentDiffPct: number | null = null;
  if (m.voltage !== null && o.lock_voltage === null) notCompared.push('voltage: the schedule gives no lock voltage');
  if (m.current_ma !== null && o.lock_current_ma === null) notCompared.push('current: the schedule gives no lock current');
  if (m.voltage !== null && o.lock_voltage !== null) {
    voltageDiffPct = pctDiff(m.voltage, o.lock_voltage);
    if (Math.abs(voltageDiffPct) <= settings.voltageTolerancePct) within.push(`voltage within ±${settings.voltageTolerancePct} %`);
    else
      problems.push(
        `${m.voltage} V measured at the lock, the schedule says ${o.lock_voltage} V (${round1(voltageDiffPct)} %, tolerance ±${settings.voltageTolerancePct} %)` +
          (m.voltage < o.lock_voltage
            ? ': a starved lock holds weakly or releases late (voltage drop on the wire run or an overloaded supply)'
            : ''),
      );
  }
  if (m.current_ma !== null && o.lock_current_ma !== null) {
    currentDiffPct = pctDiff(m.current_ma, o.lock_current_ma);
    if (Math.abs(currentDiffPct) <= settings.currentTolerancePct) within.push(`current within ±${settings.currentTolerancePct} %`);
    else
      problems.push(
        `${m.current_ma} mA measured, the schedule says ${o.lock_current_ma} mA (${Number.isFinite(currentDiffPct) ? round1(currentDiffPct) : '∞'} %, tolerance ±${settings.currentTolerancePct} %): ` +
          'the supply sizing used the schedule figure',
      );
  }
  return { voltageDiffPct, currentDiffPct, problems, within, notCompared };
}

/** The finding a reading beyond tolerance gives (null when within tolerance). */
export function measurementFinding(o: MeasuredOpening, m: PowerMeasurement, settings: PowerSettings): PowerFinding | null {
  const c = checkMeasurement(o, m, settings);
  if (c.problems.length === 0) return null;
  const rule = POWER_RULES.measuredMismatch;
  return {
    rule_id: rule.id,
    severity: rule.severity,
    message: `At ${o.opening_id} on ${m.at.slice(0, 10)} (${m.technician}): ${c.problems.join('; ')}.`,
    requirement: cite(rule.requirements),
    supplyId: o.power_supply || null,
    openingIds: [o.opening_id],
  };
}
