import type { Severity } from '../schedule/types';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** One ISTAT poll: when the request left, when the reply arrived, the raw values. */
export interface Sample {
  sentAt: number;
  at: number;
  values: number[];
}

export interface DeficiencyDraft {
  severity: Severity;
  /** The risk in plain words. */
  description: string;
}

export interface StepVerdict {
  verdict: Verdict;
  reason: string;
  /** Release / relock time, clock start → first reading showing the change (upper bound). */
  measuredMs?: number;
  /** The measurement's uncertainty: the change happened within this long before it was seen. */
  resolutionMs?: number;
  deficiency?: DeficiencyDraft;
  /** Evidence came from a person only (the automatic part could not decide). */
  personEvidence?: boolean;
}
