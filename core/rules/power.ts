// The power-sizing rules (evaluated per supply by core/power/analyze.ts, which fills in the
// numbers): their ids, severities and requirement ids, as data beside the schedule rules.
import type { Severity } from '../schedule/types';

export interface PowerRuleDef {
  id: string;
  /** The severity, or one per case where the openings on the supply decide it. */
  severity: Severity;
  title: string;
  requirements: readonly string[];
}

const rule = (id: string, severity: Severity, title: string, requirements: readonly string[]): PowerRuleDef => ({
  id,
  severity,
  title,
  requirements,
});

export const POWER_RULES = {
  /** Over derated capacity at normal load; life-safety when an opening on it needs electric release to let people out. */
  overloadNormalEgress: rule('power-overload-normal', 'life-safety', 'Supply overloaded at normal load', ['PWR-SIZE']),
  overloadNormal: rule('power-overload-normal', 'security', 'Supply overloaded at normal load', ['PWR-SIZE']),
  overloadPeakEgress: rule('power-overload-peak', 'life-safety', 'Supply overloaded when every fail-secure lock releases', ['PWR-SIZE']),
  overloadPeak: rule('power-overload-peak', 'compliance', 'Supply overloaded when every fail-secure lock releases', ['PWR-SIZE']),
  batteryFailSafe: rule('power-battery-short-fail-safe', 'security', 'Battery too small: fail-safe doors unlock early', ['PWR-STANDBY']),
  batteryFailSecure: rule('power-battery-short-fail-secure', 'life-safety', 'Battery too small: electric release stops working', [
    'PWR-STANDBY',
  ]),
  batteryStrings: rule('power-battery-strings', 'compliance', 'Batteries cannot make up the output voltage', ['PWR-STANDBY']),
  faNotReleased: rule('power-fa-supply-not-released', 'life-safety', 'Fire-alarm door on a supply the fire alarm does not release', [
    'FA-2',
  ]),
  voltageMismatch: rule('power-voltage-mismatch', 'compliance', 'Lock voltage does not match its supply', ['PWR-VOLTAGE']),
  currentUnknown: rule('power-current-unknown', 'compliance', 'Lock current not given: the load is understated', ['PWR-SIZE']),
  noSupply: rule('power-no-supply', 'compliance', 'Opening on no power supply', ['PWR-SIZE']),
  unknownSupply: rule('power-unknown-supply', 'compliance', 'Opening on a supply not in the list', ['PWR-SIZE']),
  measuredMismatch: rule('power-measured-mismatch', 'compliance', 'Measured lock voltage or current differs from the schedule', [
    'PWR-VOLTAGE',
  ]),
} as const;
