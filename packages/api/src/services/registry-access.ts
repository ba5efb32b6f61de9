import { decryptSecret } from '@drydock/db';
import type { JobSpec, RegistryAccess } from '@drydock/protocol';
import type { Hub } from '../hub.js';

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The registry host a reference names, as Docker reads it (`ubuntu` → docker.io). */
export function registryHost(ref: string): string {
  const first = ref.split('/')[0]!;
  const named = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return named ? first : 'docker.io';
}

/**
 * Adds the stored credentials of the registry a pull or push names (matched
 * by host), decrypted only here, on the way to the agent: the job row keeps
 * the spec without them.
 */
export async function withRegistryAccess(hub: Hub, spec: JobSpec): Promise<JobSpec> {
  if (spec.kind !== 'image.pull' && spec.kind !== 'image.push') return spec;
  if (spec.registry?.credentials) return spec;
  const host = registryHost(spec.ref);
  const rows = await hub.prisma.registry.findMany();
  const row = rows.find((r) => {
    const h = new URL(r.url).host;
    return h === host || (DOCKER_HUB.has(host) && DOCKER_HUB.has(h));
  });
  return row ? { ...spec, registry: registryAccessOf(hub, row) } : spec;
}

/** A stored registry as a job's `registry` field: its credentials opened, plain HTTP when its URL says so. */
export function registryAccessOf(hub: Hub, row: { url: string; username: string | null; secretEnc: string | null }): RegistryAccess {
  const insecure = row.url.startsWith('http://');
  const credentials = row.username ? { username: row.username, password: row.secretEnc ? decryptSecret(hub.secretKey, row.secretEnc) : '' } : undefined;
  return { insecure, ...(credentials ? { credentials } : {}) };
}
