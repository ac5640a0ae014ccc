// Finishing a run: what was tested and how it went, what is still open by
// severity, what was not done — then on to the report.
import { useEffect, useRef } from 'react';
import type { RunDetail } from '../../../app/contract/runs';
import { SEVERITIES } from '../../../core/schedule/types';
import { href } from '../shell/router';
import { SeverityBadge } from '../ui/severity';

export function CloseOut({ detail, siteId, onClose }: { detail: RunDetail; siteId: number; onClose: () => void }) {
  const p = detail.run.progress;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const rows: [string, string, number][] = [
    ['tested', 'Tested', p.tested],
    ['passed', 'Passed', p.passed],
    ['failed', 'Failed', p.failed],
    ['inconclusive', 'Inconclusive', p.inconclusive],
    ...(p.incomplete > 0 ? ([['incomplete', 'Partly tested (required tests missing)', p.incomplete]] as [string, string, number][]) : []),
    ['not-tested', 'Not tested', p.remaining],
  ];
  const open = detail.openDeficienciesBySeverity;
  const openTotal = SEVERITIES.reduce((n, s) => n + open[s], 0);
  return (
    <section className="panel close-out" aria-labelledby="close-title">
      <h2 id="close-title" ref={heading} tabIndex={-1}>
        Finish run #{detail.run.id}
      </h2>
      <p className="muted">
        {detail.run.siteName} · {detail.run.technician} · {p.total} {p.total === 1 ? 'opening' : 'openings'} on the schedule
      </p>
      <div className="co-grid">
        <table className="plain co-summary" aria-label="Run summary">
          <tbody>
            {rows.map(([key, label, n]) => (
              <tr key={key} data-summary={key}>
                <th scope="row">{label}</th>
                <td className="num">{key === 'tested' ? `${n} of ${p.total}` : n}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div>
          <h3>Open deficiencies</h3>
          {openTotal === 0 ? (
            <p>None open.</p>
          ) : (
            <ul className="co-open" aria-label="Open deficiencies by severity">
              {SEVERITIES.filter((s) => open[s] > 0).map((s) => (
                <li key={s} data-severity={s}>
                  <SeverityBadge severity={s} count={open[s]} />
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      {(p.remaining > 0 || detail.interrupted.length > 0) && (
        <div className="banner warn">
          {p.remaining > 0 && (
            <p>
              {p.remaining} {p.remaining === 1 ? 'opening was' : 'openings were'} not tested: the report lists{' '}
              {p.remaining === 1 ? 'it' : 'them'} as not tested.
            </p>
          )}
          {detail.interrupted.length > 0 && (
            <p>
              {detail.interrupted.length} {detail.interrupted.length === 1 ? 'test was' : 'tests were'} interrupted and never finished.
            </p>
          )}
        </div>
      )}
      <div className="co-actions">
        <a className="btn primary big-btn" href={href('/sites/:siteId/reports', { siteId })}>
          Build report
        </a>
        <a className="btn" href={href('/sites/:siteId/runs/:runId/deficiencies', { siteId, runId: detail.run.id })}>
          Review deficiencies
        </a>
        <button type="button" className="btn" onClick={onClose}>
          Keep testing
        </button>
      </div>
    </section>
  );
}
