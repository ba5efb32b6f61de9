import type { Server } from 'socket.io';
import type { Hub } from '../hub.js';
import { authenticate } from '../services/auth.js';
import { attachContainerSockets, jobRoom } from './container-sockets.js';

export const UI_NAMESPACE = '/ui';

/**
 * The `/ui` namespace: signed-in browsers (session cookie) receive live job
 * events and change notices. Emitting through the namespace goes through the
 * socket.io adapter, so browsers on other hub processes get them too.
 */
export function attachUiNamespace(io: Server, hub: Hub): void {
  const nsp = io.of(UI_NAMESPACE);
  nsp.use((socket, next) => {
    authenticate(hub.prisma, { cookie: socket.handshake.headers.cookie, authorization: socket.handshake.headers.authorization }).then(
      (p) => (p ? ((socket.data.principal = p), next()) : next(Object.assign(new Error('sign in first'), { data: { code: 'unauthorized' } }))),
      (err: Error) => next(err),
    );
  });
  // A container's log lines go only to the browser that follows them.
  hub.bus.on('job', (e) => void (e.kind === 'container.logs' ? nsp.to(jobRoom(e.jobId)) : nsp).emit('job', e));
  hub.bus.on('changed', (e) => void nsp.emit('changed', e));
  hub.bus.on('hostStep', (e) => void nsp.emit('host:step', e));
  attachContainerSockets(nsp, hub); // followed logs and exec terminals
}
