// Results other devices sent (pulled by sync), shown beside this laptop's own but never
// as them: always labelled with the device and the technician, in their own outlined
// marks, and never counted in this run's status, progress or report.
import type { RemoteResult } from '../../../app/contract/sync';
import { formatWhen } from '../ui/format';
import { VERDICT_WORD } from './words';

export function remoteByOpening(results: RemoteResult[] | undefined): Map<string, RemoteResult[]> {
  const m = new Map<string, RemoteResult[]>();
  for (const r of results ?? []) m.set(r.openingId, [...(m.get(r.openingId) ?? []), r]);
  return m;
}

const verdictWord = (r: RemoteResult) => (r.verdict ? VERDICT_WORD[r.verdict] : 'NOT ENDED');

/** One line per device and technician: what they found at this opening. */
export function RemoteMark({ results }: { results: RemoteResult[] }) {
  const groups = new Map<string, RemoteResult[]>();
  for (const r of results) {
    const k = `${r.deviceName}\u0000${r.technician}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return (
    <span className="remote-marks">
      {[...groups.values()].map((rs) => {
        const first = rs[0]!;
        const counts = new Map<string, number>();
        for (const r of rs) counts.set(verdictWord(r), (counts.get(verdictWord(r)) ?? 0) + 1);
        return (
          <span
            key={`${first.deviceName}/${first.technician}`}
            className="remote-mark"
            data-testid="remote-mark"
            data-device={first.deviceName}
          >
            Other device: {first.deviceName}
            {first.technician ? ` · ${first.technician}` : ''} — {[...counts].map(([w, n]) => (n > 1 ? `${w} ×${n}` : w)).join(', ')}
          </span>
        );
      })}
    </span>
  );
}

/** The opening's results from other devices, procedure by procedure, for the checklist. */
export function RemoteResults({ results, titleOf }: { results: RemoteResult[]; titleOf: (procedureId: string) => string }) {
  if (results.length === 0) return null;
  return (
    <section className="panel remote-results" aria-labelledby="remote-title" data-testid="remote-results">
      <h2 id="remote-title">Results from other devices</h2>
      <p className="muted">Pulled by sync. They are not part of this run: its status, progress and report count only its own tests.</p>
      <ul>
        {results.map((r) => (
          <li key={r.uuid} data-procedure-id={r.procedureId}>
            <span className={`vpill remote v-${r.verdict ?? 'none'}`}>{verdictWord(r)}</span> <strong>{titleOf(r.procedureId)}</strong> ·{' '}
            {r.deviceName}
            {r.technician ? ` · ${r.technician}` : ''} · started {formatWhen(r.startedAt)}
            {r.reason ? <span className="muted"> · {r.reason}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The site's results from other devices, per device and technician: what they have covered so far. */
export function RemoteSummary({ results }: { results: RemoteResult[] }) {
  if (results.length === 0) return null;
  const groups = new Map<string, { deviceName: string; technician: string; openings: Set<string>; counts: Map<string, number> }>();
  for (const r of results) {
    const k = `${r.deviceName}\u0000${r.technician}`;
    const g = groups.get(k) ?? { deviceName: r.deviceName, technician: r.technician, openings: new Set(), counts: new Map() };
    g.openings.add(r.openingId);
    g.counts.set(verdictWord(r), (g.counts.get(verdictWord(r)) ?? 0) + 1);
    groups.set(k, g);
  }
  return (
    <section className="panel remote-results" aria-labelledby="remote-sum-title" data-testid="remote-summary">
      <h2 id="remote-sum-title">Other devices on this site</h2>
      <p className="muted">Pulled by sync; not part of this laptop&apos;s runs. Each opening&apos;s marks are in the run.</p>
      <ul>
        {[...groups.values()].map((g) => (
          <li key={`${g.deviceName}/${g.technician}`} data-device={g.deviceName}>
            <strong>{g.deviceName}</strong>
            {g.technician ? ` · ${g.technician}` : ''}: {g.openings.size} opening{g.openings.size === 1 ? '' : 's'} ·{' '}
            {[...g.counts].map(([w, n]) => `${n} ${w}`).join(' · ')}
          </li>
        ))}
      </ul>
    </section>
  );
}
