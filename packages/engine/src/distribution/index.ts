/** The registry client: credentials, login, push and pull (Distribution v2 / OCI distribution). */
export { CredentialStore, type CredentialLocation, type Credentials } from './credentials.js';
export { DOCKER_HUB_AUTH_KEY, loginServerKey, registryHost, type RegistryHost } from './registry-host.js';
export { verifyLogin } from './login.js';
export { parsePlatform, formatPlatform, type Platform } from './manifest.js';
export type { RegistryOptions } from './client.js';
export type { PushOptions, PushResult } from './push.js';
export type { PullOptions, PullResult } from './pull.js';
