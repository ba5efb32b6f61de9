'use client';
import { useEffect, type FormEvent, type ReactNode } from 'react';
import { Button } from './ui';

/**
 * A modal form: title, body, Cancel and a submit button. Escape or the backdrop cancels;
 * `busy` disables the submit while the work runs, `error` shows one line above the buttons.
 */
export function Dialog(props: {
  title: string;
  children: ReactNode;
  submit: string;
  onSubmit: (form: FormData) => void;
  onClose: () => void;
  busy?: boolean;
  /** What the submit button says while busy (default "Working…"). */
  busyLabel?: string | undefined;
  error?: string | undefined;
  danger?: boolean;
  /** Extra buttons left of Cancel (e.g. "Force remove" after a conflict). */
  extra?: ReactNode;
}) {
  return (
    <Overlay onClose={props.onClose} className="p-4 pt-[12vh]">
      <form
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        className="w-full max-w-lg rounded-xl bg-white shadow-xl"
        onSubmit={(e: FormEvent<HTMLFormElement>) => {
          e.preventDefault();
          props.onSubmit(new FormData(e.currentTarget));
        }}
      >
        <h2 className="break-all border-b border-slate-100 px-5 py-3 text-base font-semibold">{props.title}</h2>
        <div className="space-y-3 px-5 py-4 text-sm">{props.children}</div>
        {props.error && <p role="alert" className="mx-5 mb-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">{props.error}</p>}
        <div className="flex justify-end gap-2 border-t border-slate-100 px-5 py-3">
          {props.extra}
          <Button type="button" variant="secondary" onClick={props.onClose}>Cancel</Button>
          <Button type="submit" variant={props.danger ? 'danger' : 'primary'} disabled={props.busy}>{props.busy ? (props.busyLabel ?? 'Working…') : props.submit}</Button>
        </div>
      </form>
    </Overlay>
  );
}

/** The dimmed layer under a dialog: Escape or a click on it calls `onClose`. */
export function Overlay({ onClose, className, children }: { onClose: () => void; className: string; children: ReactNode }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className={`fixed inset-0 z-40 flex items-start justify-center overflow-y-auto bg-slate-900/40 ${className}`} onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      {children}
    </div>
  );
}

/** A labelled form field (in a Dialog or a Modal). */
export function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <label className="block text-sm">
      <span className="mb-1 block font-medium text-slate-700">{label}</span>
      {children}
      {hint && <span className="mt-1 block text-xs text-slate-500">{hint}</span>}
    </label>
  );
}

export const selectClass = 'block w-full rounded-lg border-0 py-1.5 pl-3 pr-8 text-sm ring-1 ring-inset ring-slate-300';
export const textareaClass = 'block w-full rounded-lg border-0 px-3 py-1.5 font-mono text-xs text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 focus:outline-none';
