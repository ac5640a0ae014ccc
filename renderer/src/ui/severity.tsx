// Severity is always shown as colour + shape + words, never colour alone.
import { SEVERITIES, type Severity } from '../../../core/schedule/types';

export const SEVERITY_LABEL: Record<Severity, string> = {
  'life-safety': 'Life safety',
  security: 'Security',
  compliance: 'Compliance',
  procurement: 'Procurement',
};

const ICON: Record<Severity | 'none', string> = {
  'life-safety': '▲',
  security: '◆',
  compliance: '●',
  procurement: '■',
  none: '✓',
};

export function SeverityBadge({ severity, count }: { severity: Severity | null; count?: number }) {
  const key = severity ?? 'none';
  const text = severity ? SEVERITY_LABEL[severity] : 'No findings';
  return (
    <span className={`sev sev-${key}`}>
      <span className="sev-icon" aria-hidden="true">
        {ICON[key]}
      </span>
      {text}
      {count !== undefined && <span>· {count}</span>}
    </span>
  );
}

/** One badge per severity that has findings, or "No findings". */
export function SeverityCounts({ counts }: { counts: Record<Severity, number> }) {
  const present = SEVERITIES.filter((s) => (counts[s] ?? 0) > 0);
  if (present.length === 0) return <SeverityBadge severity={null} />;
  return (
    <span className="sev-counts">
      {present.map((s) => (
        <SeverityBadge key={s} severity={s} count={counts[s]} />
      ))}
    </span>
  );
}
