// A site at a glance: how many openings, by mode and category, and findings by severity.
import type { SiteSummary } from '../../../app/contract/schedule';
import { CATEGORIES, FAIL_MODES, SEVERITIES } from '../../../core/schedule/types';
import { formatCount, humanize } from '../ui/format';
import { SeverityBadge } from '../ui/severity';

export function SiteSummaryCards({ summary }: { summary: SiteSummary }) {
  return (
    <section className="cards" aria-label="Site summary">
      <div className="card">
        <h2>Openings</h2>
        <div className="big">{formatCount(summary.openingCount)}</div>
        <div className="muted">{formatCount(summary.openingsWithFindings)} with findings</div>
      </div>
      <div className="card">
        <h2>By mode</h2>
        <dl className="kv">
          {FAIL_MODES.map((m) => (
            <Row key={m} label={humanize(m)} value={summary.byMode[m] ?? 0} />
          ))}
        </dl>
      </div>
      <div className="card">
        <h2>By category</h2>
        <dl className="kv two narrow-single">
          {CATEGORIES.map((c) => (
            <Row key={c} label={humanize(c)} value={summary.byCategory[c] ?? 0} />
          ))}
        </dl>
      </div>
      <div className="card">
        <h2>Findings by severity</h2>
        <dl className="kv two">
          {SEVERITIES.map((s) => (
            <div key={s} style={{ display: 'contents' }}>
              <dt>
                <SeverityBadge severity={s} />
              </dt>
              <dd>{formatCount(summary.findingsBySeverity[s] ?? 0)}</dd>
            </div>
          ))}
        </dl>
      </div>
    </section>
  );
}

function Row({ label, value }: { label: string; value: number }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{formatCount(value)}</dd>
    </>
  );
}
