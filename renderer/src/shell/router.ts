// Hash-based routing with no dependency: the app is served from file:// in
// Electron and from the web host, and a hash route works the same in both.
// A route is a path pattern like '/sites/:siteId'; the query part
// (`#/sites/1?category=egress`) carries page state such as filters.
import { useState, useSyncExternalStore } from 'react';

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function parseHash(hash: string): Location {
  const raw = hash.replace(/^#/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  // The web host's token rides in the fragment too (#token=…); it is not a route.
  const cleanPath = path.startsWith('/') ? path.replace(/\/+$/, '') || '/' : '/';
  return { path: cleanPath, query: new URLSearchParams(query) };
}

/** Matches '/sites/:siteId' against '/sites/3' → { siteId: '3' }; null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i] as string;
    const got = s[i] as string;
    if (want.startsWith(':')) params[want.slice(1)] = decodeURIComponent(got);
    else if (want !== got) return null;
  }
  return params;
}

/** Builds '#/sites/3/openings/1-101A' from a pattern and params, encoding each segment. */
export function href(pattern: string, params: Record<string, string | number> = {}, query?: Record<string, string | undefined>): string {
  const path = pattern
    .split('/')
    .map((seg) => (seg.startsWith(':') ? encodeURIComponent(String(params[seg.slice(1)] ?? '')) : seg))
    .join('/');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) q.set(k, v);
  const qs = q.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

// ---- leaving a page with unsaved work ----
// One listener, installed before any React subscriber, may undo a hash change
// (the user declined to leave) before anything renders the new route.
type Guard = () => boolean;
let guard: Guard | null = null;
let lastHash = typeof window === 'undefined' ? '' : window.location.hash;

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', (e) => {
    if (guard && !guard()) {
      history.replaceState(null, '', lastHash || '#/');
      e.stopImmediatePropagation();
      return;
    }
    lastHash = window.location.hash;
  });
  window.addEventListener('beforeunload', (e) => {
    if (guard) e.preventDefault();
  });
}

/** While set, leaving the page asks first (`allow()` returns false to stay). Returns the remover. */
export function setNavigationGuard(allow: Guard): () => void {
  guard = allow;
  return () => {
    if (guard === allow) guard = null;
  };
}

export function navigate(to: string): void {
  window.location.hash = to.replace(/^#/, '');
}

/** Rewrites the query part without a history entry (filters typed on a page). */
export function replaceQuery(query: Record<string, string | undefined>): void {
  const { path } = parseHash(window.location.hash);
  const next = href(path, {}, query);
  if (next !== window.location.hash) history.replaceState(null, '', next);
  lastHash = window.location.hash;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current hash path; re-renders on navigation (not on replaceQuery). */
export function useHashPath(): string {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseHash(hash).path;
}

/** The query string as it was when the page mounted; pages own it afterwards. */
export function useInitialQuery(): URLSearchParams {
  const [query] = useState(() => parseHash(window.location.hash).query);
  return query;
}
