'use client';
import { useState } from 'react';

/**
 * JSON as `docker inspect` prints it, with objects and arrays collapsible (`<details>`,
 * open to `openDepth`), or as the raw pretty-printed text (toggle, copyable).
 */
export function JsonTree({ value, openDepth = 2 }: { value: unknown; openDepth?: number }) {
  const [raw, setRaw] = useState(false);
  return (
    <div>
      <div className="mb-2 flex gap-2 text-xs">
        <button type="button" className={`rounded px-2 py-1 ${raw ? 'text-slate-500' : 'bg-slate-100 font-medium'}`} onClick={() => setRaw(false)}>Tree</button>
        <button type="button" className={`rounded px-2 py-1 ${raw ? 'bg-slate-100 font-medium' : 'text-slate-500'}`} onClick={() => setRaw(true)}>Raw JSON</button>
      </div>
      {raw ? (
        <pre className="max-h-[36rem] overflow-auto rounded-lg bg-slate-900 p-3 font-mono text-xs text-slate-100" data-testid="inspect-json">{JSON.stringify(value, null, 4)}</pre>
      ) : (
        <div className="max-h-[36rem] overflow-auto rounded-lg border border-slate-200 p-3 font-mono text-xs" data-testid="inspect-tree">
          <Node name={null} value={value} depth={0} openDepth={openDepth} />
        </div>
      )}
    </div>
  );
}

function Node({ name, value, depth, openDepth }: { name: string | null; value: unknown; depth: number; openDepth: number }) {
  const key = name !== null ? <span className="text-indigo-700">&quot;{name}&quot;: </span> : null;
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return <div>{key}{open}{close}</div>;
    return (
      <details open={depth < openDepth} className="[&[open]>summary>.count]:hidden">
        <summary className="cursor-pointer select-none">
          {key}{open}<span className="count text-slate-400"> {entries.length} {Array.isArray(value) ? 'item' : 'key'}{entries.length === 1 ? '' : 's'} {close}</span>
        </summary>
        <div className="border-l border-slate-100 pl-4">
          {entries.map(([k, v]) => <Node key={k} name={Array.isArray(value) ? null : k} value={v} depth={depth + 1} openDepth={openDepth} />)}
        </div>
        <div>{close}</div>
      </details>
    );
  }
  const tone = typeof value === 'string' ? 'text-emerald-700' : typeof value === 'number' ? 'text-sky-700' : 'text-amber-700';
  return <div className="break-all">{key}<span className={tone}>{JSON.stringify(value)}</span></div>;
}
