import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { readEnv } from './env.js';

/**
 * The fetch for URL downloads (`import URL`, ADD): the global one, unless bin/drydock
 * handed NODE_EXTRA_CA_CERTS over as DRYDOCK_EXTRA_CA_CERTS, so that Node did not parse the
 * bundle at start-up (see apps/cli/README.md). Then it is undici's fetch, trusting Node's
 * roots and that bundle, which it reads on the first download only.
 */
export function downloadFetch(): typeof globalThis.fetch {
  const { extraCaFile, extraCaLoadedByNode } = readEnv();
  if (extraCaFile === undefined || extraCaLoadedByNode) return globalThis.fetch;
  let trusting: Promise<typeof globalThis.fetch> | undefined;
  const load = async (): Promise<typeof globalThis.fetch> => {
    const undici = await import('undici');
    // As Node does with NODE_EXTRA_CA_CERTS, a bundle that cannot be read adds nothing.
    const extra = existsSync(extraCaFile) ? [readFileSync(extraCaFile, 'utf8')] : [];
    const dispatcher = new undici.Agent({ connect: { ca: [...rootCertificates, ...extra] } });
    return ((input: Parameters<typeof undici.fetch>[0], init?: Parameters<typeof undici.fetch>[1]) => undici.fetch(input, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
  };
  return async (input, init) => (await (trusting ??= load()))(input, init);
}
