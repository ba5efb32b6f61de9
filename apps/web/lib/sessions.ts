'use client';
import { uiSocket } from './hooks';

/**
 * Opens a live container session on the /ui socket (`logs:open` or
 * `exec:open`): resolves with its job id, rejects with the hub's one-line
 * refusal. `closeSession` ends it (the hub also ends it when the tab goes).
 */
export function openSession(event: 'logs:open' | 'exec:open', payload: object): Promise<string> {
  return new Promise((resolve, reject) => {
    uiSocket().emit(event, payload, (answer: { jobId: string } | { error: string; message: string }) => {
      if ('jobId' in answer) resolve(answer.jobId);
      else reject(new Error(answer.message));
    });
  });
}

export function closeSession(jobId: string): void {
  uiSocket().emit('session:close', { jobId });
}

/** A job event as the /ui socket sends it. */
export interface JobMessage {
  jobId: string;
  event: { type: string; text?: string; time?: string; stream?: string; message?: string; code?: string };
}
