// The schedule table: TanStack Table for columns and sorting, TanStack Virtual
// so only the rows on screen exist in the DOM (smooth at 50,000 openings).
// Keyboard: the table is one tab stop; arrows / Page Up / Page Down / Home / End
// move the highlighted row, Enter opens it. A click opens a row too.
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
  type SortingState,
  type VisibilityState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { OpeningRow } from '../../../app/contract/schedule';
import { humanize } from '../ui/format';
import { SeverityBadge } from '../ui/severity';
import type { OpeningPages } from './useOpeningPages';

export const ROW_HEIGHT = 48;

interface GridItem {
  index: number;
  row: OpeningRow | undefined;
}

interface ColumnMeta {
  width: string;
  /** Hidden when the table is narrower than this (tablet portrait). */
  minTableWidth?: number;
}

const col = createColumnHelper<GridItem>();
const text = (get: (r: OpeningRow) => string | number | null | boolean) => (item: GridItem) => (item.row ? get(item.row) : undefined);

// Widths are fixed except Location, which takes the rest; on narrow screens (tablet
// portrait) the less important columns drop out rather than scroll sideways.
const columns = [
  col.accessor(
    text((r) => r.opening_id),
    { id: 'opening_id', header: 'Opening', meta: { width: '100px' } },
  ),
  col.accessor(
    text((r) => r.worstSeverity),
    {
      id: 'worstSeverity',
      header: 'Findings',
      sortDescFirst: true,
      meta: { width: '168px' },
      cell: ({ row }) =>
        row.original.row ? (
          <SeverityBadge severity={row.original.row.worstSeverity} count={row.original.row.findingCount || undefined} />
        ) : null,
    },
  ),
  col.accessor(
    text((r) => r.location),
    { id: 'location', header: 'Location', meta: { width: 'minmax(160px, 1fr)' } },
  ),
  col.accessor(
    text((r) => [r.building, r.floor].filter(Boolean).join(' / ')),
    {
      id: 'floor',
      header: 'Bldg / floor',
      meta: { width: '120px', minTableWidth: 1260 },
    },
  ),
  col.accessor(
    text((r) => humanize(r.category)),
    { id: 'category', header: 'Category', meta: { width: '120px', minTableWidth: 720 } },
  ),
  col.accessor(
    text((r) => humanize(r.lock_type)),
    { id: 'lock_type', header: 'Lock type', meta: { width: '196px', minTableWidth: 980 } },
  ),
  col.accessor(
    text((r) => humanize(r.fail_mode)),
    { id: 'fail_mode', header: 'Mode', meta: { width: '116px' } },
  ),
  col.accessor(
    text((r) => humanize(r.locking_arrangement)),
    {
      id: 'locking_arrangement',
      header: 'Arrangement',
      meta: { width: '190px', minTableWidth: 880 },
    },
  ),
  col.accessor(
    text((r) => (r.fire_alarm_release ? 'Yes' : 'No')),
    {
      id: 'fire_alarm_release',
      header: 'Fire alarm',
      meta: { width: '120px', minTableWidth: 1200 },
    },
  ),
  col.accessor(
    text((r) => r.power_supply || '—'),
    { id: 'power_supply', header: 'Power supply', meta: { width: '130px', minTableWidth: 1100 } },
  ),
  col.accessor(
    text((r) => r.pd_address ?? '—'),
    { id: 'pd_address', header: 'PD', meta: { width: '60px', minTableWidth: 1400 } },
  ),
];

export interface OpeningGridProps {
  pages: OpeningPages;
  sorting: SortingState;
  onSortingChange: (s: SortingState) => void;
  onOpen: (row: OpeningRow, index: number) => void;
  label: string;
}

export function OpeningGrid({ pages, sorting, onSortingChange, onOpen, label }: OpeningGridProps) {
  const id = useId();
  const bodyRef = useRef<HTMLDivElement>(null);
  const outerRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1280);
  const [active, setActive] = useState(0);
  const total = pages.total ?? 0;

  useLayoutEffect(() => {
    const el = outerRef.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => bodyRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (total > 0) pages.ensure(first, last);
  }, [first, last, total, pages.shownKey, pages]);

  // New results (another search or filter): back to the top.
  useEffect(() => {
    setActive(0);
    if (bodyRef.current) bodyRef.current.scrollTop = 0;
  }, [pages.shownKey]);

  const columnVisibility = useMemo<VisibilityState>(() => {
    const v: VisibilityState = {};
    for (const c of columns) {
      const meta = c.meta as ColumnMeta;
      if (meta.minTableWidth && width < meta.minTableWidth) v[c.id as string] = false;
    }
    return v;
  }, [width]);

  // Only the rows in the visible window go through the table. The data array must keep its
  // identity between renders (TanStack Table recomputes its row model when it changes).
  const data = useMemo<GridItem[]>(() => items.map((it) => ({ index: it.index, row: pages.row(it.index) })), [items, pages]);

  const table = useReactTable({
    data,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (item) => String(item.index),
    manualSorting: true,
    // Paging and filtering happen in the backend; nothing in the table should reset itself.
    autoResetAll: false,
    enableMultiSort: false,
    state: { sorting, columnVisibility },
    onSortingChange: (updater) => onSortingChange(typeof updater === 'function' ? updater(sorting) : updater),
  });

  const template = table
    .getVisibleLeafColumns()
    .map((c) => (c.columnDef.meta as ColumnMeta).width)
    .join(' ');

  const move = (to: number) => {
    const next = Math.max(0, Math.min(total - 1, to));
    setActive(next);
    // Rows have a fixed height, so keeping the row in view is plain arithmetic.
    const el = bodyRef.current;
    if (!el) return;
    const top = next * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (total === 0) return;
    const pageRows = Math.max(1, Math.floor((bodyRef.current?.clientHeight ?? 480) / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(active + 1),
      ArrowUp: () => move(active - 1),
      PageDown: () => move(active + pageRows),
      PageUp: () => move(active - pageRows),
      Home: () => move(0),
      End: () => move(total - 1),
      Enter: () => {
        const row = pages.row(active);
        if (row) onOpen(row, active);
      },
    };
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  };

  const rowsById = new Map(table.getRowModel().rows.map((r) => [r.original.index, r]));
  const activeInView = active >= first && active <= last;

  const onGridKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // Keys pressed on a sort button belong to the button.
    if (e.target === e.currentTarget) onKeyDown(e);
  };

  return (
    <div
      className="grid"
      ref={outerRef}
      role="grid"
      tabIndex={0}
      aria-label={label}
      aria-rowcount={total + 1}
      aria-colcount={table.getVisibleLeafColumns().length}
      aria-activedescendant={total > 0 && activeInView ? `${id}-row-${active}` : undefined}
      aria-busy={pages.loading}
      onKeyDown={onGridKeyDown}
      data-state={pages.loading ? 'loading' : 'ready'}
      data-total={pages.total ?? ''}
    >
      <div role="rowgroup">
        <div className="grid-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
          {table.getHeaderGroups().map((hg) =>
            hg.headers.map((h) => {
              const sorted = h.column.getIsSorted();
              return (
                <div
                  key={h.id}
                  className="cell"
                  role="columnheader"
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                >
                  {h.column.getCanSort() ? (
                    <button type="button" className="sort-btn" onClick={h.column.getToggleSortingHandler()} title="Sort">
                      {flexRender(h.column.columnDef.header, h.getContext())}
                      <span aria-hidden="true">{sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}</span>
                    </button>
                  ) : (
                    <span className="sort-btn" style={{ cursor: 'default' }}>
                      {flexRender(h.column.columnDef.header, h.getContext())}
                    </span>
                  )}
                </div>
              );
            }),
          )}
        </div>
      </div>
      <div ref={bodyRef} className="grid-body" role="rowgroup" tabIndex={-1}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const row = rowsById.get(it.index);
            const opening = row?.original.row;
            return (
              <div
                key={it.key}
                id={`${id}-row-${it.index}`}
                role="row"
                aria-rowindex={it.index + 2}
                aria-selected={it.index === active}
                className={`grid-row${it.index === active ? ' active' : ''}`}
                data-opening-id={opening?.opening_id}
                style={{ transform: `translateY(${it.start}px)`, gridTemplateColumns: template }}
                onClick={() => {
                  setActive(it.index);
                  if (opening) onOpen(opening, it.index);
                }}
              >
                {row?.getVisibleCells().map((cell) => (
                  <div key={cell.id} role="gridcell" className={`cell${cell.column.id === 'opening_id' ? ' id' : ''}`}>
                    {opening ? flexRender(cell.column.columnDef.cell, cell.getContext()) : <span className="placeholder" />}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
        {pages.total === 0 && <p className="empty">No openings match this search and these filters.</p>}
      </div>
    </div>
  );
}
