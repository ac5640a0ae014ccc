// The schedule rules as data (the rules a schedule must meet, by locking
// arrangement). A rule fires when every condition of `when` holds and, if given, at
// least one block of `anyOf`. Messages and requirement ids may use {field} placeholders,
// filled from the opening. Requirement ids resolve to sections through core/requirements.

import type { OpeningField, Severity } from '../schedule/types';

/** A condition on one field: the value is one of `in`, or none of `notIn`. */
export type Condition = { in: readonly (string | number | boolean)[] } | { notIn: readonly (string | number | boolean)[] };
export type When = Partial<Record<OpeningField, Condition>>;

export interface RuleDef {
  id: string;
  severity: Severity;
  /** Within one severity, lower comes first (e.g. perimeter ranks below high-security). */
  priority: number;
  when: When;
  anyOf?: When[];
  /** Plain words: what is wrong and why it matters. */
  message: string;
  /** Requirement ids (core/requirements.ts); "LA-{locking_arrangement}" picks the arrangement's section. */
  requirements: readonly string[];
}

export const RULES: readonly RuleDef[] = [
  {
    id: 'maglock-fail-secure',
    severity: 'life-safety',
    priority: 1,
    when: { lock_type: { in: ['maglock'] }, fail_mode: { in: ['fail-secure'] } },
    message:
      'A maglock holds only while powered, so it can only be fail-safe. The schedule says fail-secure: either the lock type or the mode is wrong, ' +
      'and the power-drop test would be judged against the wrong expectation.',
    requirements: ['MODE-MAGLOCK'],
  },
  {
    id: 'fire-alarm-release-fail-secure',
    severity: 'life-safety',
    priority: 1,
    when: { fire_alarm_release: { in: [true] }, fail_mode: { in: ['fail-secure'] } },
    message:
      'The fire alarm releases this door by removing lock power, but a fail-secure lock stays locked without power: during an alarm the door ' +
      'would stay locked and could trap people. It must be fail-safe (or not tied to the alarm).',
    requirements: ['FA-2'],
  },
  {
    id: 'electronic-egress-fail-secure',
    severity: 'life-safety',
    priority: 1,
    when: { category: { in: ['egress'] }, egress: { in: ['electronic'] }, fail_mode: { in: ['fail-secure'] } },
    message:
      'People leave through this egress door only by an electronic release. A fail-secure lock stays locked when power fails, so a power ' +
      'loss would leave no way out. It must be fail-safe.',
    requirements: ['DHR-3', 'SR-2'],
  },
  {
    id: 'special-arrangement-fail-secure',
    severity: 'life-safety',
    priority: 2,
    when: { fail_mode: { in: ['fail-secure'] }, locking_arrangement: { notIn: ['normal'] } },
    message:
      'Fail-secure is acceptable on an egress path only under the normal arrangement, where mechanical hardware always lets people out. ' +
      'The {locking_arrangement} arrangement relies on the lock releasing when power is removed, which a fail-secure lock does not do.',
    requirements: ['LA-{locking_arrangement}'],
  },
  {
    id: 'high-security-fail-safe',
    severity: 'security',
    priority: 1,
    when: { category: { in: ['high-security'] }, fail_mode: { in: ['fail-safe'] } },
    message:
      'This high-security room is on fail-safe hardware: it unlocks whenever power fails or is cut, leaving the room open to anyone. ' +
      'High-value rooms are normally fail-secure with mechanical egress.',
    requirements: ['MODE-SECURE-ROOM'],
  },
  {
    id: 'perimeter-fail-safe',
    severity: 'security',
    priority: 2,
    when: { category: { in: ['perimeter'] }, fail_mode: { in: ['fail-safe'] } },
    message:
      'This perimeter door is on fail-safe hardware: a power failure unlocks the building from outside. Confirm this is intended ' +
      '(and recorded in the code basis) or use fail-secure hardware with mechanical egress.',
    requirements: ['MODE-PERIMETER'],
  },
  {
    id: 'code-basis-missing',
    severity: 'compliance',
    priority: 1,
    when: { code_basis: { in: [''] } },
    anyOf: [{ category: { in: ['egress'] } }, { locking_arrangement: { notIn: ['normal'] } }],
    message:
      'No code basis is recorded for this egress or special-arrangement opening. Record the code section or AHJ decision the mode comes ' +
      'from, so the next audit is not a guessing game.',
    requirements: ['MODE-CODE-BASIS', 'LA-{locking_arrangement}'],
  },
  {
    id: 'ndaa-889-not-cleared',
    severity: 'procurement',
    priority: 1,
    when: { ndaa_889: { in: ['no', 'unknown'] } },
    message:
      'NDAA §889 clearance is "{ndaa_889}" for this hardware. Buyers bound by §889 may not accept it until the device is confirmed cleared.',
    requirements: ['PROC-NDAA-889'],
  },
  {
    id: 'taa-not-compliant',
    severity: 'procurement',
    priority: 2,
    when: { taa: { in: ['no', 'unknown'] } },
    message: 'TAA compliance is "{taa}" for this hardware. Federal buyers may not accept it until the country of origin is confirmed.',
    requirements: ['PROC-TAA'],
  },
];
