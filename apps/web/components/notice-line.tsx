/** A line about the last action: `ok: null` while it works. */
export type Notice = { ok: boolean; text: string } | { ok: null; text: string };

/** The outcome of the last action: working (grey), done (green) or failed (red, an alert). */
export function NoticeLine({ notice, onClose }: { notice: Notice | undefined; onClose: () => void }) {
  if (!notice) return null;
  const tone = notice.ok === null ? 'bg-slate-100 text-slate-700' : notice.ok ? 'bg-emerald-50 text-emerald-700' : 'bg-red-50 text-red-700';
  return (
    <div role={notice.ok === false ? 'alert' : 'status'} className={`mb-4 flex items-start justify-between gap-4 rounded-lg px-4 py-2 text-sm ${tone}`}>
      <span>{notice.text}</span>
      <button type="button" aria-label="Dismiss" className="opacity-60 hover:opacity-100" onClick={onClose}>×</button>
    </div>
  );
}
