// Pass-criteria thresholds a project can adjust (docs/domain.md: editions differ and
// AHJs amend them). Defaults follow docs/domain.md; every value is validated and a
// bad one is named by its field.

export interface Thresholds {
  /** Power dropped (or alarm active) → lock-status must read released within this. */
  releaseMs: number;
  /** Fail-secure: lock-status must stay secured for this whole window with power dropped. */
  holdWindowMs: number;
  /** Power restored / alarm reset / REX ended → lock-status must read secured within this. */
  relockMs: number;
  /** Alarm-release: the lock must stay released for this window while the alarm is active (until reset). */
  alarmHoldMs: number;
  /** SR-4: after the manual unlocking device is operated, the door stays unlocked at least this long. */
  manualReleaseHoldMs: number;
  /** DE-4: push → release, 15 s (delayed-egress-15). */
  delayedEgress15Ms: number;
  /** DE-4: push → release, 30 s with AHJ approval (delayed-egress-30). */
  delayedEgress30Ms: number;
  /** REX pressed → lock released within this. */
  rexReleaseMs: number;
  /** Extra time the PD keeps lock power dropped after the observation window before restoring it itself. */
  pdTimerMarginMs: number;
  /** How long the runner waits for a person's answer before the step ends inconclusive. */
  promptTimeoutMs: number;
  /** How often the runner polls the PD's inputs while it watches a step. */
  pollIntervalMs: number;
  /**
   * A release attempt (REX, credential) made with power dropped counts only when the lock is then watched this
   * long with power still off: a lock that still has power releases within it (the REX release time).
   */
  attemptWatchMs: number;
  /**
   * The longest span between readings a watched window may have: a change shorter than this can go unseen,
   * so a longer gap makes the step inconclusive and every pass states its own longest gap.
   */
  maxReadingGapMs: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  releaseMs: 2000,
  holdWindowMs: 10_000,
  relockMs: 3000,
  alarmHoldMs: 10_000,
  manualReleaseHoldMs: 30_000,
  delayedEgress15Ms: 15_000,
  delayedEgress30Ms: 30_000,
  rexReleaseMs: 2000,
  pdTimerMarginMs: 3000,
  promptTimeoutMs: 10 * 60_000,
  pollIntervalMs: 50,
  attemptWatchMs: 2000,
  maxReadingGapMs: 250,
};

/** Code-minimum windows: a project may lengthen them, shortening needs a recorded AHJ decision. */
export const CODE_MINIMUMS: Partial<Record<keyof Thresholds, { minMs: number; requirement: string }>> = {
  manualReleaseHoldMs: { minMs: 30_000, requirement: 'SR-4' },
};

/** Code-maximum delays: a project may shorten them, lengthening needs a recorded AHJ decision. */
export const CODE_MAXIMUMS: Partial<Record<keyof Thresholds, { maxMs: number; requirement: string }>> = {
  delayedEgress15Ms: { maxMs: 15_000, requirement: 'DE-4' },
  delayedEgress30Ms: { maxMs: 30_000, requirement: 'DE-4' },
};

export interface ProjectSettings {
  /** Code edition the requirements are cited from, e.g. "IBC 2021". */
  edition: string;
  thresholds: Thresholds;
  /** When set, thresholds outside the code minimum/maximum are allowed and this note is recorded with every result. */
  ahjNote: string | null;
}

export const DEFAULT_SETTINGS: ProjectSettings = { edition: 'IBC 2021', thresholds: DEFAULT_THRESHOLDS, ahjNote: null };

export interface SettingsIssue {
  field: string;
  value: unknown;
  reason: string;
}

export class SettingsError extends Error {
  constructor(readonly issues: SettingsIssue[]) {
    super(`Invalid project settings: ${issues.map((i) => `${i.field} = ${JSON.stringify(i.value)}: ${i.reason}`).join('; ')}`);
    this.name = 'SettingsError';
  }
}

/** Merges a project's overrides onto the defaults; throws SettingsError naming every bad field. */
export function resolveSettings(
  overrides: { edition?: string; thresholds?: Partial<Record<string, unknown>>; ahjNote?: string | null } = {},
): ProjectSettings {
  const issues: SettingsIssue[] = [];
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [key, value] of Object.entries(overrides.thresholds ?? {})) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_THRESHOLDS)) {
      issues.push({ field: `thresholds.${key}`, value, reason: 'unknown threshold' });
      continue;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 3_600_000) {
      issues.push({ field: `thresholds.${key}`, value, reason: 'must be a whole number of milliseconds between 1 and 3600000' });
      continue;
    }
    thresholds[key as keyof Thresholds] = value;
  }
  const ahjNote = overrides.ahjNote?.trim() ? overrides.ahjNote.trim() : null;
  if (!ahjNote) {
    for (const [key, min] of Object.entries(CODE_MINIMUMS)) {
      const v = thresholds[key as keyof Thresholds];
      if (min && v < min.minMs)
        issues.push({
          field: `thresholds.${key}`,
          value: v,
          reason: `below the ${min.requirement} minimum of ${min.minMs} ms; record the AHJ decision in ahjNote to allow it`,
        });
    }
    for (const [key, max] of Object.entries(CODE_MAXIMUMS)) {
      const v = thresholds[key as keyof Thresholds];
      if (max && v > max.maxMs)
        issues.push({
          field: `thresholds.${key}`,
          value: v,
          reason: `above the ${max.requirement} maximum of ${max.maxMs} ms; record the AHJ decision in ahjNote to allow it`,
        });
    }
  }
  const edition = overrides.edition?.trim() || DEFAULT_SETTINGS.edition;
  if (issues.length > 0) throw new SettingsError(issues);
  return { edition, thresholds, ahjNote };
}
