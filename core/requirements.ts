// Code requirements as DATA keyed by code edition (transcribed from published code summaries).
// Logic (rules, procedures, reports) refers to requirement ids only; section numbers
// live here, so a project can adopt another edition or an AHJ amendment by data.
//
// The figures come from secondary sources, not the paid code texts. IBC 2024
// reorganised the locking-arrangement sections; where our sources give no 2024
// number the entry says so (null) and cite() prints "section to confirm" rather
// than inventing one; likewise NFPA 80's inspection items (our sources give no
// section numbers for them). Integrators fill them in with withOverrides().

import type { LockingArrangement } from './schedule/types';

export const EDITIONS = ['IBC 2021', 'IBC 2024', 'NFPA 101', 'NFPA 72', 'NFPA 80', 'FAR'] as const;
export type Edition = (typeof EDITIONS)[number];

/** What cite() prints when no editions are given: one IBC edition (2021) plus the NFPA codes and procurement rules. */
export const DEFAULT_EDITIONS: readonly Edition[] = ['IBC 2021', 'NFPA 101', 'NFPA 72', 'NFPA 80', 'FAR'];

export type RequirementGroup =
  | 'arrangement'
  | 'door-hardware-release'
  | 'sensor-release'
  | 'delayed-egress'
  | 'controlled-egress'
  | 'elevator-lobby'
  | 'fire-alarm'
  | 'fire-door'
  | 'mode'
  | 'procurement'
  | 'power';

/** A number a project may adjust (e.g. AHJ approval of a 30 s delay). */
export interface Threshold {
  value: number;
  unit: 'in' | 'mm' | 's' | 'min' | 'lbf' | 'N' | 'ft' | 'years';
  label: string;
}

export interface Requirement {
  id: string;
  group: RequirementGroup;
  title: string;
  /** What must be true, in plain words (what a technician checks). */
  text: string;
  /** Section per edition; null = the edition covers it but the number is not confirmed here. Absent = edition has no such section. */
  sources: Partial<Record<Edition, string | null>>;
  /** Where there is no code section (owner policy, DoorCx design rule): said in words. */
  basis?: string;
  thresholds?: Record<string, Threshold>;
}

const ARR = 'arrangement' as const;
const r = (x: Requirement): Requirement => x;

const list: Requirement[] = [
  // Locking arrangements: which section governs an opening (and so which tests apply).
  r({
    id: 'LA-normal',
    group: ARR,
    title: 'Normal locking arrangement',
    text: 'Mechanical free egress at all times; the electrified hardware only controls entry.',
    sources: {},
    basis: 'No special locking arrangement: general egress door requirements apply',
  }),
  r({
    id: 'LA-door-hardware-release',
    group: ARR,
    title: 'Door hardware release of electrically locked egress doors',
    text: 'Electrified hardware on the door leaf releases the electric lock.',
    sources: { 'IBC 2021': '1010.2.11', 'IBC 2024': null, 'NFPA 101': '7.2.1.5.x' },
  }),
  r({
    id: 'LA-sensor-release',
    group: ARR,
    title: 'Sensor release of electrically locked egress doors',
    text: 'An egress-side sensor plus a manual "PUSH TO EXIT" device release the lock.',
    sources: { 'IBC 2021': '1010.2.12', 'IBC 2024': null, 'NFPA 101': '7.2.1.6.2' },
  }),
  r({
    id: 'LA-delayed-egress-15',
    group: ARR,
    title: 'Delayed egress (15 s)',
    text: 'The door releases 15 seconds after the egress push starts.',
    sources: { 'IBC 2021': '1010.2.13', 'IBC 2024': null, 'NFPA 101': '7.2.1.6.1' },
  }),
  r({
    id: 'LA-delayed-egress-30',
    group: ARR,
    title: 'Delayed egress (30 s, AHJ approval)',
    text: 'The door releases 30 seconds after the egress push starts, where the AHJ approved the longer delay.',
    sources: { 'IBC 2021': '1010.2.13', 'IBC 2024': null, 'NFPA 101': '7.2.1.6.1' },
  }),
  r({
    id: 'LA-controlled-egress',
    group: ARR,
    title: 'Controlled egress doors in Groups I-1 and I-2',
    text: 'Clinical areas where staff release the doors.',
    sources: { 'IBC 2021': '1010.2.14', 'IBC 2024': null },
  }),
  r({
    id: 'LA-elevator-lobby',
    group: ARR,
    title: 'Elevator lobby exit access doors',
    text: 'Electrically locked doors from an elevator lobby.',
    sources: { 'IBC 2024': null, 'NFPA 101': '7.2.1.6.3' },
  }),
  r({
    id: 'LA-stair-reentry',
    group: ARR,
    title: 'Stairway doors (re-entry)',
    text: 'Stair side locked; remote unlock from the fire command center.',
    sources: { 'IBC 2021': '1010.2.7', 'IBC 2024': null, 'NFPA 101': '7.2.1.5.x' },
  }),

  // Door hardware release (DHR)
  dhr(1, 'Releasing hardware on the leaf, operable with one hand, mounted 34–48 in (864–1219 mm) above the floor.', {
    minHeight: { value: 34, unit: 'in', label: 'minimum mounting height' },
    maxHeight: { value: 48, unit: 'in', label: 'maximum mounting height' },
  }),
  dhr(2, 'Operating the releasing hardware cuts lock power directly and unlocks at once (test with the controller offline).'),
  dhr(3, 'Loss of lock power unlocks the door.'),
  dhr(4, 'Where panic hardware is required, pushing it releases the lock.'),

  // Sensor release (SR)
  sr(1, 'The egress-side sensor unlocks the door on approach; loss of sensor power unlocks it.'),
  sr(2, 'Loss of lock power unlocks the door.'),
  sr(3, 'A manual unlocking device 40–48 in (1016–1219 mm) high, within 5 ft (1524 mm) of the door, signed "PUSH TO EXIT".', {
    minHeight: { value: 40, unit: 'in', label: 'minimum mounting height' },
    maxHeight: { value: 48, unit: 'in', label: 'maximum mounting height' },
    maxDistance: { value: 5, unit: 'ft', label: 'maximum distance from the door' },
  }),
  sr(4, 'The manual device cuts lock power directly; the door stays unlocked at least 30 s (cover the sensor while timing).', {
    minUnlocked: { value: 30, unit: 's', label: 'minimum unlocked time' },
  }),
  sr(5, 'Fire-alarm activation unlocks the door until the alarm is reset.'),
  sr(6, 'Sprinkler waterflow or automatic detection unlocks the door until reset.'),

  // Delayed egress (DE)
  de(1, 'Sprinkler or detection activation gives immediate egress.'),
  de(2, 'Loss of lock power gives immediate egress.'),
  de(3, 'Remote cancel from the fire command center releases the lock.'),
  de(
    4,
    'A push of at most 15 lbf (67 N) held at most 3 s starts an irreversible release; the door releases within 15 s (30 s with AHJ approval). Measure push → release.',
    {
      maxForce: { value: 15, unit: 'lbf', label: 'maximum actuating force' },
      maxHold: { value: 3, unit: 's', label: 'maximum time the push is held' },
      maxDelay: { value: 15, unit: 's', label: 'maximum release delay (30 s with AHJ approval)' },
    },
  ),
  de(5, 'An audible signal sounds at the door when the release starts.'),
  de(6, 'After release, the door relocks only by hand.'),
  de(7, 'Sign "PUSH UNTIL ALARM SOUNDS. DOOR CAN BE OPENED IN 15 [30] SECONDS"; the number matches the measured delay.'),

  // Controlled egress (CE)
  ce(1, 'Automatic detection or sprinkler activation unlocks the door.'),
  ce(2, 'Loss of power unlocks the door.'),
  ce(3, 'A remote switch cuts lock power directly.'),

  // Elevator lobby (EL)
  r({
    id: 'EL',
    group: 'elevator-lobby',
    title: 'Elevator lobby release',
    text: 'Unlocks on loss of power and on any alarm initiation other than a pull station; stays unlocked until manual reset.',
    sources: { 'IBC 2024': null, 'NFPA 101': '7.2.1.6.3' },
  }),

  // Fire alarm release (NFPA 72, 21.9 in recent editions)
  fa(1, 'Every lock on an egress door is connected to the fire alarm system.'),
  fa(
    2,
    'Any alarm signal unlocks the door in the egress direction; test each initiating type in the design (pull station, smoke, waterflow).',
  ),
  fa(3, 'The unlock happens before or with the alarm notification; log both timestamps.'),
  fa(4, 'The door stays unlocked until manual reset (silencing is not a reset).'),
  fa(5, 'Locks held by fire alarm panel batteries unlock within 10 min of primary power loss.', {
    maxUnlockAfterPowerLoss: { value: 10, unit: 'min', label: 'maximum time to unlock after primary power loss' },
  }),

  // NFPA 80 annual inspection of rated fire doors (items, then the record).
  ...[
    'Labels are present and legible.',
    'No open holes or breaks in the door or frame surfaces.',
    'Glazing, vision light frames and glazing beads are intact and securely fastened.',
    'Door, frame, hinges, hardware and noncombustible threshold are secured, aligned and in working order with no visible damage.',
    'No parts are missing or broken.',
    'Clearance under the bottom of the door is at most 3/4 in (19 mm).',
    'Clearance at the top, hinge and latch edges is at most 1/8 in (3 mm).',
    'The self-closing device closes the door completely from the fully open position.',
    'On a pair, the coordinator closes the inactive leaf before the active leaf.',
    'Latching hardware engages when the door closes.',
    'No auxiliary hardware interferes with or prohibits the door from closing.',
    'No field modifications have been made that void the label.',
    'Gasketing and edge seals are present and intact where required.',
    'Signage on the door complies.',
  ].map((text, i) =>
    r({
      id: `NFPA80-${i + 1}`,
      group: 'fire-door',
      title: `Fire door inspection item ${i + 1}`,
      text,
      sources: { 'NFPA 80': null },
      ...(i === 5 ? { thresholds: { maxBottom: { value: 19, unit: 'mm', label: 'maximum clearance under the door' } } } : {}),
      ...(i === 6 ? { thresholds: { maxEdge: { value: 3, unit: 'mm', label: 'maximum clearance at top, hinge and latch edges' } } } : {}),
    }),
  ),
  r({
    id: 'NFPA80-RECORD',
    group: 'fire-door',
    title: 'Fire door inspection record',
    text:
      'The record carries the date, facility name and address, inspector names, company, signature, and per door: opening id, location, type, ' +
      'visual and functional verification, deficiencies.',
    sources: { 'NFPA 80': null },
  }),
  r({
    id: 'NFPA80-RETENTION',
    group: 'fire-door',
    title: 'Fire door record retention',
    text: 'Inspection records are kept at least 3 years.',
    sources: { 'NFPA 80': null },
    thresholds: { minYears: { value: 3, unit: 'years', label: 'minimum retention' } },
  }),

  // Mode rules with no single code section: DoorCx design rules and owner policy.
  r({
    id: 'MODE-MAGLOCK',
    group: 'mode',
    title: 'Maglocks are fail-safe',
    text: 'An electromagnetic lock holds only while powered, so it can only be fail-safe; a schedule that says otherwise is wrong.',
    sources: {},
    basis: 'Physics of electromagnetic locks (DoorCx design rule)',
  }),
  r({
    id: 'MODE-SECURE-ROOM',
    group: 'mode',
    title: 'High-value rooms stay locked on power loss',
    text: 'Server rooms, evidence, pharmacy, records and similar rooms are expected to stay locked when power fails.',
    sources: {},
    basis: "Owner's security requirement (DoorCx design rule)",
  }),
  r({
    id: 'MODE-PERIMETER',
    group: 'mode',
    title: 'Perimeter doors stay locked on power loss',
    text: 'Perimeter doors usually stay locked on power loss so the building is not left open.',
    sources: {},
    basis: "Owner's security requirement (DoorCx design rule)",
  }),
  r({
    id: 'MODE-CODE-BASIS',
    group: 'mode',
    title: 'Record the code basis',
    text: 'Each egress or special-arrangement opening records the rule or AHJ decision its mode comes from, so the next audit is not a guessing game.',
    sources: {},
    basis: 'DoorCx per-opening record',
  }),

  // Procurement
  r({
    id: 'PROC-NDAA-889',
    group: 'procurement',
    title: 'NDAA §889 covered equipment',
    text: 'Some buyers may not procure video surveillance and telecommunications equipment from covered manufacturers; the device must be cleared.',
    sources: { FAR: '52.204-25' },
    basis: 'NDAA FY2019 §889',
  }),
  r({
    id: 'PROC-TAA',
    group: 'procurement',
    title: 'Trade Agreements Act country of origin',
    text: 'Federal buyers require products made or substantially transformed in the U.S. or a designated country.',
    sources: { FAR: '52.225-5' },
    basis: 'Trade Agreements Act (19 U.S.C. 2501 et seq.)',
  }),

  // Power sizing (core/power): supply output, standby battery, fire-alarm release of the supply
  r({
    id: 'PWR-SIZE',
    group: 'power',
    title: 'Lock power supply sized for its load',
    text: 'The locks and accessories on a supply draw no more than its derated output, at normal load and with every fail-secure lock released at once.',
    sources: {},
    basis: "Manufacturer's rating with the project's sizing margin (default 80 %)",
  }),
  r({
    id: 'PWR-STANDBY',
    group: 'power',
    title: 'Standby battery holds each opening in its intended state',
    text: 'On loss of mains the battery keeps fail-safe locks locked and fail-secure releases working for the standby time the code basis or AHJ sets.',
    sources: {},
    basis:
      'Standby time set per site from the code basis or AHJ (access-control standby level, or the fire-alarm interface where the supply serves it)',
  }),
  r({
    id: 'PWR-VOLTAGE',
    group: 'power',
    title: 'Lock voltage matches its supply',
    text: "The lock's rated voltage matches the supply output, and the voltage and current measured at the door match the schedule.",
    sources: {},
    basis: "Lock manufacturer's rating",
  }),
];

function dhr(n: number, text: string, thresholds?: Record<string, Threshold>): Requirement {
  return group(
    'DHR',
    n,
    'door-hardware-release',
    'Door hardware release',
    text,
    { 'IBC 2021': '1010.2.11', 'IBC 2024': null, 'NFPA 101': '7.2.1.5.x' },
    thresholds,
  );
}
function sr(n: number, text: string, thresholds?: Record<string, Threshold>): Requirement {
  return group(
    'SR',
    n,
    'sensor-release',
    'Sensor release',
    text,
    { 'IBC 2021': '1010.2.12', 'IBC 2024': null, 'NFPA 101': '7.2.1.6.2' },
    thresholds,
  );
}
function de(n: number, text: string, thresholds?: Record<string, Threshold>): Requirement {
  return group(
    'DE',
    n,
    'delayed-egress',
    'Delayed egress',
    text,
    { 'IBC 2021': '1010.2.13', 'IBC 2024': null, 'NFPA 101': '7.2.1.6.1' },
    thresholds,
  );
}
function ce(n: number, text: string): Requirement {
  return group('CE', n, 'controlled-egress', 'Controlled egress', text, { 'IBC 2021': '1010.2.14', 'IBC 2024': null });
}
function fa(n: number, text: string, thresholds?: Record<string, Threshold>): Requirement {
  return group('FA', n, 'fire-alarm', 'Fire alarm release', text, { 'NFPA 72': '21.9' }, thresholds);
}
function group(
  prefix: string,
  n: number,
  g: RequirementGroup,
  title: string,
  text: string,
  sources: Requirement['sources'],
  thresholds?: Record<string, Threshold>,
): Requirement {
  return { id: `${prefix}-${n}`, group: g, title: `${title} ${n}`, text, sources, ...(thresholds ? { thresholds } : {}) };
}

export const REQUIREMENTS: ReadonlyMap<string, Requirement> = new Map(list.map((q) => [q.id, q]));

export function getRequirement(id: string, table: ReadonlyMap<string, Requirement> = REQUIREMENTS): Requirement {
  const q = table.get(id);
  if (!q) throw new Error(`Unknown requirement id "${id}"`);
  return q;
}

/** The requirement that governs a locking arrangement. */
export function arrangementRequirementId(arrangement: LockingArrangement): string {
  return `LA-${arrangement}`;
}

/** The testable requirements that apply to an arrangement (each becomes a procedure step). */
export const ARRANGEMENT_TESTS: Record<LockingArrangement, readonly string[]> = {
  normal: [],
  'door-hardware-release': ['DHR-1', 'DHR-2', 'DHR-3', 'DHR-4'],
  'sensor-release': ['SR-1', 'SR-2', 'SR-3', 'SR-4', 'SR-5', 'SR-6'],
  'delayed-egress-15': ['DE-1', 'DE-2', 'DE-3', 'DE-4', 'DE-5', 'DE-6', 'DE-7'],
  'delayed-egress-30': ['DE-1', 'DE-2', 'DE-3', 'DE-4', 'DE-5', 'DE-6', 'DE-7'],
  'controlled-egress': ['CE-1', 'CE-2', 'CE-3'],
  'elevator-lobby': ['EL'],
  'stair-reentry': [],
};

/** All requirement ids of a group, in order. */
export function requirementsInGroup(g: RequirementGroup, table: ReadonlyMap<string, Requirement> = REQUIREMENTS): Requirement[] {
  return [...table.values()].filter((q) => q.group === g);
}

/**
 * "IBC 2021 1010.2.12; NFPA 101 7.2.1.6.2" — the sections of one or more requirements in the given
 * editions (DEFAULT_EDITIONS when none). Falls back to the requirement's basis when no edition covers it.
 */
export function cite(
  requirementId: string | readonly string[],
  editions: readonly Edition[] = DEFAULT_EDITIONS,
  table = REQUIREMENTS,
): string {
  const ids = typeof requirementId === 'string' ? [requirementId] : requirementId;
  const parts: string[] = [];
  for (const id of ids) {
    const q = getRequirement(id, table);
    let any = false;
    for (const e of editions) {
      if (!(e in q.sources)) continue;
      const section = q.sources[e];
      parts.push(section === null || section === undefined ? `${e} (section to confirm)` : `${e} ${section}`);
      any = true;
    }
    if (!any) parts.push(q.basis ?? q.title);
  }
  return [...new Set(parts)].join('; ');
}

/** A project's requirement table: the built-in one with sections or thresholds overridden (AHJ amendments, adopted edition). */
export function withOverrides(
  overrides: Record<string, { sources?: Requirement['sources']; thresholds?: Record<string, Partial<Threshold>> }>,
  table: ReadonlyMap<string, Requirement> = REQUIREMENTS,
): ReadonlyMap<string, Requirement> {
  const out = new Map(table);
  for (const [id, o] of Object.entries(overrides)) {
    const q = getRequirement(id, table);
    const thresholds = { ...q.thresholds };
    for (const [k, v] of Object.entries(o.thresholds ?? {})) {
      const base = thresholds[k];
      if (!base) throw new Error(`Requirement ${id} has no threshold "${k}"`);
      thresholds[k] = { ...base, ...v };
    }
    out.set(id, { ...q, sources: { ...q.sources, ...o.sources }, ...(q.thresholds ? { thresholds } : {}) });
  }
  return out;
}

/** A threshold's value, e.g. threshold('DE-4', 'maxDelay') → 15. */
export function threshold(requirementId: string, key: string, table = REQUIREMENTS): Threshold {
  const t = getRequirement(requirementId, table).thresholds?.[key];
  if (!t) throw new Error(`Requirement ${requirementId} has no threshold "${key}"`);
  return t;
}
