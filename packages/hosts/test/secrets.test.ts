import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isHostError, SecretBox } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'drydock-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'a-hub-secret-that-is-long-enough-0123456789';
const PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

/** Flips one bit of the decoded payload at `offset` (iv 0–11, tag 12–27, ciphertext 28–). */
function flip(sealed: string, offset: number): string {
  const raw = Buffer.from(sealed.slice(4), 'base64url');
  raw[offset] = raw[offset]! ^ 0x01;
  return `dd1.${raw.toString('base64url')}`;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isHostError(err, 'secret-invalid')).toBe(true);
    return (err as Error).message;
  }
  return expect.fail('opening should have failed');
}

describe('sealing SSH credentials', () => {
  const box = SecretBox.fromSecret(SECRET);

  it('opens what it sealed, with a fresh IV each time and no plaintext in the output', () => {
    const a = box.seal(PRIVATE_KEY, 'host-1');
    const b = box.seal(PRIVATE_KEY, 'host-1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^dd1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain('OPENSSH');
    expect(box.open(a, 'host-1')).toBe(PRIVATE_KEY);
    expect(SecretBox.fromSecret(SECRET).open(b, 'host-1')).toBe(PRIVATE_KEY);
    expect(box.open(box.seal(''), '')).toBe('');
  });

  it('seals with a raw 32-byte key (the hub reuses its registry key) and refuses other sizes', () => {
    const key = Buffer.alloc(32, 7);
    const sealed = SecretBox.fromKey(key).seal(PRIVATE_KEY, 'host-1');
    expect(SecretBox.fromKey(Buffer.alloc(32, 7)).open(sealed, 'host-1')).toBe(PRIVATE_KEY);
    refusal(() => SecretBox.fromKey(Buffer.alloc(32, 8)).open(sealed, 'host-1'));
    expect(() => SecretBox.fromKey(Buffer.alloc(16))).toThrow('the key must be 32 bytes (got 16)');
  });

  it.each([
    ['the IV', 0],
    ['the tag', 20],
    ['the ciphertext', 40],
  ])('detects a flipped bit in %s', (_what, offset) => {
    const sealed = box.seal(PRIVATE_KEY, 'host-1');
    const message = refusal(() => box.open(flip(sealed, offset), 'host-1'));
    expect(message).toBe('sealed secret failed authentication (tampered, or sealed with another key or for another record)');
    expect(message).not.toContain('OPENSSH');
  });

  it('refuses another key, another record, a truncated value and something that is no sealed secret', () => {
    const sealed = box.seal('hunter2', 'host-1');
    refusal(() => SecretBox.fromSecret(`${SECRET}x`).open(sealed, 'host-1'));
    refusal(() => box.open(sealed, 'host-2'));
    refusal(() => box.open(sealed.slice(0, -4), 'host-1'));
    expect(refusal(() => box.open('dd1.AAAA', 'host-1'))).toBe('sealed secret is truncated');
    expect(refusal(() => box.open('hunter2'))).toBe('not a sealed secret (expected dd1.…)');
  });

  it('refuses a short secret', () => {
    expect(() => SecretBox.fromSecret('short')).toThrow(expect.objectContaining({ code: 'secret-key-invalid' }));
  });
});

describe('the generated key file', () => {
  it('is created with mode 0600 on first use and reused after', () => {
    const keyFile = join(dir, 'hub.key');
    const sealed = SecretBox.fromSource({ keyFile }).seal('p4ssword', 'host-9');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(SecretBox.fromSource({ keyFile }).open(sealed, 'host-9')).toBe('p4ssword');
  });

  it('prefers the secret when both are given', () => {
    const sealed = SecretBox.fromSource({ secret: SECRET, keyFile: join(dir, 'unused.key') }).seal('x');
    expect(SecretBox.fromSecret(SECRET).open(sealed)).toBe('x');
  });

  it('is refused when others may read it, or when it holds no 32-byte key', () => {
    const open = join(dir, 'open.key');
    writeFileSync(open, `${Buffer.alloc(32, 7).toString('base64')}\n`);
    chmodSync(open, 0o644);
    expect(() => SecretBox.fromSource({ keyFile: open })).toThrow(`key file ${open} is readable by others (mode 0644): chmod 600 it`);
    const short = join(dir, 'short.key');
    writeFileSync(short, 'c2hvcnQ=\n', { mode: 0o600 });
    expect(() => SecretBox.fromSource({ keyFile: short })).toThrow(expect.objectContaining({ code: 'secret-key-invalid' }));
  });
});
