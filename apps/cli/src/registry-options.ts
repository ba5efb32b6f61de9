import type { distribution } from '@drydock/engine';
import { readEnv } from './env.js';
import { VERSION } from './version.js';

/** How the engine reaches registries, from the CLI's environment: config.json, insecure hosts, certs.d. */
export async function registryOptions(): Promise<{ store: distribution.CredentialStore; options: distribution.RegistryOptions }> {
  const env = readEnv();
  const { distribution: d } = await import('@drydock/engine');
  const store = new d.CredentialStore(env.dockerConfig);
  return {
    store,
    options: {
      credentials: (key) => store.get(key),
      insecureRegistries: env.insecureRegistries,
      certsDir: env.certsDir,
      // An explicit CA list replaces Node's trust, NODE_EXTRA_CA_CERTS included: name it too.
      caFiles: [...new Set(['/etc/ssl/certs/ca-certificates.crt', ...(env.extraCaFile ? [env.extraCaFile] : [])])],
      userAgent: `drydock/${VERSION}`,
    },
  };
}
