/**
 * ADD's local archive extraction, with Docker's `Untar` semantics on top of
 * the engine's root-confined `unpackLayer`:
 *
 * - The destination is always a directory: created 0755 (owned by the
 *   `--chown` owner) when missing, the archive unpacked inside it, symlinks
 *   in the archive resolving inside that directory.
 * - Entries keep the archive's modes, owners and mtimes, unless `--chown`,
 *   which owns every extracted entry (setuid/setgid bits are kept).
 * - The archive's root entry (`./`) does not touch the destination directory
 *   (Docker skips it); its mode and owner are restored after unpacking.
 *
 * - Member names follow Docker's Untar: cleaned, a leading `/` relative to
 *   the destination, a name that climbs out (`../x`) refused.
 *
 * Differences that remain: v7 (pre-POSIX) tar headers are not read; entries
 * named like OCI whiteouts fail with `unsupported` (Docker writes them as
 * plain files, which every OCI consumer of the layer would then read as
 * whiteouts).
 */
import { chmodSync, createReadStream, lchownSync, lstatSync, lutimesSync } from 'node:fs';
import { decompress } from '../../layers/decompress.js';
import { ConfinedRoot } from '../../snapshot/confined.js';
import { unpackLayer } from '../../snapshot/unpack.js';
import { TarScanner } from './archive.js';
import { baseRel, dirRel, ioError, joinRel, type DestRoot } from './dest.js';
import type { Owner } from './owner.js';

export interface Extracted {
  /** The resolved directory the archive went into. */
  dir: string;
  entries: number;
  bytes: number;
}

/** Unpacks the archive at host path `archive` into directory `destRel` of `dest`. */
export async function extractArchive(dest: DestRoot, archive: string, destRel: string, owner: Owner | null, label: string): Promise<Extracted> {
  const dir = dest.mkdirAll(destRel, 0o755, owner);
  const dirHost = dest.host(dir);
  const before = lstatSync(dirHost);
  const scanner = new TarScanner(`archive ${label}`);
  const { stream } = await decompress(createReadStream(archive));
  stream.on('error', (err) => scanner.destroy(err));
  const res = await unpackLayer(stream.pipe(scanner), dirHost, { whiteouts: 'apply', names: 'untar' });
  try {
    if (scanner.names.includes('')) {
      lchownSync(dirHost, before.uid, before.gid);
      chmodSync(dirHost, before.mode & 0o7777);
      const now = new Date();
      lutimesSync(dirHost, now, now);
    }
    if (owner) chownEntries(dirHost, scanner.names, owner);
  } catch (err) {
    throw ioError(`cannot set owners in ${dest.show(dir)}`, err);
  }
  return { dir, entries: res.entries, bytes: res.bytes };
}

/** Owns each extracted entry by `owner`, resolving names inside `dirHost` as unpackLayer placed them. */
function chownEntries(dirHost: string, names: string[], owner: Owner): void {
  const fs = new ConfinedRoot(dirHost);
  for (const name of new Set(names)) {
    if (name === '') continue;
    let parent: string | null;
    try {
      parent = fs.dir(dirRel(name), false);
    } catch {
      continue; // a parent replaced by a non-directory later in the archive
    }
    if (parent === null) continue;
    const path = fs.host(joinRel(parent, baseRel(name)));
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    lchownSync(path, owner.uid, owner.gid);
    // chown clears setuid/setgid; Docker sets the owner before the mode
    if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) chmodSync(path, st.mode & 0o7777);
  }
}
