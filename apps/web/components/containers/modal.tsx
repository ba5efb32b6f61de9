'use client';
import type { ReactNode } from 'react';
import { Overlay } from '../dialog';

export { Field, selectClass, textareaClass } from '../dialog';

/** A dialog over the page: Escape or the backdrop closes it. */
export function Modal({ title, onClose, children, wide = false, footer }: { title: ReactNode; onClose: () => void; children: ReactNode; wide?: boolean; footer?: ReactNode }) {
  return (
    <Overlay onClose={onClose} className="p-6 pt-16">
      <div role="dialog" aria-label={typeof title === 'string' ? title : undefined} className={`w-full ${wide ? 'max-w-5xl' : 'max-w-xl'} rounded-xl bg-white shadow-xl ring-1 ring-slate-200`}>
        <header className="flex items-center justify-between border-b border-slate-100 px-5 py-3">
          <h2 className="text-sm font-semibold text-slate-800">{title}</h2>
          <button onClick={onClose} aria-label="Close" className="rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700">✕</button>
        </header>
        <div className="p-5">{children}</div>
        {footer && <footer className="flex justify-end gap-2 border-t border-slate-100 px-5 py-3">{footer}</footer>}
      </div>
    </Overlay>
  );
}


/** Non-empty trimmed lines of a textarea. */
export const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
