// The app shell: header (name, breadcrumb with site picker, offline status,
// theme toggle) and the page chosen by the hash route from routes.tsx.
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { DEFAULT_PATH, routes, type AppRoute } from './routes';
import { EngineBanner } from './shell/EngineBanner';
import { PageBoundary } from './shell/PageBoundary';
import { SaveDiagnosticsButton } from './shell/SaveDiagnostics';
import { href, matchPath, navigate, useHashPath } from './shell/router';
import { SitesContext } from './shell/sites';
import { useTheme } from './shell/theme';
import { SyncPill } from './sync/SyncPill';
import { useApi } from './query/useApi';

function findRoute(path: string): { route: AppRoute; params: Record<string, string> } | null {
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

export function App() {
  const path = useHashPath();
  const { theme, toggle } = useTheme();
  const sites = useApi('listSites', {});
  // One function for the app's lifetime: pages refetch on visit with it (a new one per answer would loop).
  const { refetch: refetchSites } = sites;
  const reloadSites = useCallback(() => void refetchSites(), [refetchSites]);
  const match = useMemo(() => findRoute(path), [path]);
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(path);

  useEffect(() => {
    if (path === '/') {
      history.replaceState(null, '', `#${DEFAULT_PATH}`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    }
  }, [path]);

  const siteId = match?.params.siteId;
  const siteName = sites.data?.find((s) => String(s.id) === siteId)?.name;

  useEffect(() => {
    const title = match ? match.route.title(match.params) : 'Not found';
    document.title = [title, siteName, 'DoorCx'].filter(Boolean).join(' · ');
  }, [match, siteName]);

  // After navigating, put keyboard and screen-reader focus at the new page's heading.
  useEffect(() => {
    if (path === firstPath.current) return;
    firstPath.current = '';
    const h1 = mainRef.current?.querySelector('h1');
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
  }, [path]);

  const crumb = match?.route.crumb?.(match.params);
  const sitesState = useMemo(() => ({ sites: sites.data, error: sites.error, reloadSites }), [sites.data, sites.error, reloadSites]);

  return (
    <SitesContext.Provider value={sitesState}>
      <div className="app">
        <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
          Skip to content
        </button>
        <header className="app-header">
          <a className="brand" href={href('/sites')}>
            <span className="brand-mark" aria-hidden="true">
              Cx
            </span>
            DoorCx
          </a>
          <nav className="breadcrumb" aria-label="Breadcrumb">
            <ol>
              <li>{path === '/sites' ? <span aria-current="page">Sites</span> : <a href={href('/sites')}>Sites</a>}</li>
              {siteId !== undefined && (
                <li>
                  <label className="visually-hidden" htmlFor="site-picker">
                    Site
                  </label>
                  <select
                    id="site-picker"
                    className="site-picker"
                    value={siteId}
                    onChange={(e) => navigate(href('/sites/:siteId', { siteId: e.target.value }))}
                  >
                    {!siteName && <option value={siteId}>Site {siteId}</option>}
                    {(sites.data ?? []).map((s) => (
                      <option key={s.id} value={String(s.id)}>
                        {s.name}
                      </option>
                    ))}
                  </select>
                </li>
              )}
              {crumb && (
                <li>
                  <span aria-current="page">{crumb}</span>
                </li>
              )}
            </ol>
          </nav>
          <div className="header-tools">
            <SyncPill />
            <button
              type="button"
              className="btn theme-toggle"
              onClick={toggle}
              aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
            >
              <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
              <span className="theme-word">{theme === 'dark' ? 'Light' : 'Dark'}</span>
            </button>
            <a className="btn" href={href('/controller')} aria-current={path === '/controller' ? 'page' : undefined}>
              Controller
            </a>
            <SaveDiagnosticsButton />
          </div>
        </header>
        <EngineBanner />
        <main id="main" ref={mainRef} tabIndex={-1} className="app-main">
          {match ? (
            <PageBoundary key={path}>{match.route.render(match.params)}</PageBoundary>
          ) : (
            <div className="page">
              <h1>Page not found</h1>
              <p>
                Nothing lives at <code>{path}</code>. <a href={href(DEFAULT_PATH)}>Go to the sites list</a>.
              </p>
            </div>
          )}
        </main>
      </div>
    </SitesContext.Provider>
  );
}
