/**
 * @drydock/registry — an OCI distribution-spec registry server (the `registry:2` of Drydock).
 *
 * ```ts
 * const server = createRegistryServer({ root: '/var/lib/drydock-registry', htpasswd: '/etc/drydock/htpasswd' });
 * const { url } = await listen(server, '127.0.0.1:5000');
 * ```
 * Configuration is passed in; nothing here reads the environment.
 */
export { createRegistryServer, listen, openRegistry, parseAddr } from './server.js';
export { garbageCollect, type GarbageCollectOptions, type GarbageCollectResult } from './gc.js';
export type { RegistryEvent, RegistryLogger, RegistryOptions } from './context.js';
export { allowAll, basicCredentials, htpasswdAuthorizer, parseHtpasswd, scopeString, type Action, type AuthResult, type Authorizer, type Scope } from './auth.js';
export { ERROR_TABLE, RegistryError, isRegistryError, type RegistryErrorCode, type SpecErrorCode } from './errors.js';
export { MAX_MANIFEST_BYTES, MEDIA_TYPES } from './manifest.js';
export { isValidName, isValidTag, parseDigest, parseName, parseReference, type Digest } from './names.js';
