/**
 * The protocol's version. Bump it on any change an older peer could not read;
 * the hub refuses a hello whose version it does not speak (see README.md).
 */
export const PROTOCOL_VERSION = 1;

/** The socket.io namespace agents connect to on the hub. */
export const AGENT_NAMESPACE = '/agent';
