// One site's schedule: summary cards, search and filters, and the virtualised
// table of openings. Filters live in the URL's query so "back" from an opening
// returns to the same view.
import type { SortingState } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { CATEGORIES, FAIL_MODES, LOCK_TYPES, LOCKING_ARRANGEMENTS, SEVERITIES } from '../../../core/schedule/types';
import { PowerSupplyFilter, powerSupplyQuery } from '../power/PowerSupplyFilter';
import { ImportDialog } from '../schedule/ImportDialog';
import { rememberScheduleView } from '../schedule/lastView';
import { OpeningGrid } from '../schedule/OpeningGrid';
import { SiteSummaryCards } from '../schedule/SiteSummaryCards';
import { useOpeningPages, type OpeningQuery } from '../schedule/useOpeningPages';
import { href, navigate, replaceQuery, useInitialQuery } from '../shell/router';
import { useSites } from '../shell/sites';
import { ErrorBanner } from '../ui/errors';
import { formatCount, humanize } from '../ui/format';
import { SEVERITY_LABEL } from '../ui/severity';
import { useApi } from '../query/useApi';

const FILTERS = [
  { key: 'category', label: 'Category', options: CATEGORIES, text: humanize },
  { key: 'failMode', label: 'Mode', options: FAIL_MODES, text: humanize },
  { key: 'lockType', label: 'Lock type', options: LOCK_TYPES, text: humanize },
  { key: 'lockingArrangement', label: 'Arrangement', options: LOCKING_ARRANGEMENTS, text: humanize },
  {
    key: 'severity',
    label: 'Findings',
    options: ['any', ...SEVERITIES, 'none'],
    text: (s: string) =>
      s === 'any' ? 'Any finding' : s === 'none' ? 'No findings' : (SEVERITY_LABEL[s as keyof typeof SEVERITY_LABEL] ?? s),
  },
] as const;

type FilterKey = (typeof FILTERS)[number]['key'];
type Filters = { search: string; powerSupply: string } & Record<FilterKey, string>;

function filtersFrom(q: URLSearchParams): Filters {
  return {
    search: q.get('search') ?? '',
    category: q.get('category') ?? '',
    failMode: q.get('failMode') ?? '',
    lockType: q.get('lockType') ?? '',
    lockingArrangement: q.get('lockingArrangement') ?? '',
    severity: q.get('severity') ?? '',
    powerSupply: q.get('powerSupply') ?? '',
  };
}

export function SitePage({ siteId }: { siteId: number }) {
  // A re-import replaces the schedule under the page: remount it to load afresh.
  const [epoch, setEpoch] = useState(0);
  return <SiteSchedule key={epoch} siteId={siteId} onReimported={() => setEpoch((e) => e + 1)} />;
}

function SiteSchedule({ siteId, onReimported }: { siteId: number; onReimported: () => void }) {
  const initial = useInitialQuery();
  const [filters, setFilters] = useState<Filters>(() => filtersFrom(initial));
  const [sorting, setSorting] = useState<SortingState>(() => {
    const s = initial.get('sort');
    return s ? [{ id: s.replace(/^-/, ''), desc: s.startsWith('-') }] : [];
  });
  const [importing, setImporting] = useState(false);
  const { reloadSites } = useSites();

  const query = useMemo<OpeningQuery>(() => {
    const q: OpeningQuery = { siteId };
    if (filters.search.trim()) q.search = filters.search.trim();
    for (const f of FILTERS) if (filters[f.key]) q[f.key] = filters[f.key];
    const ps = powerSupplyQuery(filters.powerSupply);
    if (ps !== undefined) q.powerSupply = ps;
    const s = sorting[0];
    if (s) q.sort = { field: s.id, desc: s.desc };
    return q;
  }, [siteId, filters, sorting]);
  const pages = useOpeningPages(query);
  // Asked after the table's first page, so the backend answers the rows first.
  const summary = useApi('getSiteSummary', { siteId });

  const update = (next: Filters, nextSorting = sorting) => {
    setFilters(next);
    const s = nextSorting[0];
    replaceQuery({ ...next, sort: s ? `${s.desc ? '-' : ''}${s.id}` : undefined });
    rememberScheduleView(siteId, window.location.hash);
  };
  const anyFilter = Object.values(filters).some(Boolean);
  const siteName = summary.data?.site.name;

  return (
    <div className="page fill">
      <div className="page-head">
        <div style={{ marginRight: 'auto' }}>
          <h1>{siteName ?? 'Schedule'}</h1>
          <p className="page-sub">Door schedule{summary.data ? ` · ${formatCount(summary.data.openingCount)} openings` : ''}</p>
        </div>
        <a className="btn primary" href={href('/sites/:siteId/runs', { siteId })}>
          Runs
        </a>
        <a className="btn" href={href('/sites/:siteId/power', { siteId })}>
          Power
        </a>
        <button type="button" className="btn" onClick={() => setImporting(true)}>
          Re-import schedule
        </button>
      </div>
      <ErrorBanner error={summary.error} title="The site could not be loaded" />
      {summary.data && <SiteSummaryCards summary={summary.data} />}

      <form className="filters" role="search" aria-label="Search and filter openings" onSubmit={(e) => e.preventDefault()}>
        <div className="field search">
          <label htmlFor="opening-search">Search</label>
          <input
            id="opening-search"
            type="search"
            placeholder="Id, location or notes"
            value={filters.search}
            onChange={(e) => update({ ...filters, search: e.target.value })}
            autoComplete="off"
          />
        </div>
        {FILTERS.map((f) => (
          <div className="field" key={f.key}>
            <label htmlFor={`filter-${f.key}`}>{f.label}</label>
            <select id={`filter-${f.key}`} value={filters[f.key]} onChange={(e) => update({ ...filters, [f.key]: e.target.value })}>
              <option value="">All</option>
              {f.options.map((o) => (
                <option key={o} value={o}>
                  {f.text(o)}
                </option>
              ))}
            </select>
          </div>
        ))}
        <PowerSupplyFilter siteId={siteId} value={filters.powerSupply} onChange={(v) => update({ ...filters, powerSupply: v })} />
        <button
          type="button"
          className="btn"
          disabled={!anyFilter}
          onClick={() =>
            update({ search: '', category: '', failMode: '', lockType: '', lockingArrangement: '', severity: '', powerSupply: '' })
          }
        >
          Clear
        </button>
      </form>

      <div className="result-line" aria-live="polite">
        {pages.total !== null && (
          <span>
            {pages.loading ? 'Searching… ' : ''}
            <strong>{formatCount(pages.total)}</strong> {pages.total === 1 ? 'opening' : 'openings'}
            {anyFilter && summary.data ? ` of ${formatCount(summary.data.openingCount)}` : ''}
          </span>
        )}
        <span className="muted">↑ ↓ to move, Enter to open</span>
      </div>
      <ErrorBanner error={pages.error} title="The openings could not be loaded" />

      <OpeningGrid
        label={`Openings of ${siteName ?? 'this site'}`}
        pages={pages}
        sorting={sorting}
        onSortingChange={(s) => {
          setSorting(s);
          update(filters, s);
        }}
        onOpen={(row) => navigate(href('/sites/:siteId/openings/:openingId', { siteId, openingId: row.opening_id }))}
      />

      {importing && (
        <ImportDialog
          open
          siteName={siteName}
          onClose={() => setImporting(false)}
          onImported={() => {
            setImporting(false);
            reloadSites();
            onReimported();
          }}
        />
      )}
    </div>
  );
}
