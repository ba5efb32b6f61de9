'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';

let socket: Socket | undefined;
/** One /ui socket per tab: live job events and change notices. */
export function uiSocket(): Socket {
  socket ??= io('/ui', { withCredentials: true });
  return socket;
}

export type Topic = 'hosts' | 'inventory' | 'jobs' | 'builds' | 'audit';

/**
 * Loads data and reloads it when one of `topics` changes on the hub.
 * Returns the data (undefined while first loading), an error line, and reload.
 */
export function useLive<T>(load: () => Promise<T>, deps: unknown[], topics: Topic[] = []) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => {
    loadRef.current().then(
      (d) => {
        setData(d);
        setError(undefined);
      },
      (e: Error) => setError(e.message),
    );
  }, []);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(reload, deps);
  useEffect(() => {
    if (topics.length === 0) return;
    const s = uiSocket();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onChange = (e: { topic: Topic }) => {
      if (!topics.includes(e.topic)) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 150); // coalesce bursts
    };
    s.on('changed', onChange);
    s.on('connect', reload);
    return () => {
      clearTimeout(timer);
      s.off('changed', onChange);
      s.off('connect', reload);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reload, topics.join()]);
  return { data, error, reload };
}

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function ago(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.round(s)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
