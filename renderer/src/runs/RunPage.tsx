// One run: progress by floor (always on top), attempts interrupted by a crash to
// resume first, the opening finder, and the floor's openings with their status.
import { keepPreviousData } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { ErrorBanner } from '../ui/errors';
import { useApi } from '../query/useApi';
import { useSites } from '../shell/sites';
import { CloseOut } from './CloseOut';
import { defaultLink, linkWords, loadRunLink } from './link';
import { MatchList, OpeningFinder, openingHref } from './OpeningFinder';
import { ProgressStrip } from './ProgressStrip';
import { remoteByOpening } from './remote';
import './runs.css';

export function RunPage({ siteId, runId }: { siteId: number; runId: number }) {
  const detail = useApi('getRun', { runId });
  const { sites } = useSites();
  const siteName = sites?.find((s) => s.id === siteId)?.name;
  const floors = (detail.data?.byFloor ?? []).map((f) => f.floor);
  const [floor, setFloor] = useState<string | null>(null);
  const [closing, setClosing] = useState(false);
  const finishButton = useRef<HTMLButtonElement>(null);
  const shownFloor = floor ?? floors[0] ?? '';
  // Refetched whenever an attempt ends (query/push.ts); the last floor stays shown while the next loads.
  const rows = useApi('listRunOpenings', { runId, ...(shownFloor ? { floor: shownFloor } : {}) }, { placeholderData: keepPreviousData });
  const remoteResults = useApi('syncRemoteLatest', { siteId });
  const remote = useMemo(() => remoteByOpening(remoteResults.data), [remoteResults.data]);

  return (
    <div className="page run-page">
      {detail.data && <ProgressStrip detail={detail.data} siteId={siteId} />}
      <div className="page-head">
        <div style={{ marginRight: 'auto' }}>
          <h1>Run #{runId}</h1>
          <p className="page-sub">
            {detail.data ? `${detail.data.run.siteName} · ${detail.data.run.settings.edition} · ` : ''}
            {linkWords(loadRunLink(runId) ?? defaultLink(siteName))}
          </p>
        </div>
        {!closing && (
          <button ref={finishButton} type="button" className="btn primary" onClick={() => setClosing(true)}>
            Finish run
          </button>
        )}
      </div>
      <ErrorBanner error={detail.error} title="The run could not be loaded" />
      {closing && detail.data && (
        <CloseOut
          detail={detail.data}
          siteId={siteId}
          onClose={() => {
            setClosing(false);
            setTimeout(() => finishButton.current?.focus(), 0);
          }}
        />
      )}
      {detail.data && detail.data.interrupted.length > 0 && (
        <div className="banner warn" role="alert">
          <h2>Tests interrupted — resume them first</h2>
          <p>
            DoorCx stopped in the middle of these tests. Lock power may still be dropped until the PD&apos;s timer ends: go to the door.
          </p>
          <ul>
            {detail.data.interrupted.map((a) => (
              <li key={a.id}>
                <a href={openingHref(siteId, runId, a.openingId)}>
                  {a.openingId} · {a.procedureTitle}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
      {detail.data && <OpeningFinder siteId={siteId} runId={runId} floors={floors} autoFocusTag />}
      {floors.length > 0 && (
        <section className="panel" aria-labelledby="route-title">
          <div className="page-head">
            <h2 id="route-title">Openings on floor {shownFloor}</h2>
            <div className="floor-tabs" role="group" aria-label="Floor">
              {floors.map((f) => (
                <button key={f} type="button" className="btn small" aria-pressed={f === shownFloor} onClick={() => setFloor(f)}>
                  Floor {f}
                </button>
              ))}
            </div>
          </div>
          <ErrorBanner error={rows.error} title="The openings could not be loaded" />
          {rows.data && (
            <MatchList rows={rows.data} siteId={siteId} runId={runId} label={`Openings on floor ${shownFloor}`} remote={remote} />
          )}
        </section>
      )}
    </div>
  );
}
