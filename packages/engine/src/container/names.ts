import { randomInt } from 'node:crypto';

// Docker names containers adjective_person; ours are adjective_vessel, in keeping with a drydock.
const ADJECTIVES = [
  'agile', 'amber', 'ancient', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'daring', 'eager', 'early', 'fair',
  'fancy', 'fast', 'fierce', 'gentle', 'glad', 'golden', 'grand', 'happy', 'hardy', 'hidden', 'humble', 'jolly', 'keen',
  'kind', 'lively', 'loyal', 'lucky', 'merry', 'mighty', 'modest', 'nimble', 'noble', 'patient', 'plucky', 'proud',
  'quick', 'quiet', 'rapid', 'ready', 'restless', 'rugged', 'serene', 'sharp', 'shiny', 'silent', 'sleek', 'smart',
  'snappy', 'solid', 'stoic', 'sturdy', 'swift', 'tender', 'tidy', 'trusty', 'vivid', 'wise', 'witty', 'zealous',
];
const VESSELS = [
  'barge', 'barque', 'brig', 'brigantine', 'canoe', 'caravel', 'carrack', 'catamaran', 'clipper', 'coracle', 'corvette',
  'cutter', 'dhow', 'dinghy', 'dory', 'dredger', 'felucca', 'ferry', 'frigate', 'galleon', 'galley', 'gondola', 'hoy',
  'hulk', 'junk', 'kayak', 'ketch', 'launch', 'lighter', 'longboat', 'lugger', 'pinnace', 'punt', 'raft', 'schooner',
  'scow', 'sloop', 'smack', 'snow', 'steamer', 'skiff', 'tanker', 'tender', 'trawler', 'trimaran', 'tug', 'umiak',
  'whaler', 'wherry', 'xebec', 'yacht', 'yawl',
];

/** A random `adjective_vessel` name; `taken` is asked so a clash is retried with a digit, as Docker does. */
export function generateName(taken: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${VESSELS[randomInt(VESSELS.length)]}`;
    const name = attempt === 0 ? base : `${base}${randomInt(10)}`;
    if (!taken(name)) return name;
  }
  return `drydock_${randomInt(1e9)}`;
}

/** Docker's rule for container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, an optional leading '/'. */
export const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
