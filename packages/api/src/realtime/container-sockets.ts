import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { closeSession, openExec, openLogs, type Session } from '../services/container-sessions.js';
import type { Principal } from '../services/principal.js';

/** The room a session's live output goes to: only the socket that opened it joins. */
export const jobRoom = (jobId: string) => `job:${jobId}`;

type Ack = (answer: { jobId: string } | { error: string; message: string }) => void;

const inputSchema = z.object({ jobId: z.string().min(1), data: z.instanceof(Uint8Array).or(z.string()) });
const resizeSchema = z.object({ jobId: z.string().min(1), cols: z.number().int().positive().max(1000), rows: z.number().int().positive().max(1000) });
const closeSchema = z.object({ jobId: z.string().min(1) });

/**
 * Browser side of container sessions on /ui (services/container-sessions.ts):
 * `logs:open` and `exec:open` answer `{jobId}` through the ack (or an error),
 * then the job is sent to the agent; `exec:input` and `exec:resize` reach the
 * agent only for sessions this socket opened; `session:close` or a
 * disconnect ends them. Log lines come as the usual `job` events, terminal
 * output as `exec:output` to the opener only.
 */
export function attachContainerSockets(nsp: Namespace, hub: Hub): void {
  hub.bus.on('execOutput', (out) => void nsp.to(jobRoom(out.jobId)).emit('exec:output', out));

  nsp.on('connection', (socket: Socket) => {
    const principal = socket.data.principal as Principal | undefined;
    if (!principal) return;
    const sessions = new Map<string, Session>();

    const opener = (openFn: typeof openLogs | typeof openExec) => async (payload: unknown, ack: unknown) => {
      const reply: Ack = typeof ack === 'function' ? (ack as Ack) : () => {};
      try {
        const { session, dispatch } = await openFn(hub, principal, payload as never);
        sessions.set(session.jobId, session);
        await socket.join(jobRoom(session.jobId));
        reply({ jobId: session.jobId });
        await dispatch();
        if (socket.disconnected && sessions.delete(session.jobId)) closeSession(hub, session); // gone while it opened
      } catch (err) {
        const zod = err instanceof z.ZodError ? err.issues[0] : undefined;
        if (err instanceof ApiError) reply({ error: err.code, message: err.message });
        else if (zod) reply({ error: 'bad-request', message: `${zod.path.join('.') || 'input'}: ${zod.message}` });
        else reply({ error: 'internal', message: err instanceof Error ? err.message : String(err) });
      }
    };
    socket.on('logs:open', opener(openLogs));
    socket.on('exec:open', opener(openExec));

    socket.on('exec:input', (payload: unknown) => {
      const msg = inputSchema.safeParse(payload);
      const s = msg.success ? sessions.get(msg.data.jobId) : undefined;
      if (!s || !msg.success) return;
      const data = typeof msg.data.data === 'string' ? Buffer.from(msg.data.data, 'utf8') : msg.data.data;
      hub.agents.execInput?.(s.hostId, { jobId: s.jobId, data });
    });
    socket.on('exec:resize', (payload: unknown) => {
      const msg = resizeSchema.safeParse(payload);
      const s = msg.success ? sessions.get(msg.data.jobId) : undefined;
      if (s && msg.success) hub.agents.execResize?.(s.hostId, msg.data);
    });
    socket.on('session:close', (payload: unknown) => {
      const msg = closeSchema.safeParse(payload);
      const s = msg.success ? sessions.get(msg.data.jobId) : undefined;
      if (!s) return;
      sessions.delete(s.jobId);
      void socket.leave(jobRoom(s.jobId));
      closeSession(hub, s);
    });
    socket.on('disconnect', () => {
      for (const s of sessions.values()) closeSession(hub, s);
      sessions.clear();
    });
  });
}
