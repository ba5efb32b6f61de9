import { describe, expect, it } from 'vitest';
import { isDrydockError } from '../src/errors.js';
import { formatPlatform, parsePlatform, platformMatches } from '../src/image/platform.js';
import { hostPlatform } from '../src/time.js';

describe('platforms', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['Linux/AMD64', 'linux/amd64'],
    ['arm64', 'linux/arm64'],
    ['linux', `linux/${hostPlatform().architecture}`],
  ])('normalizes %s to %s', (spec, want) => {
    expect(formatPlatform(parsePlatform(spec))).toBe(want);
  });

  it('refuses malformed platforms', () => {
    for (const bad of ['', 'linux/amd64/v1/x', 'linux//amd64', 'linux/am d64']) {
      let err: unknown;
      try {
        parsePlatform(bad);
      } catch (e) {
        err = e;
      }
      expect(isDrydockError(err, 'invalid-argument')).toBe(true);
    }
  });

  it('matches image platforms, variants only when both name one', () => {
    expect(platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'amd64' })).toBe(false);
    expect(platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(false);
    expect(platformMatches(parsePlatform('windows/amd64'), { os: 'linux', architecture: 'amd64' })).toBe(false);
  });
});
