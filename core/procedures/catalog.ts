// The procedure catalogue (docs/domain.md, "Testable requirements"). Each entry is data:
// when it applies, which requirements it verifies (by arrangement), and a step
// list built from the project's thresholds. Requirement ids are resolved to code
// sections per edition by core/requirements, never hard-coded in logic.
import { REQUIREMENTS } from '../requirements';
import type { Category, FailMode, LockingArrangement, Opening } from '../schedule/types';
import type { Thresholds } from './settings';
import type { Applicability, ConfirmStep, ProcedureId, RequirementStep, StepDef, WatchStep } from './types';

export interface ProcedureDef {
  id: ProcedureId;
  title: string;
  kind: 'automatic' | 'checklist';
  applies: Applicability;
  /** Requirement ids verified, for every opening, plus extra ones by locking arrangement. */
  /**
   * Requirement ids (core/requirements) verified: always, plus extra ones by locking arrangement;
   * `arrangement` adds the opening's arrangement requirement (LA-…), whose behaviour the test proves.
   */
  verifies: { always: string[]; arrangement?: boolean; byArrangement?: Partial<Record<LockingArrangement, string[]>> };
  criteria(t: Thresholds, o: Opening): string[];
  steps(t: Thresholds, o: Opening): StepDef[];
}

const s = (ms: number): string => `${+(ms / 1000).toFixed(3)} s`;
const a = (cat: Category): string => (cat === 'egress' || cat === 'interior' ? 'an' : 'a');

/** Plain-words risk when the lock holds although it should release. */
export function heldRisk(o: Opening, stimulus: 'power loss' | 'fire alarm'): string {
  const who =
    stimulus === 'fire alarm' || o.category === 'egress' || o.egress === 'electronic' || o.locking_arrangement !== 'normal'
      ? 'occupants can be trapped'
      : 'the door will not open for responders when it must';
  return `${o.fail_mode === 'fail-safe' ? 'fail-safe' : 'release'} expected on ${a(o.category)} ${o.category} door; the lock held on ${stimulus} — ${who}`;
}

/** Plain-words risk when a fail-safe lock re-secures while its power is still off. */
function reSecuredRisk(o: Opening): string {
  return `fail-safe expected on ${a(o.category)} ${o.category} door; the lock re-secured while lock power was still off (another feed or a battery keeps it powered) — occupants can be trapped`;
}

/** Plain-words risk when the lock releases although it should hold. */
export function releasedRisk(o: Opening): string {
  return `fail-secure expected on ${a(o.category)} ${o.category} door; the lock released on power loss — the ${o.category === 'high-security' ? 'secured room' : 'door'} is open to anyone whenever power fails`;
}

/** Arrangements whose code requirements include release on loss of lock power (so fail-secure is never allowed). */
const POWER_LOSS_RELEASE: Partial<Record<LockingArrangement, string>> = {
  'door-hardware-release': 'DHR-3',
  'sensor-release': 'SR-2',
  'delayed-egress-15': 'DE-2',
  'delayed-egress-30': 'DE-2',
  'controlled-egress': 'CE-2',
  'elevator-lobby': 'EL',
};

/** A fail-secure schedule where the arrangement requires release on power loss: the step that fails it. */
function modeRequired(o: Opening): RequirementStep[] {
  const id = POWER_LOSS_RELEASE[o.locking_arrangement];
  if (!id || o.fail_mode !== 'fail-secure') return [];
  return [
    {
      kind: 'requirement',
      id: 'mode-required',
      title: 'The scheduled mode meets the locking arrangement',
      requirementId: id,
      failure: `scheduled fail-secure, but the ${o.locking_arrangement} arrangement requires the lock to release on loss of lock power (${id}) — whatever the alarm input does, the door stays locked when power fails; occupants can be trapped`,
      severity: 'life-safety',
    },
  ];
}

const precheck: StepDef = { kind: 'precheck', id: 'precheck', title: 'Before the test: lock power on, lock secured, door closed' };

const relockAfterTimer = (t: Thresholds): WatchStep => ({
  kind: 'watch',
  id: 'relock',
  title: 'Power back: the lock relocks',
  expect: 'relock',
  ms: t.relockMs,
  threshold: 'relockMs',
  clockFrom: 'timer-end',
  missMeans: 'the lock did not relock after lock power came back — the door is left unsecured',
  severity: 'security',
});

const confirm = (
  id: string,
  title: string,
  question: string,
  wrongMeans: string,
  severity: ConfirmStep['severity'],
  extra: Partial<ConfirmStep> = {},
): ConfirmStep => ({
  kind: 'confirm',
  id,
  title,
  question,
  expect: 'yes',
  wrongMeans,
  severity,
  ...extra,
});

function powerDropSteps(t: Thresholds, o: Opening): StepDef[] {
  if (o.fail_mode === 'fail-safe') {
    return [
      precheck,
      {
        kind: 'output',
        id: 'drop-power',
        title: 'Drop lock power (PD-timed: the PD restores it by itself)',
        point: 'lock_output',
        state: 'off',
        durationMs: t.releaseMs + t.holdWindowMs,
        fallbackInstruction: 'Cut lock power at the power supply now (the lock output is not wired to DoorCx).',
      },
      {
        kind: 'watch',
        id: 'release',
        title: `Lock-status reads released within ${s(t.releaseMs)}`,
        expect: 'release',
        ms: t.releaseMs,
        threshold: 'releaseMs',
        clockFrom: 'command',
        diagnose: {
          instruction:
            'The lock is still locked with power reported off. Press the REX button (or present a credential) now, to find out why.',
          watch: 'rex',
        },
        missMeans: heldRisk(o, 'power loss'),
        severity: 'life-safety',
      },
      {
        kind: 'watch',
        id: 'stay-released',
        title: 'Stays released until lock power returns',
        expect: 'stay-released',
        ms: t.holdWindowMs,
        threshold: 'holdWindowMs',
        clockFrom: 'command',
        untilStimulusEnds: true,
        untilWords: 'until power returned',
        missMeans: reSecuredRisk(o),
        severity: 'life-safety',
      },
      confirm(
        'door-opened',
        'The door opens with power dropped',
        'Push the door from the secure side now, while lock power is off: did it open?',
        heldRisk(o, 'power loss'),
        'life-safety',
        {
          during: 'stay-released',
        },
      ),
      { kind: 'restore', id: 'restore-power', title: 'The PD restores lock power when its timer ends', point: 'lock_output' },
      { ...relockAfterTimer(t), earlyMeans: reSecuredRisk(o), earlySeverity: 'life-safety' },
    ];
  }
  return [
    ...modeRequired(o),
    precheck,
    {
      kind: 'output',
      id: 'drop-power',
      title: 'Drop lock power (PD-timed: the PD restores it by itself)',
      point: 'lock_output',
      state: 'off',
      durationMs: t.holdWindowMs + t.pdTimerMarginMs,
      fallbackInstruction: 'Cut lock power at the power supply now (the lock output is not wired to DoorCx).',
    },
    {
      kind: 'watch',
      id: 'hold',
      title: `Lock-status stays secured for ${s(t.holdWindowMs)} and until power returns, also while a release is attempted`,
      expect: 'stay-secured',
      ms: t.holdWindowMs,
      threshold: 'holdWindowMs',
      clockFrom: 'command',
      untilStimulusEnds: true,
      untilWords: 'until power returned',
      attempt: {
        instruction:
          o.rex_input !== null
            ? 'Press the REX button now, while lock power is off (DoorCx sees the REX input: a credential does not count here).'
            : 'Present a credential (or press REX) now, while lock power is off, then tap Done.',
        watch: 'rex',
      },
      missMeans: releasedRisk(o),
      severity: 'security',
    },
    confirm(
      'secure-side-held',
      'The door stays shut from the secure side',
      'Try the door from the secure side now, while lock power is off: did it stay locked?',
      releasedRisk(o),
      'security',
      {
        during: 'hold',
      },
    ),
    confirm(
      'mechanical-egress',
      'Free mechanical egress from the inside',
      'From the inside, operate the lever or panic bar: does the door open freely with one motion?',
      `fail-secure lock on ${a(o.category)} ${o.category} door without free mechanical egress — occupants can be trapped`,
      'life-safety',
    ),
    { kind: 'restore', id: 'restore-power', title: 'The PD restores lock power when its timer ends', point: 'lock_output' },
    relockAfterTimer(t),
  ];
}

const ALARM_RELOCK = 'the lock relocked while the fire alarm was still active (before reset) — occupants can be trapped during a fire';

function alarmSteps(t: Thresholds, o: Opening): StepDef[] {
  const steps: StepDef[] = [
    ...modeRequired(o),
    precheck,
    {
      kind: 'output',
      id: 'alarm-on',
      title: 'Activate the fire-alarm input (PD-timed: the PD resets it by itself)',
      point: 'alarm_output',
      state: 'on',
      durationMs: t.releaseMs + t.alarmHoldMs + t.pdTimerMarginMs,
      fallbackInstruction: 'Activate the fire alarm at the panel now (each initiating type in the design: pull station, smoke, waterflow).',
    },
    {
      kind: 'watch',
      id: 'release',
      title: `Released within ${s(t.releaseMs)} of the alarm`,
      expect: 'release',
      ms: t.releaseMs,
      threshold: 'releaseMs',
      clockFrom: 'command',
      missMeans: heldRisk(o, 'fire alarm'),
      severity: 'life-safety',
    },
    {
      kind: 'watch',
      id: 'stay-released',
      title: `Stays released while the alarm is active (${s(t.alarmHoldMs)}), until reset`,
      expect: 'stay-released',
      ms: t.releaseMs + t.alarmHoldMs,
      threshold: 'alarmHoldMs',
      clockFrom: 'command',
      untilStimulusEnds: true,
      untilWords: 'until the alarm was reset',
      missMeans: ALARM_RELOCK,
      severity: 'life-safety',
    },
  ];
  if (o.alarm_output === null) {
    steps.push(
      confirm(
        'silence-not-reset',
        'Silencing is not a reset',
        'Silence the alarm at the panel (do NOT reset it): did the door stay unlocked?',
        'the lock relocked when the alarm was silenced — silencing is not a reset; occupants can be trapped',
        'life-safety',
        { during: 'stay-released' },
      ),
      {
        kind: 'action',
        id: 'reset',
        title: 'Reset the fire alarm',
        instruction: 'Reset the fire alarm at the panel now.',
        startsClock: true,
      },
    );
  }
  steps.push({ kind: 'restore', id: 'alarm-reset', title: 'Alarm reset: the PD ends the simulated alarm', point: 'alarm_output' });
  steps.push({
    ...relockAfterTimer(t),
    title: 'After reset the lock relocks',
    clockFrom: o.alarm_output === null ? 'action' : 'timer-end',
    earlyMeans: ALARM_RELOCK,
    earlySeverity: 'life-safety',
  });
  return steps;
}

function rexSteps(t: Thresholds): StepDef[] {
  return [
    precheck,
    {
      kind: 'action',
      id: 'press-rex',
      title: 'Request to exit',
      instruction: 'Press the REX button (or walk up to the REX sensor) from the egress side.',
      watch: 'rex',
      startsClock: true,
    },
    {
      kind: 'watch',
      id: 'release',
      title: `Released within ${s(t.rexReleaseMs)} of the REX`,
      expect: 'release',
      ms: t.rexReleaseMs,
      threshold: 'rexReleaseMs',
      clockFrom: 'action',
      missMeans: 'the lock did not release on request-to-exit — the door does not open for people leaving',
      severity: 'life-safety',
    },
    confirm(
      'door-opened',
      'The door opens on REX',
      'Push the door now: did it open?',
      'the door did not open on request-to-exit — people leaving are held',
      'life-safety',
      { during: 'release' },
    ),
    {
      kind: 'watch',
      id: 'relock',
      title: 'The lock relocks after the REX ends and the door closes',
      expect: 'relock',
      ms: t.relockMs + t.holdWindowMs,
      threshold: 'relockMs',
      clockFrom: 'action',
      missMeans: 'the lock did not relock after the request-to-exit — the door is left unsecured',
      severity: 'security',
    },
  ];
}

function manualReleaseSteps(t: Thresholds): StepDef[] {
  return [
    precheck,
    {
      kind: 'action',
      id: 'push-to-exit',
      title: 'Operate the PUSH TO EXIT device',
      instruction: 'Cover the egress sensor, then press the PUSH TO EXIT button once and let go.',
      watch: 'rex',
      startsClock: true,
    },
    {
      kind: 'watch',
      id: 'release',
      title: `Released within ${s(t.releaseMs)}`,
      expect: 'release',
      ms: t.releaseMs,
      threshold: 'releaseMs',
      clockFrom: 'action',
      missMeans: 'the manual unlocking device did not release the lock — it must cut lock power directly; occupants can be trapped',
      severity: 'life-safety',
    },
    {
      kind: 'watch',
      id: 'stay-released',
      title: `Stays unlocked at least ${s(t.manualReleaseHoldMs)}`,
      expect: 'stay-released',
      ms: t.manualReleaseHoldMs,
      threshold: 'manualReleaseHoldMs',
      clockFrom: 'action',
      missMeans: `the door relocked sooner than ${s(t.manualReleaseHoldMs)} after the manual device — occupants can be trapped`,
      severity: 'life-safety',
    },
    confirm(
      'door-opened',
      'The door opens',
      'Push the door now: did it open?',
      'the door did not open after the manual unlocking device — occupants can be trapped',
      'life-safety',
      {
        during: 'stay-released',
      },
    ),
  ];
}

function delayedEgressSteps(t: Thresholds, o: Opening): StepDef[] {
  const limit = o.locking_arrangement === 'delayed-egress-30' ? t.delayedEgress30Ms : t.delayedEgress15Ms;
  return [
    precheck,
    {
      kind: 'action',
      id: 'push',
      title: 'Push the exit device',
      instruction: 'Push the exit device (no more than 15 lbf) and hold it up to 3 s, then let go.',
      watch: 'rex',
      startsClock: true,
    },
    {
      kind: 'watch',
      id: 'release',
      title: `Released within ${s(limit)} of the push`,
      expect: 'release',
      ms: limit,
      threshold: 'delayed-egress',
      clockFrom: 'action',
      missMeans: `the delayed-egress lock did not release within ${s(limit)} of the push — occupants can be trapped`,
      severity: 'life-safety',
    },
    confirm(
      'audible',
      'Audible signal at the door',
      'Did an audible signal sound at the door when the release started?',
      'no audible signal when the delayed release started (DE-5)',
      'compliance',
      { during: 'release' },
    ),
    {
      kind: 'watch',
      id: 'stay-released',
      title: `Stays released (relock only by hand) for ${s(t.holdWindowMs)}`,
      expect: 'stay-released',
      ms: limit + t.holdWindowMs,
      threshold: 'holdWindowMs',
      clockFrom: 'action',
      missMeans: 'the delayed-egress lock relocked by itself after releasing — it must relock only by hand; occupants can be trapped',
      severity: 'life-safety',
    },
    {
      kind: 'action',
      id: 'manual-reset',
      title: 'Reset by hand',
      instruction: 'Reset the delayed-egress device by hand (key switch or reset button) now.',
      startsClock: true,
    },
    {
      ...relockAfterTimer(t),
      title: 'After the manual reset the lock relocks',
      clockFrom: 'action',
    },
  ];
}

function relockSteps(t: Thresholds): StepDef[] {
  return [
    precheck,
    {
      kind: 'watch',
      id: 'relock',
      title: `Secured within ${s(t.relockMs)} with power on and the door closed`,
      expect: 'relock',
      ms: t.relockMs,
      threshold: 'relockMs',
      clockFrom: 'action',
      missMeans: 'the lock does not read secured with power on and the door closed — the door is left unsecured',
      severity: 'security',
    },
    confirm(
      'latched',
      'The door is latched',
      'Close the door and pull it from the secure side: is it latched and locked?',
      'the door does not latch and lock — the door is left unsecured',
      'security',
    ),
  ];
}

const check = (items: [string, string, string][], severity: ConfirmStep['severity']) => (): StepDef[] =>
  items.map(([id, question, wrong]) => confirm(id, question, question, wrong, severity));

/** NFPA 80 inspection items come from the requirement table: one question each. */
const NFPA80_IDS = [...REQUIREMENTS.keys()].filter((id) => /^NFPA80-\d+$/.test(id));

export const CATALOG: readonly ProcedureDef[] = [
  {
    id: 'power-drop',
    title: 'Power drop',
    kind: 'automatic',
    applies: {},
    verifies: {
      always: [],
      arrangement: true,
      byArrangement: {
        'door-hardware-release': ['DHR-3'],
        'sensor-release': ['SR-2'],
        'delayed-egress-15': ['DE-2'],
        'delayed-egress-30': ['DE-2'],
        'controlled-egress': ['CE-2'],
        'elevator-lobby': ['EL'],
      },
    },
    criteria: (t, o) =>
      o.fail_mode === 'fail-safe'
        ? [
            `Lock-status reads released within ${s(t.releaseMs)} of the power drop, and stays released until power returns`,
            'The technician confirms the door opens',
            `Relocks within ${s(t.relockMs)} after power returns`,
          ]
        : [
            `Lock-status stays secured for the whole ${s(t.holdWindowMs)} window and until power returns, also for ${s(t.attemptWatchMs)} after a release attempted with power dropped`,
            'The technician confirms the door stays locked from the secure side',
            'The technician confirms free mechanical egress from the inside',
            `Secured within ${s(t.relockMs)} after power returns`,
          ],
    steps: powerDropSteps,
  },
  {
    id: 'alarm-release',
    title: 'Fire-alarm release',
    kind: 'automatic',
    applies: { fireAlarmRelease: true },
    verifies: {
      always: ['FA-2', 'FA-4'],
      byArrangement: {
        'sensor-release': ['SR-5', 'SR-6'],
        'delayed-egress-15': ['DE-1'],
        'delayed-egress-30': ['DE-1'],
        'controlled-egress': ['CE-1'],
        'elevator-lobby': ['EL'],
      },
    },
    criteria: (t) => [
      `Released within ${s(t.releaseMs)} of the alarm`,
      `Stays released while the alarm is active (${s(t.alarmHoldMs)} at least, watched until reset); silencing is not a reset`,
      `Relocks within ${s(t.relockMs)} after reset`,
    ],
    steps: alarmSteps,
  },
  {
    id: 'rex',
    title: 'Request to exit',
    kind: 'automatic',
    applies: { requiresBinding: ['rex_input'] },
    verifies: { always: [], arrangement: true, byArrangement: { 'sensor-release': ['SR-1'] } },
    criteria: (t) => [
      `Released within ${s(t.rexReleaseMs)} of the REX`,
      'The technician confirms the door opens',
      'Relocks after the REX ends and the door closes',
    ],
    steps: rexSteps,
  },
  {
    id: 'manual-release',
    title: 'Manual unlocking device (PUSH TO EXIT)',
    kind: 'automatic',
    applies: { arrangements: ['sensor-release'] },
    verifies: { always: ['SR-4'] },
    criteria: (t) => [
      `Released within ${s(t.releaseMs)} of the button`,
      `Stays unlocked at least ${s(t.manualReleaseHoldMs)} with the sensor covered`,
    ],
    steps: manualReleaseSteps,
  },
  {
    id: 'delayed-egress',
    title: 'Delayed egress',
    kind: 'automatic',
    applies: { arrangements: ['delayed-egress-15', 'delayed-egress-30'] },
    verifies: { always: ['DE-4', 'DE-6'] },
    criteria: (t, o) => [
      `Released within ${s(o.locking_arrangement === 'delayed-egress-30' ? t.delayedEgress30Ms : t.delayedEgress15Ms)} of the push (measured)`,
      'Audible signal when the release starts',
      'Relocks only by hand',
    ],
    steps: delayedEgressSteps,
  },
  {
    id: 'relock',
    title: 'Relock',
    kind: 'automatic',
    applies: {},
    verifies: { always: [], arrangement: true },
    criteria: (t) => [`Secured within ${s(t.relockMs)} with power on and the door closed`, 'The technician confirms the door latches'],
    steps: relockSteps,
  },
  {
    id: 'check-mode-label',
    title: 'Device mode verified on the label',
    kind: 'checklist',
    applies: {},
    verifies: { always: ['MODE-CODE-BASIS'], arrangement: true },
    criteria: () => ['The label or marking on the installed lock shows the scheduled mode'],
    steps: (_t, o) => [
      confirm(
        'mode-label',
        'Mode on the label',
        `Does the label / field setting on the installed lock show ${o.fail_mode.toUpperCase()} (${o.lock_type})?`,
        `the installed lock is not marked ${o.fail_mode} as scheduled`,
        o.fail_mode === 'fail-safe' ? 'life-safety' : 'security',
      ),
    ],
  },
  {
    id: 'check-fa-connected',
    title: 'Lock tied to the fire alarm',
    kind: 'checklist',
    applies: { fireAlarmRelease: true },
    verifies: { always: ['FA-1'] },
    criteria: () => ['The lock power supply is connected to the fire alarm system'],
    steps: check(
      [
        [
          'fa-connected',
          'Is the lock power supply connected to the fire alarm system (interface relay / module present and wired)?',
          'the lock is not connected to the fire alarm system — it will not release in a fire',
        ],
      ],
      'life-safety',
    ),
  },
  {
    id: 'check-mechanical-egress',
    title: 'Mechanical egress',
    kind: 'checklist',
    applies: { egress: ['mechanical'] },
    verifies: { always: [], arrangement: true },
    criteria: () => ['One motion of the inside lever or panic hardware frees the door, with or without power'],
    steps: check(
      [
        [
          'one-motion',
          'Does one motion of the inside lever / panic bar open the door, without a key or special knowledge?',
          'no free mechanical egress from the inside — occupants can be trapped',
        ],
      ],
      'life-safety',
    ),
  },
  {
    id: 'check-dhr-hardware',
    title: 'Door hardware release: hardware and height',
    kind: 'checklist',
    applies: { arrangements: ['door-hardware-release'] },
    verifies: { always: ['DHR-1', 'DHR-2', 'DHR-4'] },
    criteria: () => [
      'Releasing hardware on the leaf, one hand, 34–48 in (864–1219 mm)',
      'Operating it releases the lock at once, with the controller offline',
    ],
    steps: check(
      [
        [
          'dhr-height',
          'Is the releasing hardware on the door leaf, operable with one hand, mounted 34–48 in (864–1219 mm) above the floor?',
          'releasing hardware missing, not one-hand operable, or outside 34–48 in',
        ],
        [
          'dhr-direct',
          'With the access controller disconnected, does operating the hardware unlock the door at once?',
          'the releasing hardware does not cut lock power directly — it depends on the controller',
        ],
        [
          'dhr-panic',
          'Where panic hardware is required: does pushing it release the lock (or: not required)?',
          'panic hardware does not release the lock',
        ],
      ],
      'life-safety',
    ),
  },
  {
    id: 'check-sr-device',
    title: 'Sensor release: PUSH TO EXIT device',
    kind: 'checklist',
    applies: { arrangements: ['sensor-release'] },
    verifies: { always: ['SR-3'] },
    criteria: () => ['Manual device 40–48 in (1016–1219 mm) high, within 5 ft (1524 mm) of the door, signed PUSH TO EXIT'],
    steps: check(
      [
        [
          'sr-height',
          'Is the manual unlocking device mounted 40–48 in (1016–1219 mm) above the floor?',
          'manual unlocking device outside 40–48 in',
        ],
        [
          'sr-distance',
          'Is it within 5 ft (1524 mm) of the door, readily accessible and clearly identified?',
          'manual unlocking device farther than 5 ft from the door or not accessible',
        ],
        ['sr-sign', 'Is it signed "PUSH TO EXIT"?', 'manual unlocking device not signed PUSH TO EXIT'],
      ],
      'compliance',
    ),
  },
  {
    id: 'check-sr-sensor',
    title: 'Sensor release: egress-side sensor',
    kind: 'checklist',
    applies: { arrangements: ['sensor-release'] },
    verifies: { always: ['SR-1'] },
    criteria: () => ['The egress-side sensor unlocks on approach; loss of sensor power unlocks'],
    steps: check(
      [
        [
          'sr-approach',
          'Walk up to the door from the egress side: does it unlock on approach?',
          'the egress-side sensor does not unlock on approach — occupants can be held',
        ],
        [
          'sr-sensor-power',
          'Disconnect the sensor’s power: does the door unlock?',
          'loss of sensor power does not unlock the door — occupants can be trapped',
        ],
      ],
      'life-safety',
    ),
  },
  {
    id: 'check-de-signage',
    title: 'Delayed egress: sign',
    kind: 'checklist',
    applies: { arrangements: ['delayed-egress-15', 'delayed-egress-30'] },
    verifies: { always: ['DE-7'] },
    criteria: () => [
      'Sign reads PUSH UNTIL ALARM SOUNDS. DOOR CAN BE OPENED IN 15 [30] SECONDS, with the number matching the measured delay',
    ],
    steps: (_t, o) => {
      const n = o.locking_arrangement === 'delayed-egress-30' ? 30 : 15;
      return [
        confirm(
          'de-sign',
          'Delayed egress sign',
          `Does the sign read "PUSH UNTIL ALARM SOUNDS. DOOR CAN BE OPENED IN ${n} SECONDS", and does ${n} match the measured delay?`,
          'delayed-egress sign missing, wrong wording, or number not matching the measured delay',
          'compliance',
        ),
      ];
    },
  },
  {
    id: 'check-de-audible',
    title: 'Delayed egress: alarm functions',
    kind: 'checklist',
    applies: { arrangements: ['delayed-egress-15', 'delayed-egress-30'] },
    verifies: { always: ['DE-3', 'DE-5'] },
    criteria: () => ['Remote cancel from the fire command center works', 'Audible signal at the door when release starts'],
    steps: check(
      [
        [
          'de-remote',
          'Does the remote cancel at the fire command center release the door?',
          'remote cancel from the fire command center does not release the door',
        ],
        [
          'de-signal',
          'Does an audible signal sound at the door when the release starts?',
          'no audible signal when the delayed release starts',
        ],
      ],
      'life-safety',
    ),
  },
  {
    id: 'check-ce-remote',
    title: 'Controlled egress: remote release',
    kind: 'checklist',
    applies: { arrangements: ['controlled-egress'] },
    verifies: { always: ['CE-3'] },
    criteria: () => ['The remote switch at the staff station cuts lock power directly'],
    steps: check(
      [
        [
          'ce-remote',
          'Does the remote release switch at the staff station unlock the door at once (cutting lock power directly)?',
          'the remote release switch does not unlock the door — staff cannot release occupants',
        ],
      ],
      'life-safety',
    ),
  },
  {
    id: 'check-nfpa80',
    title: 'NFPA 80 fire-door inspection',
    kind: 'checklist',
    applies: { fireRated: true },
    verifies: { always: NFPA80_IDS },
    criteria: () => ['Every NFPA 80 inspection item verified (visual and functional)'],
    steps: () =>
      NFPA80_IDS.map((id) => {
        const q = REQUIREMENTS.get(id)!;
        return confirm(id, q.title, q.text, `NFPA 80: ${q.text.replace(/\.$/, '')} — not met`, 'life-safety');
      }),
  },
  // Power sizing on site (core/power): the meter reading itself is recorded with its units and
  // compared with the schedule within the site's tolerance (a difference is a power finding).
  {
    id: 'check-lock-power',
    title: 'Lock voltage and current measured at the door',
    kind: 'checklist',
    applies: {},
    verifies: { always: ['PWR-VOLTAGE'] },
    criteria: (_t, o) => [
      `Measured at the lock: ${o.lock_voltage ?? '?'} V and ${o.lock_current_ma ?? '?'} mA as scheduled, within the site's tolerance`,
    ],
    steps: (_t, o) => [
      confirm(
        'lock-power',
        'Voltage and current at the lock',
        `Record the meter readings at the lock below (“Reading at the door”). Are they within tolerance of the schedule ` +
          `(${o.lock_voltage ?? 'voltage not scheduled'}${o.lock_voltage !== null ? ' V' : ''}, ` +
          `${o.lock_current_ma ?? 'current not scheduled'}${o.lock_current_ma !== null ? ' mA' : ''})?`,
        'the lock does not get the voltage or draw the current the schedule and the power sizing assume',
        'compliance',
      ),
    ],
  },
];

export const expectedModeWord = (m: FailMode): string =>
  m === 'fail-safe' ? 'fail-safe (releases on power loss)' : 'fail-secure (holds on power loss)';
