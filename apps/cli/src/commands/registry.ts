import type { Command } from 'commander';
import { out } from '../runtime.js';

/**
 * `drydock registry serve`: what `docker run -d -p 5000:5000 registry:2`
 * gives, in the foreground (stop it with Ctrl-C or SIGTERM).
 */
export function defineRegistryServe(cmd: Command): Command {
  return cmd
    .description('Run an OCI distribution registry')
    .option('--addr <host:port>', 'Address to listen on', '127.0.0.1:5000')
    .requiredOption('--root <dir>', 'Directory to store images in')
    .option('--htpasswd <file>', 'Require Basic auth against an htpasswd file (bcrypt entries)')
    .action(async (opts: { addr: string; root: string; htpasswd?: string }) => {
      const { createRegistryServer, listen } = await import('@drydock/registry');
      const server = createRegistryServer({ root: opts.root, ...(opts.htpasswd ? { htpasswd: opts.htpasswd } : {}) });
      const { url } = await listen(server, opts.addr);
      out(`Listening on ${url}`);
      await new Promise<void>((resolve) => {
        const stop = () => server.close(() => resolve());
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

/** `drydock registry gc`: deletes blobs and manifests nothing references (run with the server idle). */
export function defineRegistryGc(cmd: Command): Command {
  return cmd
    .description('Remove unreferenced blobs and manifests from a registry root')
    .requiredOption('--root <dir>', 'The registry root')
    .option('--dry-run', 'Only report what would be removed')
    .option('--delete-untagged', 'Also remove manifests no tag refers to')
    .action(async (opts: { root: string; dryRun?: boolean; deleteUntagged?: boolean }) => {
      const { garbageCollect } = await import('@drydock/registry');
      const { humanSize } = await import('../format/units.js');
      const r = await garbageCollect(opts.root, { dryRun: opts.dryRun ?? false, removeUntagged: opts.deleteUntagged ?? false });
      out(`${opts.dryRun ? 'Would remove' : 'Removed'} ${r.blobsRemoved.length} blobs and ${r.manifestsRemoved.length} manifests in ${r.repositories} repositories, freeing ${humanSize(r.bytesFreed)}`);
    });
}
