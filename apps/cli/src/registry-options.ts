import type { distribution } from '@drydock/engine';
import { readEnv } from './env.js';
import { VERSION } from './version.js';

/** How the engine reaches registries, from the CLI's environment: config.json, insecure hosts, certs.d. */
export async function registryOptions(): Promise<distribution.RegistryOptions & { store: distribution.CredentialStore }> {
  const env = readEnv();
  const { distribution: d } = await import('@drydock/engine');
  const store = new d.CredentialStore(env.dockerConfig);
  return {
    store,
    credentials: (key) => store.get(key),
    insecureRegistries: env.insecureRegistries,
    certsDir: env.certsDir,
    systemCaFile: '/etc/ssl/certs/ca-certificates.crt',
    userAgent: `drydock/${VERSION}`,
  };
}
