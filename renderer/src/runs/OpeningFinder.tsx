// Find the next opening three ways: the door tag (typed, scanned by a barcode
// scanner that types and presses Enter, or read from the door label's QR code with
// the camera), a search over ids and locations, and the floor route ("next untested
// on this floor" in schedule order). A label from another site opens nothing.
import { useState, type FormEvent } from 'react';
import type { NextOpeningResult, OpeningProgressRow } from '../../../app/contract/runs';
import type { RemoteResult } from '../../../app/contract/sync';
import { parseDoorTag } from '../../../core/runs/door-tag';
import { api } from '../api';
import { href, navigate } from '../shell/router';
import { ErrorBanner } from '../ui/errors';
import { humanize } from '../ui/format';
import { RemoteMark } from './remote';
import { StatusPill } from './words';
import { CameraScan } from './CameraScan';

export function openingHref(siteId: number, runId: number, openingId: string): string {
  return href('/sites/:siteId/runs/:runId/openings/:openingId', { siteId, runId, openingId });
}

export function MatchList({
  rows,
  siteId,
  runId,
  label,
  remote,
}: {
  rows: OpeningProgressRow[];
  siteId: number;
  runId: number;
  label: string;
  /** Other devices' latest results by opening, marked as theirs beside this run's status. */
  remote?: Map<string, RemoteResult[]>;
}) {
  return (
    <ul className="match-list" aria-label={label}>
      {rows.map((r) => (
        <li key={r.openingId}>
          <a className="match" href={openingHref(siteId, runId, r.openingId)} data-opening-id={r.openingId}>
            <span className="match-id">{r.openingId}</span>
            <span className="match-loc">
              {r.location}
              <span className="muted">
                {' '}
                · Floor {r.floor} · {humanize(r.failMode)} · {humanize(r.lockType)}
              </span>
              {remote?.get(r.openingId) && <RemoteMark results={remote.get(r.openingId)!} />}
            </span>
            <StatusPill status={r.status} />
          </a>
        </li>
      ))}
    </ul>
  );
}

export function OpeningFinder({
  siteId,
  runId,
  floors,
  currentOpeningId,
  currentFloor,
  autoFocusTag,
}: {
  siteId: number;
  runId: number;
  floors: string[];
  currentOpeningId?: string;
  currentFloor?: string;
  autoFocusTag?: boolean;
}) {
  const [tag, setTag] = useState('');
  const [search, setSearch] = useState('');
  const [floor, setFloor] = useState(currentFloor ?? floors[0] ?? '');
  const [found, setFound] = useState<NextOpeningResult | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [camera, setCamera] = useState(false);

  const ask = async (input: Parameters<typeof api.nextOpening>[0], go: boolean) => {
    setError(null);
    setNote(null);
    try {
      const res = await api.nextOpening(input);
      if (go && res.next) {
        navigate(openingHref(siteId, runId, res.next.openingId));
        return;
      }
      setFound(res);
      if (res.how === 'tag' && res.otherSite !== undefined)
        setNote(
          `This label is for site “${res.otherSite}”, not this run's site. Nothing was opened: test that door in a run on its own site.`,
        );
      else if (res.how === 'tag' && !res.next)
        setNote(`No opening has the tag “${parseDoorTag(input.tag ?? '').openingId}”. Check the tag or search by location.`);
      if (res.how === 'route' && !res.next) setNote(`Every opening${input.floor ? ` on floor ${input.floor}` : ''} has been tested.`);
      if (res.how === 'search' && res.matches.length === 0) setNote(`Nothing matches “${input.search ?? ''}”.`);
    } catch (err) {
      setError(err);
    }
  };

  const onTag = (e: FormEvent) => {
    e.preventDefault();
    const t = tag.trim();
    if (!t) return;
    setTag('');
    void ask({ runId, tag: t }, true);
  };
  const onCamera = (text: string) => {
    setCamera(false);
    void ask({ runId, tag: text }, true);
  };
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    const s = search.trim();
    if (s) void ask({ runId, search: s }, false);
  };
  const onRoute = () => {
    void ask(
      {
        runId,
        ...(floor ? { floor } : {}),
        ...(currentOpeningId && (!floor || floor === currentFloor) ? { afterOpeningId: currentOpeningId } : {}),
      },
      true,
    );
  };

  return (
    <section className="finder panel" aria-labelledby="finder-title">
      <h2 id="finder-title">Find the next opening</h2>
      <div className="finder-grid">
        <form onSubmit={onTag} className="finder-cell" aria-label="Find by door tag">
          <label htmlFor="door-tag" className="finder-label">
            Door tag <span className="muted">(type or scan, Enter)</span>
          </label>
          <div className="inline">
            <input
              id="door-tag"
              type="text"
              value={tag}
              onChange={(e) => setTag(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              // The run page is where a scanner is used: be ready for it.
              autoFocus={autoFocusTag}
              placeholder="e.g. 1-101"
            />
            <button type="submit" className="btn">
              Go
            </button>
            <button type="button" className="btn" onClick={() => setCamera(true)} disabled={camera}>
              Scan with camera
            </button>
          </div>
        </form>
        <form onSubmit={onSearch} className="finder-cell" role="search" aria-label="Search openings">
          <label htmlFor="run-search" className="finder-label">
            Search
          </label>
          <div className="inline">
            <input
              id="run-search"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              autoComplete="off"
              placeholder="id or location"
            />
            <button type="submit" className="btn">
              Search
            </button>
          </div>
        </form>
        <div className="finder-cell">
          <label htmlFor="route-floor" className="finder-label">
            Floor route
          </label>
          <div className="inline">
            <select id="route-floor" value={floor} onChange={(e) => setFloor(e.target.value)}>
              <option value="">All floors</option>
              {floors.map((f) => (
                <option key={f} value={f}>
                  Floor {f}
                </option>
              ))}
            </select>
            <button type="button" className="btn primary" onClick={onRoute}>
              Next untested on this floor
            </button>
          </div>
        </div>
      </div>
      {camera && <CameraScan onCode={onCamera} onClose={() => setCamera(false)} />}
      <div aria-live="polite">
        {note && <p className="finder-note">{note}</p>}
        <ErrorBanner error={error} title="Could not find an opening" />
        {found && found.how === 'search' && found.matches.length > 0 && (
          <MatchList rows={found.matches} siteId={siteId} runId={runId} label="Search results" />
        )}
      </div>
    </section>
  );
}
