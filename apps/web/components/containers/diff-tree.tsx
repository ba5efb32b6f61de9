'use client';
import { useEffect, useMemo, useState } from 'react';
import { countKinds, diffTree, type ChangeKind, type DiffNode } from '../../lib/diff-tree';
import { trpc } from '../../lib/trpc';
import { ErrorLine } from '../ui';
import { Modal } from './modal';

const MARK: Record<ChangeKind, { label: string; className: string }> = {
  A: { label: 'added', className: 'bg-emerald-100 text-emerald-800' },
  C: { label: 'changed', className: 'bg-amber-100 text-amber-800' },
  D: { label: 'deleted', className: 'bg-red-100 text-red-700' },
};

function Marker({ kind }: { kind: ChangeKind }) {
  return <span title={MARK[kind].label} className={`inline-flex h-5 w-5 items-center justify-center rounded font-mono text-[11px] font-bold ${MARK[kind].className}`}>{kind}</span>;
}

function Node({ node }: { node: DiffNode }) {
  const label = (
    <span data-testid="diff-entry" data-kind={node.kind ?? ''} data-path={node.path} className={`inline-flex items-center gap-2 font-mono text-xs ${node.kind === 'D' ? 'text-red-700 line-through' : 'text-slate-800'}`}>
      {node.kind ? <Marker kind={node.kind} /> : <span className="inline-block w-5" />}
      {node.name}
      {node.children.length > 0 && '/'}
    </span>
  );
  if (node.children.length === 0) return <li className="py-0.5 pl-5">{label}</li>;
  return (
    <li className="py-0.5">
      <details open>
        <summary className="cursor-pointer select-none">{label}</summary>
        <ul className="ml-3 border-l border-slate-200 pl-2">{node.children.map((c) => <Node key={c.path} node={c} />)}</ul>
      </details>
    </li>
  );
}

/** `docker diff` as a collapsible tree with A/C/D markers. */
export function DiffDialog({ hostId, container, onClose }: { hostId: string; container: { id: string; name: string }; onClose: () => void }) {
  const [changes, setChanges] = useState<{ kind: ChangeKind; path: string }[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    trpc.containers.diff.mutate({ hostId, container: container.id }).then((r) => setChanges(r.changes), (e: Error) => setError(e.message));
  }, [hostId, container.id]);
  const tree = useMemo(() => (changes ? diffTree(changes) : undefined), [changes]);
  const counts = changes ? countKinds(changes) : undefined;
  return (
    <Modal title={`Changes in ${container.name}`} onClose={onClose} wide>
      <ErrorLine error={error} />
      {!changes && !error && <p className="text-sm text-slate-400">Asking the host…</p>}
      {counts && (
        <p className="mb-3 flex gap-4 text-xs text-slate-600" data-testid="diff-summary">
          {(['A', 'C', 'D'] as const).map((k) => <span key={k} className="inline-flex items-center gap-1.5"><Marker kind={k} /> {counts[k]} {MARK[k].label}</span>)}
        </p>
      )}
      {changes?.length === 0 && <p className="text-sm text-slate-400">No changes since the container was created.</p>}
      {tree && tree.children.length > 0 && (
        <ul data-testid="diff-tree" className="max-h-[28rem] overflow-auto rounded-lg bg-slate-50 p-3">
          {tree.children.map((c) => <Node key={c.path} node={c} />)}
        </ul>
      )}
    </Modal>
  );
}
