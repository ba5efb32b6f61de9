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
    // Docker's words: the /v2/ status for Basic, the token service's answer for Bearer.
    if (isDrydockError(err, 'unauthorized') && !err.message.startsWith('login attempt')) {
      throw new DrydockError('unauthorized', `Get "${client.url('/v2/')}": ${err.message}`, { cause: err });
    }
    throw err;
  } finally {
    await client.close();
  }
}
