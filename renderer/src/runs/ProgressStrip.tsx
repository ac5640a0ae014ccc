// The run's progress, always visible while working: totals and one row per
// floor (tested / passed / failed / inconclusive / remaining), as numbers with
// words and a segmented bar whose segments also carry their counts.
import { useEffect, useRef, useState } from 'react';
import type { Progress, RunDetail } from '../../../app/contract/runs';
import { href } from '../shell/router';

const PARTS = [
  { key: 'passed', label: 'Passed', icon: '✓' },
  { key: 'failed', label: 'Failed', icon: '✕' },
  { key: 'inconclusive', label: 'Inconclusive', icon: '?' },
  { key: 'incomplete', label: 'Incomplete', icon: '◐' },
  { key: 'remaining', label: 'Remaining', icon: '○' },
] as const;

function Bar({ p, label }: { p: Progress; label: string }) {
  const total = Math.max(1, p.total);
  return (
    <div className="pbar" role="img" aria-label={`${label}: ${p.tested} of ${p.total} tested`}>
      {PARTS.map((part) =>
        p[part.key] > 0 ? (
          <span key={part.key} className={`pbar-seg pbar-${part.key}`} style={{ width: `${(100 * p[part.key]) / total}%` }} />
        ) : null,
      )}
    </div>
  );
}

function Counts({ p }: { p: Progress }) {
  return (
    <dl className="pcounts">
      <div>
        <dt>Tested</dt>
        <dd data-count="tested">
          {p.tested}/{p.total}
        </dd>
      </div>
      {PARTS.filter((part) => part.key !== 'incomplete' || p.incomplete > 0).map((part) => (
        <div key={part.key} className={`pc-${part.key}`}>
          <dt>
            <span aria-hidden="true">{part.icon} </span>
            {part.label}
          </dt>
          <dd data-count={part.key}>{p[part.key]}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ProgressStrip({ detail, siteId }: { detail: RunDetail; siteId: number }) {
  const { run, byFloor } = detail;
  const [floorsOpen, setFloorsOpen] = useState(false);
  const strip = useRef<HTMLElement>(null);
  // Whatever scrolls into view (the live test, a result) stops below the strip: its height is a CSS variable
  // that their scroll-margin-top reads.
  useEffect(() => {
    const el = strip.current;
    if (!el) return;
    const root = document.documentElement;
    const set = () => root.style.setProperty('--strip-h', `${Math.ceil(el.getBoundingClientRect().height)}px`);
    set();
    const ro = new ResizeObserver(set);
    ro.observe(el);
    return () => {
      ro.disconnect();
      root.style.removeProperty('--strip-h');
    };
  }, []);
  return (
    <section ref={strip} className="progress-strip" aria-label="Run progress">
      <div className="ps-main">
        <div className="ps-who">
          <strong>{run.technician}</strong>
          <span className="muted"> · run #{run.id}</span>
        </div>
        <Counts p={run.progress} />
        <Bar p={run.progress} label="Whole site" />
        <a className="btn small" href={href('/sites/:siteId/runs/:runId/deficiencies', { siteId, runId: run.id })}>
          Deficiencies{detail.openDeficiencies > 0 ? ` (${detail.openDeficiencies} open)` : ''}
        </a>
        {byFloor.length > 0 && (
          <button type="button" className="btn small" aria-expanded={floorsOpen} onClick={() => setFloorsOpen(!floorsOpen)}>
            By floor <span aria-hidden="true">{floorsOpen ? '▴' : '▾'}</span>
          </button>
        )}
      </div>
      {floorsOpen && (
        <div className="ps-floors">
          <table className="plain floors" aria-label="Progress by floor">
            <thead>
              <tr>
                <th>Floor</th>
                <th className="num">Tested</th>
                <th className="num">Passed</th>
                <th className="num">Failed</th>
                <th className="num">Inconclusive</th>
                <th className="num">Remaining</th>
                <th style={{ width: '30%' }}>
                  <span className="visually-hidden">Bar</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {byFloor.map((f) => (
                <tr key={f.floor} data-floor={f.floor}>
                  <td>Floor {f.floor}</td>
                  <td className="num">
                    {f.tested}/{f.total}
                  </td>
                  <td className="num">{f.passed}</td>
                  <td className="num">{f.failed}</td>
                  <td className="num">{f.inconclusive}</td>
                  <td className="num">{f.remaining}</td>
                  <td>
                    <Bar p={f} label={`Floor ${f.floor}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
