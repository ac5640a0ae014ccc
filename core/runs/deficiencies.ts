// Deficiency rules, pure: a deficiency is fixed only by a passing retest of the same
// opening; which open deficiencies one passing retest closes; the close-out's counts
// by severity. The runs handlers read and write the rows.
import { SEVERITIES, type Severity } from '../schedule/types';
import type { Verdict } from '../verdicts/types';

/** Why this attempt cannot mark the deficiency "fixed — retested" (null = it can). */
export function retestProblem(
  attempt: { id: number; openingId: string; end: { verdict: Verdict } | null },
  deficiency: { openingId: string },
): string | null {
  const verdict = attempt.end?.verdict;
  if (attempt.openingId !== deficiency.openingId)
    return `Attempt ${attempt.id} tested opening ${attempt.openingId}, not ${deficiency.openingId}.`;
  if (verdict !== 'pass')
    return `Attempt ${attempt.id} did not pass (${verdict ?? 'not finished'}); a deficiency is fixed only after a passing retest.`;
  return null;
}

/**
 * The deficiencies a passing attempt closes: those still open at its opening that an earlier attempt of the same
 * procedure found (manual ones, and other procedures' findings, stay open). `deficiencies` are the opening's.
 */
export function fixedByRetest<D extends { source: 'step' | 'manual'; procedureId: string | null; status: string }>(
  deficiencies: readonly D[],
  attempt: { procedureId: string },
): D[] {
  return deficiencies.filter((d) => d.source === 'step' && d.procedureId === attempt.procedureId && d.status === 'open');
}

/** The status note when the technician gives none: which retest passed, and when. */
export function retestNote(procedureTitle: string, endedAt: string): string {
  const when = new Date(endedAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  return `retest passed (${procedureTitle}, ${when})`;
}

export function countBySeverity(deficiencies: readonly { severity: Severity }[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const d of deficiencies) counts[d.severity]++;
  return counts;
}
