import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { DrydockError } from '../errors.js';

/**
 * Docker's copy-up: the first time an empty volume is mounted where the
 * image has a directory, the directory's content is copied into it. `cp -a`
 * keeps modes, owners, timestamps, hard links and extended attributes (those
 * the host filesystem accepts) and gives the volume's root the directory's
 * own mode and owner. Returns false, copying nothing, when `volumeDir` is not
 * empty: a volume's content is never replaced.
 */
export function copyUp(sourceDir: string, volumeDir: string): boolean {
  if (readdirSync(volumeDir).length > 0) return false;
  const res = spawnSync('cp', ['-a', '--', `${sourceDir}/.`, `${volumeDir}/`], { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    throw new DrydockError('io', `copying the image's ${sourceDir} into a volume failed: ${(res.error?.message ?? res.stderr).trim()}`, { cause: res.error });
  }
  return true;
}
