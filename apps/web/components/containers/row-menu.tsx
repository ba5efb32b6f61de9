'use client';
import { useEffect, useRef, useState, type ReactNode } from 'react';

export const menuItemClass = 'block w-full px-3 py-1.5 text-left text-sm text-slate-700 hover:bg-slate-50';

/**
 * A row's "More" menu: a <details> dropdown that closes on a choice or a
 * click elsewhere. The menu is positioned fixed under its button so a
 * scrolling table does not clip it.
 */
export function RowMenu({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const [at, setAt] = useState<{ top: number; left: number }>();
  useEffect(() => {
    const close = (e: MouseEvent) => {
      if (ref.current?.open && !ref.current.contains(e.target as Node)) ref.current.open = false;
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, []);
  return (
    <details
      ref={ref}
      onToggle={() => {
        const r = ref.current?.querySelector('summary')?.getBoundingClientRect();
        if (ref.current?.open && r) setAt({ top: r.bottom + 4, left: Math.max(8, r.right - 144) });
      }}
      onClick={(e) => (e.target as HTMLElement).closest('[role=menuitem]') && ref.current && (ref.current.open = false)}
    >
      <summary className="inline-flex cursor-pointer list-none items-center rounded-lg bg-white px-2 py-1 text-xs font-medium text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50" role="button" aria-label="More">
        More ▾
      </summary>
      <div role="menu" style={at ? { position: 'fixed', top: at.top, left: at.left } : undefined} className="z-30 w-36 overflow-hidden rounded-lg bg-white py-1 shadow-lg ring-1 ring-slate-200">
        {children}
      </div>
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
