// Windowed fetching of a site's openings for the virtualised table.
// Rows come from the backend a page at a time, only for the part of the list
// that is on screen. Every keystroke in the search box starts a new query at
// once (no debounce); answers to queries the user has already typed past are
// dropped, and the previous results stay on screen until the new ones arrive,
// so the table never flashes empty.
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { Input } from '../../../app/contract';
import type { OpeningRow } from '../../../app/contract/schedule';
import { api } from '../api';

export const PAGE_SIZE = 100;

export type OpeningQuery = Omit<Input<'queryOpenings'>, 'offset' | 'limit'>;

interface ResultSet {
  key: string;
  total: number;
  pages: Map<number, OpeningRow[]>;
}

export interface OpeningPages {
  /** Rows matching the query shown on screen; null before the first answer. */
  total: number | null;
  /** The query the shown rows belong to (JSON); differs from the current one while loading. */
  shownKey: string | null;
  currentKey: string;
  loading: boolean;
  error: unknown;
  row(index: number): OpeningRow | undefined;
  /** Make sure rows [start, end] are loaded (indices inclusive). */
  ensure(start: number, end: number): void;
  /** Changes whenever rows arrive (for memoising on). */
  version: number;
}

export function queryKey(query: OpeningQuery): string {
  return JSON.stringify(query);
}

export function useOpeningPages(query: OpeningQuery): OpeningPages {
  const key = queryKey(query);
  const [version, rerender] = useReducer((n: number) => n + 1, 0);
  const shown = useRef<ResultSet | null>(null);
  const current = useRef(key);
  const inflight = useRef(new Set<string>());
  const error = useRef<unknown>(null);
  current.current = key;

  const fetchPage = useCallback((forKey: string, page: number) => {
    const tag = `${page}|${forKey}`;
    if (inflight.current.has(tag)) return;
    inflight.current.add(tag);
    const q = JSON.parse(forKey) as OpeningQuery;
    api.queryOpenings({ ...q, offset: page * PAGE_SIZE, limit: PAGE_SIZE }).then(
      (res) => {
        inflight.current.delete(tag);
        // The user has moved on to another query: this answer is stale.
        if (forKey !== current.current) return;
        error.current = null;
        if (shown.current?.key !== forKey) shown.current = { key: forKey, total: res.total, pages: new Map() };
        shown.current.total = res.total;
        shown.current.pages.set(page, res.rows);
        rerender();
      },
      (err: unknown) => {
        inflight.current.delete(tag);
        if (forKey !== current.current) return;
        error.current = err;
        rerender();
      },
    );
  }, []);

  // A new query: ask for its first page straight away.
  useEffect(() => {
    fetchPage(key, 0);
  }, [key, fetchPage]);

  const set = shown.current;
  const ensure = useCallback(
    (start: number, end: number) => {
      const s = shown.current;
      if (!s || s.key !== current.current) return;
      const last = Math.min(end, s.total - 1);
      for (let p = Math.floor(Math.max(0, start) / PAGE_SIZE); p <= Math.floor(last / PAGE_SIZE); p++) {
        if (!s.pages.has(p)) fetchPage(s.key, p);
      }
    },
    [fetchPage],
  );

  const row = useCallback((index: number) => shown.current?.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE], []);

  // A new object only when something changed, so consumers can memoise on it.
  const loading = set?.key !== key;
  const total = set?.total ?? null;
  const shownKey = set?.key ?? null;
  const err = error.current;
  return useMemo(
    () => ({ total, shownKey, currentKey: key, loading, error: err, row, ensure, version }),
    [total, shownKey, key, loading, err, row, ensure, version],
  );
}
