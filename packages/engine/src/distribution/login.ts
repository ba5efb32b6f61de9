import { DrydockError, isDrydockError } from '../errors.js';
import type { RegistryOptions } from './client.js';
import type { Credentials } from './credentials.js';
import { domainOfKey, registryHost } from './registry-host.js';

/**
 * What `docker login` checks before storing anything: that the registry's
 * /v2/ accepts these credentials, through its Basic or Bearer challenge.
 * `serverKey` is the config.json key (see loginServerKey).
 */
export async function verifyLogin(serverKey: string, creds: Credentials, opts: Omit<RegistryOptions, 'credentials'> = {}): Promise<void> {
  // The HTTP client (undici) loads only when a command talks to a registry.
  const { RegistryClient } = await import('./client.js');
  const client = new RegistryClient(registryHost(domainOfKey(serverKey), opts.insecureRegistries), { ...opts, credentials: async () => creds });
  try {
    await client.ping();
  } catch (err) {
    if (isDrydockError(err, 'unauthorized')) throw new DrydockError('unauthorized', `login to ${serverKey} failed: ${err.message}`, { cause: err });
    throw err;
  } finally {
    await client.close();
  }
}
