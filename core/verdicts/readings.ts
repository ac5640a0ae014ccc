// Raw PD input values read through the opening's binding and polarity
// (docs/wiring.md). OSDP ISTATR: 0 inactive, 1 active; v2.2.2 adds
// 2 short, 3 open circuit, 4 fault, 5 unknown. Anything but 0/1 — or an unbound
// point, or a reply too short to hold the point — is a fault, never a value.
import type { Opening } from '../schedule/types';

export type Fault = 'unbound' | 'short' | 'open' | 'fault' | 'unknown' | 'missing' | 'invalid';

export type Interpreted<T extends string> =
  { ok: true; value: T; raw: number } | { ok: false; fault: Fault; raw: number | null; reason: string };

export interface DoorReading {
  lockStatus: Interpreted<'secured' | 'released'>;
  dps: Interpreted<'open' | 'closed'>;
  rex: Interpreted<'active' | 'inactive'>;
}

const FAULT_CODES: Record<number, Fault> = { 2: 'short', 3: 'open', 4: 'fault', 5: 'unknown' };
const FAULT_WORDS: Record<Fault, string> = {
  unbound: 'is not wired in the schedule',
  short: 'reports a short circuit (2)',
  open: 'reports an open circuit (3) — unwired or broken',
  fault: 'reports a fault (4)',
  unknown: 'reports an unknown state (5)',
  missing: 'is missing from the PD reply',
  invalid: 'reports an invalid value',
};

function raw<T extends string>(name: string, point: number | null, values: readonly number[], active: T, inactive: T): Interpreted<T> {
  if (point === null) return { ok: false, fault: 'unbound', raw: null, reason: `${name} ${FAULT_WORDS.unbound}` };
  const v = values[point];
  if (v === undefined) return { ok: false, fault: 'missing', raw: null, reason: `${name} (input ${point}) ${FAULT_WORDS.missing}` };
  if (v === 1) return { ok: true, value: active, raw: v };
  if (v === 0) return { ok: true, value: inactive, raw: v };
  const fault = FAULT_CODES[v] ?? 'invalid';
  return { ok: false, fault, raw: v, reason: `${name} (input ${point}) ${FAULT_WORDS[fault]}${fault === 'invalid' ? ` ${v}` : ''}` };
}

export type Binding = Pick<Opening, 'lock_status_input' | 'dps_input' | 'rex_input' | 'lock_status_active' | 'dps_active'>;

/** Reads one ISTATR value array through the opening's binding and polarity. */
export function interpretInputs(b: Binding, values: readonly number[]): DoorReading {
  const lockActive = b.lock_status_active;
  const lockInactive = lockActive === 'secured' ? 'released' : 'secured';
  const dpsActive = b.dps_active;
  const dpsInactive = dpsActive === 'open' ? 'closed' : 'open';
  return {
    lockStatus: raw('lock-status', b.lock_status_input, values, lockActive, lockInactive),
    dps: raw('door position', b.dps_input, values, dpsActive, dpsInactive),
    rex: raw('REX', b.rex_input, values, 'active', 'inactive'),
  };
}

/** The raw output state from OSTATR (ON / OFF), before the opening's polarity says what it means. */
export function outputOn(point: number | null, values: readonly number[]): boolean | null {
  if (point === null) return null;
  const v = values[point];
  return v === undefined ? null : v !== 0;
}

export type OutputBinding = Pick<Opening, 'lock_output' | 'alarm_output' | 'lock_output_active' | 'alarm_output_active'>;

/** The physical output state (ON / OFF) that puts a point at rest (lock power on, no alarm) or applies the test stimulus. */
export function outputStateFor(o: OutputBinding, point: 'lock_output' | 'alarm_output', effect: 'rest' | 'stimulus'): 'on' | 'off' {
  // At rest: lock power present / no alarm. ON means that at rest for lock "power-on" and alarm "no-alarm".
  const onAtRest = point === 'lock_output' ? o.lock_output_active !== 'power-off' : o.alarm_output_active === 'no-alarm';
  return onAtRest === (effect === 'rest') ? 'on' : 'off';
}

/** Whether an output reads at rest through the opening's polarity; null when unbound or missing from the reply. */
export function outputAtRest(o: OutputBinding, point: 'lock_output' | 'alarm_output', values: readonly number[]): boolean | null {
  const on = outputOn(o[point], values);
  return on === null ? null : on === (outputStateFor(o, point, 'rest') === 'on');
}

/** Lock power present, read through the lock output's polarity. */
export const lockPowerOn = (o: OutputBinding, values: readonly number[]): boolean | null => outputAtRest(o, 'lock_output', values);

/** Fire alarm simulated, read through the alarm output's polarity. */
export function alarmActive(o: OutputBinding, values: readonly number[]): boolean | null {
  const rest = outputAtRest(o, 'alarm_output', values);
  return rest === null ? null : !rest;
}
