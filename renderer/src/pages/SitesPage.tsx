// Every site on this laptop, with its size and findings, and the way in for a new schedule.
import { useEffect, useState } from 'react';
import { ImportDialog } from '../schedule/ImportDialog';
import { href, navigate } from '../shell/router';
import { useSites } from '../shell/sites';
import { ErrorBanner } from '../ui/errors';
import { formatCount, formatWhen } from '../ui/format';
import { SeverityCounts } from '../ui/severity';

export function SitesPage() {
  const { sites, error, reloadSites } = useSites();
  const [importing, setImporting] = useState(false);
  // Counts and findings change elsewhere (edits, imports, the CLI): refresh on every visit.
  useEffect(() => reloadSites(), [reloadSites]);

  return (
    <div className="page">
      <div className="page-head">
        <div style={{ marginRight: 'auto' }}>
          <h1>Sites</h1>
          <p className="page-sub">Door schedules stored on this laptop.</p>
        </div>
        <button type="button" className="btn primary" onClick={() => setImporting(true)}>
          Import schedule
        </button>
      </div>
      <ErrorBanner error={error} title="The sites could not be loaded" />
      {sites && sites.length === 0 && (
        <div className="empty card">
          <p>No sites yet. Import a door schedule (CSV, TSV or XLSX) to start.</p>
        </div>
      )}
      {sites && sites.length > 0 && (
        <div className="table-wrap">
          <table className="plain sites">
            <caption className="visually-hidden">Sites</caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col" className="num">
                  Openings
                </th>
                <th scope="col">Findings</th>
                <th scope="col">Last changed</th>
              </tr>
            </thead>
            <tbody>
              {sites.map((s) => (
                <tr key={s.id}>
                  <td>
                    <a className="site-link" href={href('/sites/:siteId', { siteId: s.id })}>
                      {s.name}
                    </a>
                  </td>
                  <td className="num">{formatCount(s.openingCount)}</td>
                  <td>
                    <SeverityCounts counts={s.findingsBySeverity} />
                  </td>
                  <td className="muted">{formatWhen(s.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {importing && (
        <ImportDialog
          open
          onClose={() => setImporting(false)}
          onImported={(result) => {
            setImporting(false);
            reloadSites();
            navigate(href('/sites/:siteId', { siteId: result.siteId }));
          }}
        />
      )}
    </div>
  );
}
