'use client';
import { useEffect, useRef, type ReactNode } from 'react';

export const menuItemClass = 'block w-full px-3 py-1.5 text-left text-sm text-slate-700 hover:bg-slate-50';

/** A row's "More" menu: a <details> dropdown that closes on a choice or a click elsewhere. */
export function RowMenu({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const onDoc = (e: MouseEvent) => {
      if (ref.current?.open && !ref.current.contains(e.target as Node)) ref.current.open = false;
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, []);
  return (
    <details ref={ref} className="relative" onClick={(e) => (e.target as HTMLElement).closest('[role=menuitem]') && ref.current && (ref.current.open = false)}>
      <summary className="inline-flex cursor-pointer list-none items-center rounded-lg bg-white px-2 py-1 text-xs font-medium text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50" role="button" aria-label="More">
        More ▾
      </summary>
      <div role="menu" className="absolute right-0 z-20 mt-1 w-36 overflow-hidden rounded-lg bg-white py-1 shadow-lg ring-1 ring-slate-200">{children}</div>
    </details>
  );
}

export function MenuItem({ onClick, danger = false, children }: { onClick: () => void; danger?: boolean; children: ReactNode }) {
  return (
    <button role="menuitem" onClick={onClick} className={`${menuItemClass} ${danger ? 'text-red-600! hover:bg-red-50!' : ''}`}>
      {children}
    </button>
  );
}
