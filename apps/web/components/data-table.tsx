'use client';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

/**
 * A list page's table: sortable columns, a search box, an empty state and a per-row
 * actions menu. Generic over the row type; rows are plain data, columns say how to show
 * and sort them.
 *
 * - `columns[i].sortValue` makes a column sortable (click its header; again to reverse).
 * - `searchText` turns on the search box, filtering rows client-side by substring; pass
 *   `search`/`onSearch` instead to own the text (a server-side search).
 * - `actions(row)` lists the row's menu items (a ⋯ button at the row's end; the menu is
 *   fixed-positioned so the table's horizontal scroll never clips it).
 * - Wide tables scroll inside their card (`overflow-x-auto`) with the actions column pinned
 *   at the right; cells do not wrap, and a column's `className` (e.g. `max-w-xs truncate`)
 *   keeps long values in check.
 */
export interface Column<T> {
  key: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  sortValue?: (row: T) => string | number;
  className?: string;
}

export interface RowAction {
  label: string;
  onSelect: () => void;
  danger?: boolean;
  disabled?: boolean;
}

export interface DataTableProps<T> {
  rows: T[] | undefined;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  searchText?: (row: T) => string;
  search?: string;
  onSearch?: (text: string) => void;
  searchPlaceholder?: string;
  actions?: (row: T) => RowAction[];
  /** Controls beside the search box (filters, buttons). */
  toolbar?: ReactNode;
  initialSort?: { key: string; desc?: boolean };
  /** What an empty table says (a search with no match says so itself). */
  empty?: ReactNode;
  /** `data-testid` of each row, for tests. */
  rowTestId?: string;
}

/** The actions column stays in view while the rest of a wide table scrolls under it. */
const STICKY = 'sticky right-0 shadow-[-6px_0_6px_-6px_rgba(15,23,42,0.15)]';

export function DataTable<T>(props: DataTableProps<T>) {
  const { rows, columns, rowKey, actions } = props;
  const [ownSearch, setOwnSearch] = useState('');
  const search = props.search ?? ownSearch;
  const setSearch = props.onSearch ?? setOwnSearch;
  const [sort, setSort] = useState(props.initialSort ?? null);

  const shown = useMemo(() => {
    let out = rows ?? [];
    const needle = search.trim().toLowerCase();
    if (needle && props.searchText && props.onSearch === undefined) {
      const text = props.searchText;
      out = out.filter((r) => text(r).toLowerCase().includes(needle));
    }
    const col = sort && columns.find((c) => c.key === sort.key);
    if (col?.sortValue) {
      const value = col.sortValue;
      out = [...out].sort((a, b) => {
        const x = value(a);
        const y = value(b);
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return sort!.desc ? -c : c;
      });
    }
    return out;
  }, [rows, search, sort, columns, props.searchText, props.onSearch]);

  const searchable = props.searchText !== undefined || props.onSearch !== undefined;
  return (
    <div>
      {(searchable || props.toolbar) && (
        <div className="mb-3 flex flex-wrap items-center gap-2">
          {searchable && (
            <input
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder={props.searchPlaceholder ?? 'Search'}
              aria-label={props.searchPlaceholder ?? 'Search'}
              className="w-64 rounded-lg border-0 px-3 py-1.5 text-sm shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:outline-none focus:ring-2 focus:ring-indigo-600"
            />
          )}
          <div className="ml-auto flex flex-wrap items-center gap-2">{props.toolbar}</div>
        </div>
      )}
      <div className="overflow-x-auto rounded-lg border border-slate-200">
        <table className="min-w-full whitespace-nowrap text-sm">
          <thead className="bg-slate-50">
            <tr className="text-left text-xs uppercase tracking-wide text-slate-500">
              {columns.map((c) => (
                <th key={c.key} scope="col" className="px-3 py-2 font-medium" aria-sort={sort?.key === c.key ? (sort.desc ? 'descending' : 'ascending') : undefined}>
                  {c.sortValue ? (
                    <button
                      type="button"
                      className="inline-flex items-center gap-1 uppercase hover:text-slate-800"
                      onClick={() => setSort(sort?.key === c.key ? { key: c.key, desc: !sort.desc } : { key: c.key })}
                    >
                      {c.header}
                      <span aria-hidden className="text-[10px]">{sort?.key === c.key ? (sort.desc ? '▼' : '▲') : '↕'}</span>
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              ))}
              {actions && <th className={`w-10 bg-slate-50 px-3 py-2 ${STICKY}`}><span className="sr-only">Actions</span></th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 bg-white">
            {shown.map((row) => (
              <tr key={rowKey(row)} data-testid={props.rowTestId} className="group hover:bg-slate-50">
                {columns.map((c) => (
                  <td key={c.key} className={`px-3 py-2 ${c.className ?? ''}`}>{c.cell(row)}</td>
                ))}
                {actions && (
                  <td className={`bg-white px-2 py-1 text-right group-hover:bg-slate-50 ${STICKY}`}>
                    <RowMenu items={actions(row)} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {rows === undefined && <p className="px-3 py-6 text-center text-sm text-slate-400">Loading…</p>}
        {rows !== undefined && shown.length === 0 && (
          <p className="px-3 py-8 text-center text-sm text-slate-400" data-testid="table-empty">
            {rows.length > 0 || search ? `Nothing matches “${search}”.` : (props.empty ?? 'Nothing here yet.')}
          </p>
        )}
      </div>
    </div>
  );
}

/** The ⋯ menu of one row: a button and a fixed-position list of menu items; Escape or a click outside closes it. */
function RowMenu({ items }: { items: RowAction[] }) {
  const [at, setAt] = useState<{ top: number; right: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!at) return;
    const close = () => setAt(null);
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    window.addEventListener('click', close);
    window.addEventListener('scroll', close, true);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('click', close);
      window.removeEventListener('scroll', close, true);
      window.removeEventListener('keydown', onKey);
    };
  }, [at]);
  if (items.length === 0) return null;
  return (
    <>
      <button
        ref={button}
        type="button"
        aria-label="Actions"
        aria-haspopup="menu"
        aria-expanded={at !== null}
        className="rounded-md px-2 py-1 text-lg leading-none text-slate-500 hover:bg-slate-100 hover:text-slate-800"
        onClick={(e) => {
          e.stopPropagation();
          const r = button.current!.getBoundingClientRect();
          setAt(at ? null : { top: r.bottom + 4, right: window.innerWidth - r.right });
        }}
      >
        ⋯
      </button>
      {at && (
        <div role="menu" style={{ top: at.top, right: at.right }} className="fixed z-30 min-w-44 rounded-lg border border-slate-200 bg-white py-1 text-left shadow-lg">
          {items.map((item) => (
            <button
              key={item.label}
              role="menuitem"
              type="button"
              disabled={item.disabled}
              onClick={() => {
                setAt(null);
                item.onSelect();
              }}
              className={`block w-full px-4 py-1.5 text-left text-sm disabled:cursor-not-allowed disabled:text-slate-300 ${item.danger ? 'text-red-600 hover:bg-red-50' : 'text-slate-700 hover:bg-slate-50'}`}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </>
  );
}
