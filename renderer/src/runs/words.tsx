// Words, icons and class names for verdicts and statuses: a result is always
// shown as a word and a shape as well as a colour, never colour alone.
import type { AttemptSummary, DeficiencyStatus, OpeningStatus, Verdict } from '../../../app/contract/runs';

export const VERDICT_WORD: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' };
const VERDICT_ICON: Record<Verdict | 'none' | 'running', string> = {
  pass: '✓',
  fail: '✕',
  inconclusive: '?',
  none: '○',
  running: '●',
};

export const STATUS_WORD: Record<OpeningStatus, string> = {
  untested: 'Not tested',
  pass: 'Passed',
  fail: 'Failed',
  inconclusive: 'Inconclusive',
  incomplete: 'Incomplete',
};

export const DEFICIENCY_STATUS_WORD: Record<DeficiencyStatus, string> = {
  open: 'Open',
  'fixed-retested': 'Fixed — retested',
  'accepted-by-ahj': 'Accepted by AHJ',
};

/** A small pill: verdict (or "not run" / "running") in words with a shape. */
export function VerdictPill({ verdict, running }: { verdict: Verdict | null; running?: boolean }) {
  const key = running ? 'running' : (verdict ?? 'none');
  const text = running ? 'Running' : verdict ? VERDICT_WORD[verdict] : 'Not run';
  return (
    <span className={`vpill v-${key}`} data-verdict={key}>
      <span aria-hidden="true">{VERDICT_ICON[key]}</span>
      {text}
    </span>
  );
}

export function StatusPill({ status }: { status: OpeningStatus }) {
  const key = status === 'untested' ? 'none' : status === 'incomplete' ? 'running' : status;
  return (
    <span className={`vpill v-${key === 'running' ? 'incomplete' : key}`} data-status={status}>
      <span aria-hidden="true">{VERDICT_ICON[key]}</span>
      {STATUS_WORD[status]}
    </span>
  );
}

export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;
}

export function attemptLabel(a: AttemptSummary): string {
  return `${a.procedureTitle} · attempt #${a.id}`;
}
