'use client';

export interface JobOutcome {
  id: string;
  kind: string;
  status: 'succeeded' | 'failed';
  result: Record<string, unknown> | null;
  error: string | null;
}

/** Resolves once a job has ended (GET /api/v1/jobs/:id with the session cookie). */
export async function waitForJob(id: string): Promise<JobOutcome> {
  for (;;) {
    const res = await fetch(`/api/v1/jobs/${id}`);
    const body = (await res.json()) as JobOutcome & { status: string; message?: string };
    if (!res.ok) throw new Error(body.message ?? `job ${id}: HTTP ${res.status}`);
    if (body.status === 'succeeded' || body.status === 'failed') return body;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Lets the browser download a URL as a file (the server's Content-Disposition names it). */
export function download(url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  document.body.appendChild(a);
  a.click();
  a.remove();
}
