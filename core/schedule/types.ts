// The door schedule's vocabulary: one opening = one door assembly.
// Canonical column names follow the office export format (snake_case);
// the import maps real-world headers onto these (see core/schedule/columns.ts).

export const CATEGORIES = ['egress', 'perimeter', 'high-security', 'interior'] as const;
export type Category = (typeof CATEGORIES)[number];

export const LOCKING_ARRANGEMENTS = [
  'normal',
  'door-hardware-release',
  'sensor-release',
  'delayed-egress-15',
  'delayed-egress-30',
  'controlled-egress',
  'elevator-lobby',
  'stair-reentry',
] as const;
export type LockingArrangement = (typeof LOCKING_ARRANGEMENTS)[number];

export const LOCK_TYPES = [
  'maglock',
  'electric-strike',
  'electrified-mortise',
  'electrified-exit-device',
  'electrified-cylindrical',
  'other',
] as const;
export type LockType = (typeof LOCK_TYPES)[number];

export const FAIL_MODES = ['fail-safe', 'fail-secure'] as const;
export type FailMode = (typeof FAIL_MODES)[number];

export const EGRESS_STRATEGIES = ['mechanical', 'electronic'] as const;
export type EgressStrategy = (typeof EGRESS_STRATEGIES)[number];

export const TRI_STATES = ['yes', 'no', 'unknown'] as const;
export type TriState = (typeof TRI_STATES)[number];

export const LOCK_STATUS_POLARITIES = ['secured', 'released'] as const;
export type LockStatusPolarity = (typeof LOCK_STATUS_POLARITIES)[number];

export const DPS_POLARITIES = ['open', 'closed'] as const;
export type DpsPolarity = (typeof DPS_POLARITIES)[number];

/** What the lock output ON means: lock power present (the usual wiring) or dropped (a normally-closed contact). */
export const LOCK_OUTPUT_POLARITIES = ['power-on', 'power-off'] as const;
export type LockOutputPolarity = (typeof LOCK_OUTPUT_POLARITIES)[number];

/** What the alarm output ON means: the fire alarm simulated (the usual wiring) or no alarm (a normally-closed contact). */
export const ALARM_OUTPUT_POLARITIES = ['alarm', 'no-alarm'] as const;
export type AlarmOutputPolarity = (typeof ALARM_OUTPUT_POLARITIES)[number];

export const SEVERITIES = ['life-safety', 'security', 'compliance', 'procurement'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One opening as stored and edited. Optional wiring points are null when not wired. */
export interface Opening {
  opening_id: string;
  building: string;
  floor: string;
  location: string;
  door_type: string;
  frame_type: string;
  /** Fire rating in minutes; 0 = not rated. */
  fire_rating_min: number;
  category: Category;
  locking_arrangement: LockingArrangement;
  lock_type: LockType;
  fail_mode: FailMode;
  egress: EgressStrategy;
  fire_alarm_release: boolean;
  hardware_set: string;
  power_supply: string;
  /** Volts DC/AC as written on the schedule, e.g. 24. Null when unknown. */
  lock_voltage: number | null;
  lock_current_ma: number | null;
  /** OSDP peripheral address 0-126; null when the opening has no controller binding. */
  pd_address: number | null;
  lock_output: number | null;
  alarm_output: number | null;
  dps_input: number | null;
  lock_status_input: number | null;
  rex_input: number | null;
  code_basis: string;
  ndaa_889: TriState;
  taa: TriState;
  notes: string;
  lock_status_active: LockStatusPolarity;
  dps_active: DpsPolarity;
  lock_output_active: LockOutputPolarity;
  alarm_output_active: AlarmOutputPolarity;
  /** Columns the import did not recognise, kept verbatim (header → value). */
  extras: Record<string, string>;
}

export type OpeningField = Exclude<keyof Opening, 'extras'>;

/** A rule violation on one opening (see core/rules). */
export interface Finding {
  rule_id: string;
  severity: Severity;
  message: string;
  /** Where the requirement comes from, e.g. "IBC 2021 1010.2.12; NFPA 101 7.2.1.6.2". */
  requirement: string;
}

/** One changed field of one opening: who, when, old and new value. */
export interface EditRecord {
  id: number;
  at: string;
  editor: string;
  field: string;
  oldValue: string;
  newValue: string;
  source: 'form' | 'import';
}
