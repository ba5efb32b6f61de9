'use client';

export interface JobOutcome {
  id: string;
  kind: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  result: Record<string, unknown> | null;
  error: string | null;
}

/** Resolves once a job has ended (GET /api/v1/jobs/:id with the session cookie). */
export async function waitForJob(id: string): Promise<JobOutcome> {
  for (;;) {
    const res = await fetch(`/api/v1/jobs/${id}`);
    const body = (await res.json()) as Omit<JobOutcome, 'status'> & { status: JobOutcome['status'] | 'queued' | 'running'; message?: string };
    if (!res.ok) throw new Error(body.message ?? `job ${id}: HTTP ${res.status}`);
    if (body.status !== 'queued' && body.status !== 'running') return { ...body, status: body.status };
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Waits for a job to end: null when it succeeded, else its error. */
export async function jobError(id: string): Promise<string | null> {
  const done = await waitForJob(id);
  return done.status === 'succeeded' ? null : (done.error ?? `the job ${done.status}`);
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

/**
 * POSTs a file with upload progress (fetch reports none): resolves with the status and the
 * JSON body; `onProgress` gets the fraction sent, 0 to 1.
 */
export function uploadFile(url: string, file: Blob, onProgress: (fraction: number) => void): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        // not JSON: the status says enough
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error('the upload failed: the hub did not answer'));
    xhr.send(file);
  });
}
