import { z } from 'zod';

/**
 * What an agent puts in socket.io's handshake (`io(url + '/agent', { auth })`).
 * An enrolled host presents its per-host token; a new host presents the
 * one-time enrollment token once and receives its per-host token in
 * the hello ack (HelloAck.token). Tokens are opaque strings; the hub stores them hashed.
 * `protocolVersion` (the agent's PROTOCOL_VERSION) lets the hub refuse an
 * agent it cannot speak to with `version-unsupported` before any message.
 */
const protocolVersion = z.number().int().positive().optional();
export const handshakeAuthSchema = z.union([
  z.object({ token: z.string().min(1), protocolVersion }).strict(),
  z.object({ enrollToken: z.string().min(1), protocolVersion }).strict(),
]);
export type HandshakeAuth = z.infer<typeof handshakeAuthSchema>;

/**
 * Why the hub refused a connection: the `data` of the `connect_error` the
 * agent sees (`new Error(message)` with `data` set by a namespace middleware).
 */
export const connectRefusalSchema = z.object({
  code: z.enum(['unauthorized', 'enroll-token-used', 'version-unsupported']),
  message: z.string(),
});
export type ConnectRefusal = z.infer<typeof connectRefusalSchema>;
