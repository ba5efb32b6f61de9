import { fileURLToPath } from 'node:url';

/**
 * How the engine starts a detached container's supervisor: this very CLI,
 * with the hidden `__shim` command (see main.ts).
 */
export function shimCommand(): { command: string; args: string[] } {
  const entry = fileURLToPath(new URL('./drydock.mjs', import.meta.url));
  return { command: process.execPath, args: [entry, '__shim'] };
}
