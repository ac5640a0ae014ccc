// The result of one attempt: the verdict in words and colour, its reason, each
// step with measured times and their resolution, a summary of the input trace,
// and the deficiency the failure created (its risk in plain words).
import { useEffect, useRef, useState } from 'react';
import { interpretInputs } from '../../../core/verdicts/readings';
import type { AttemptDetail, Deficiency, StepResultView } from '../../../app/contract/runs';
import type { Opening } from '../../../core/schedule/types';
import { api } from '../api';
import { ErrorBanner } from '../ui/errors';
import { formatWhen } from '../ui/format';
import { SeverityBadge } from '../ui/severity';
import { ms, VERDICT_WORD, VerdictPill } from './words';

interface Sample {
  sentAt?: number;
  at: number;
  values: number[];
}

function samplesOf(ev: Record<string, unknown>): Sample[] {
  const t = ev.trace;
  if (!Array.isArray(t)) return [];
  return t.filter(
    (s): s is Sample => typeof s === 'object' && s !== null && Array.isArray((s as Sample).values) && typeof (s as Sample).at === 'number',
  );
}

/** "24 readings over 1.6 s; lock-status secured → released at +412 ms" */
export function traceSummary(opening: Opening, step: StepResultView): string | null {
  const samples = samplesOf(step.evidence);
  if (samples.length === 0) return null;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const clock = typeof step.evidence.clockStart === 'number' ? step.evidence.clockStart : first.at;
  const word = (s: Sample) => {
    const r = interpretInputs(opening, s.values).lockStatus;
    return r.ok ? r.value : `fault (${r.fault})`;
  };
  const changes: string[] = [];
  let prev = word(first);
  for (const s of samples.slice(1)) {
    const w = word(s);
    if (w !== prev) changes.push(`${prev} → ${w} at +${Math.round(s.at - clock)} ms`);
    prev = w;
  }
  const head = `${samples.length} ${samples.length === 1 ? 'reading' : 'readings'} over ${ms(last.at - first.at)}`;
  return changes.length > 0 ? `${head}; lock-status ${changes.join(', ')}` : `${head}; lock-status stayed ${prev}`;
}

export function ResultCard({
  attempt,
  opening,
  deficiencies,
  onRetest,
  retesting,
  technician,
  onDeficienciesChanged,
}: {
  attempt: AttemptDetail;
  opening: Opening;
  deficiencies: Deficiency[];
  onRetest?: () => void;
  retesting?: boolean;
  /** Who closes deficiencies after a passing retest (the run's technician). */
  technician?: string;
  onDeficienciesChanged?: () => void;
}) {
  const [closing, setClosing] = useState(false);
  const [closeError, setCloseError] = useState<unknown>(null);
  const verdict = attempt.verdict ?? 'inconclusive';
  const card = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // The verdict is what the technician waits for: bring it into view (below the sticky progress strip, see
  // scroll-margin-top) and put the keyboard and screen reader on it.
  useEffect(() => {
    card.current?.scrollIntoView({ block: 'start' });
    heading.current?.focus({ preventScroll: true });
  }, [attempt.id]);
  const person = attempt.steps.some((s) => s.personEvidence && s.verdict !== 'fail');
  const found = [
    ...new Set(
      attempt.steps
        .map((s) => (s.deficiencyId !== null ? deficiencies.find((d) => d.id === s.deficiencyId) : undefined))
        .filter((d): d is Deficiency => d !== undefined),
    ),
  ];
  // A failure the opening already had open is the same deficiency seen again, not a new one.
  const created = found.filter((d) => !d.occurrences.some((o) => o.attemptId === attempt.id));
  const repeated = found.filter((d) => d.occurrences.some((o) => o.attemptId === attempt.id));
  // A passing test can close what earlier attempts of the same test found at this opening.
  const fixable =
    verdict === 'pass'
      ? deficiencies.filter((d) => d.status === 'open' && d.source === 'step' && d.procedureId === attempt.procedureId)
      : [];
  const fixedHere = deficiencies.filter((d) => d.history.some((h) => h.status === 'fixed-retested' && h.retestAttemptId === attempt.id));
  const closeFixed = async () => {
    if (!technician) return;
    setClosing(true);
    setCloseError(null);
    try {
      await api.fixByRetest({ attemptId: attempt.id, by: technician, note: '' });
      onDeficienciesChanged?.();
    } catch (err) {
      setCloseError(err);
    } finally {
      setClosing(false);
    }
  };
  return (
    <section ref={card} className={`result-card result-${verdict}`} aria-labelledby="result-title" data-verdict={verdict}>
      <div className="rc-head">
        <p className="rc-proc">
          {attempt.procedureTitle} · {attempt.openingId} · attempt #{attempt.id}
          {attempt.supersedes ? ` (retest, supersedes #${attempt.supersedes})` : ''}
        </p>
        <h2 id="result-title" className="rc-verdict" ref={heading} tabIndex={-1}>
          <span aria-hidden="true">{verdict === 'pass' ? '✓' : verdict === 'fail' ? '✕' : '?'} </span>
          {VERDICT_WORD[verdict]}
        </h2>
        <p className="rc-reason">{attempt.reason ?? (attempt.status === 'interrupted' ? 'The test was interrupted.' : '')}</p>
        {verdict === 'inconclusive' && person && (
          <p className="rc-evidence">
            The automatic reading could not decide: the technician&apos;s confirmation is the evidence for this opening, and the report says
            so.
          </p>
        )}
      </div>
      {created.length > 0 && (
        <div className="rc-deficiencies">
          <h3>{created.length === 1 ? 'Deficiency created' : `${created.length} deficiencies created`}</h3>
          {created.map((d) => (
            <div key={d.id} className="rc-def" data-deficiency-id={d.id}>
              <SeverityBadge severity={d.severity} />
              <p>{d.description}</p>
            </div>
          ))}
        </div>
      )}
      {repeated.length > 0 && (
        <div className="rc-deficiencies">
          <h3>Still open: seen again</h3>
          {repeated.map((d) => (
            <div key={d.id} className="rc-def" data-deficiency-id={d.id}>
              <SeverityBadge severity={d.severity} />
              <p>
                {d.description}{' '}
                <span className="muted">
                  (open since {formatWhen(d.createdAt)}; failed {d.occurrences.length + 1} times)
                </span>
              </p>
            </div>
          ))}
        </div>
      )}
      {fixable.length > 0 && (
        <div className="rc-deficiencies rc-fixable">
          <h3>This test passed: close what earlier attempts found?</h3>
          {fixable.map((d) => (
            <div key={d.id} className="rc-def" data-deficiency-id={d.id}>
              <SeverityBadge severity={d.severity} />
              <p>{d.description}</p>
            </div>
          ))}
          <button type="button" className="btn primary big-btn" onClick={() => void closeFixed()} disabled={closing || !technician}>
            {closing ? 'Recording…' : fixable.length === 1 ? 'Mark it fixed — retested' : `Mark all ${fixable.length} fixed — retested`}
          </button>
          <ErrorBanner error={closeError} title="The deficiencies were not closed" />
        </div>
      )}
      {fixedHere.length > 0 && (
        <div className="rc-deficiencies rc-fixed">
          <h3>Fixed — retested by this test</h3>
          {fixedHere.map((d) => (
            <div key={d.id} className="rc-def" data-deficiency-id={d.id}>
              <SeverityBadge severity={d.severity} />
              <p>{d.description}</p>
            </div>
          ))}
        </div>
      )}
      <table className="plain rc-steps" aria-label="Step results">
        <thead>
          <tr>
            <th>Step</th>
            <th>Result</th>
            <th>Measured</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {attempt.steps.map((s) => {
            const trace = traceSummary(opening, s);
            return (
              <tr key={s.id}>
                <td>{s.title}</td>
                <td>
                  <VerdictPill verdict={s.verdict} />
                  {s.personEvidence && <span className="person-tag">Person-confirmed</span>}
                </td>
                <td className="num">
                  {s.measuredMs !== null ? (
                    <>
                      <strong>{ms(s.measuredMs)}</strong>
                      <br />
                      <span className="muted">resolution ±{ms(s.resolutionMs)}</span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  {s.reason}
                  {trace && <div className="trace muted">Trace: {trace}</div>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {onRetest && verdict !== 'pass' && (
        <div>
          <button type="button" className="btn primary big-btn" onClick={onRetest} disabled={retesting}>
            {retesting ? 'Starting retest…' : 'Retest this opening'}
          </button>
        </div>
      )}
    </section>
  );
}
