import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSshHost, type SshTestHost } from '../../../packages/hosts/test/helpers/ssh-host.js';
import { repoRoot } from '../../cli/test/helpers/cli.js';
import { startHubServer, type HubServer } from '../server/index.js';
import { ADMIN } from './helpers/hub.js';
import { launchChromium, screenshot, signedInPage } from './helpers/browser.js';

/**
 * The "Add host" form and the host page in Debian's Chromium, against a real hub, OpenSSH in
 * a network namespace and the real agent bundle: a refusal shows its message, an enrollment
 * streams its steps and shows the pinned key, and the host page reads the log, accepts a
 * changed host key and removes the host.
 */
let work: string;
let ssh: SshTestHost;
let server: HubServer;
let browser: Browser;
let page: Page;
let hubUrlForAgent: string;
let prefix: string;
const shot = (name: string) => screenshot(page, name);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), `drydock-enroll-ui-${process.pid}-`));
  const bundle = join(work, 'drydock.mjs');
  copyFileSync(execFileSync(process.execPath, [join(repoRoot, 'apps/agent/build.mjs')], { encoding: 'utf8' }).trim(), bundle);
  ssh = await startSshHost();
  server = await startHubServer({ port: 0, host: '0.0.0.0', dataDir: join(work, 'hub'), admin: ADMIN, web: true });
  hubUrlForAgent = `http://${ssh.peerAddress}:${new URL(server.url).port}`;
  prefix = join(work, 'drydock-agent');
  server.hub.hostAgents = { bundlePath: bundle, install: { prefix, unitName: `drydock-agent-ui-${randomBytes(3).toString('hex')}`, agentRoot: join(work, 'agent-root') }, onlineTimeoutMs: 30_000 };
  browser = await launchChromium();
  page = await signedInPage(browser, server.url, ADMIN, { viewport: { width: 1440, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await ssh?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function fillForm(name: string, creds: { user: string; key?: string; password?: string }) {
  const form = page.getByTestId('add-host');
  await form.getByLabel('Host name').fill(name);
  await form.getByLabel('SSH host').fill(ssh.address);
  await form.getByLabel('SSH user').fill(creds.user);
  if (creds.key) {
    await form.getByRole('radio', { name: 'Private key' }).check();
    await form.getByLabel('SSH private key').fill(creds.key);
  } else {
    await form.getByRole('radio', { name: 'Password' }).check();
    await form.getByLabel('SSH password').fill(creds.password!);
  }
  await form.getByLabel('Hub URL').fill(hubUrlForAgent);
  await form.getByRole('button', { name: 'Add host' }).click();
}

it('shows why a host was refused, with the steps it got through', async () => {
  await page.getByRole('button', { name: 'Add host' }).click();
  await fillForm('no-sudo-host', { user: ssh.plainUser.name, password: ssh.plainUser.password });
  await page.getByRole('alert').filter({ hasText: 'is not root and has no passwordless sudo' }).waitFor();
  await page.locator('[data-testid=host-step][data-step=privileges][data-status=failed]').waitFor();
  await shot('add-host-refused');
  expect(await page.locator('[data-testid=host-step][data-step=connect][data-status=done]').count()).toBe(1);
  await expect(page.getByTestId('host-row').filter({ hasText: 'no-sudo-host' }).count()).resolves.toBe(0);
});

it('adds a host: live steps, the pinned fingerprint, online; then log, a changed key accepted, remove', async () => {
  await fillForm('ui-host', { user: 'root', key: ssh.rootKey.privateKey });
  // The step list is fed only by the /ui socket: seeing it proves the steps streamed.
  await page.locator('[data-testid=host-step][data-step=online][data-status=done]').waitFor({ timeout: 60_000 });
  await page.getByTestId('fingerprint').filter({ hasText: ssh.hostKeyFingerprint }).waitFor();
  const row = page.getByTestId('host-row').filter({ hasText: 'ui-host' });
  await row.getByText('online').waitFor();
  await shot('add-host-done');

  await row.getByRole('link', { name: 'ui-host' }).click();
  await page.waitForURL(/\/hosts\/[a-z0-9]+$/);
  await page.getByTestId('pinned-fingerprint').filter({ hasText: ssh.hostKeyFingerprint }).waitFor();
  await page.getByRole('button', { name: 'Log' }).click();
  await page.getByTestId('agent-log').filter({ hasText: `connected to ${hubUrlForAgent}` }).waitFor();

  const rotated = await ssh.rotateHostKey();
  await page.getByRole('button', { name: 'Restart' }).click();
  await page.getByRole('alert').filter({ hasText: `host key changed for root@${ssh.address}:22` }).waitFor();
  await page.getByTestId('key-changed').filter({ hasText: rotated }).waitFor();
  await shot('host-key-changed');
  await page.getByRole('button', { name: 'Check the key now' }).click();
  await page.getByRole('button', { name: `Accept ${rotated}` }).click();
  await page.getByText(`Host key ${rotated} accepted.`).waitFor();
  await page.getByTestId('pinned-fingerprint').filter({ hasText: rotated }).waitFor();
  await page.getByRole('button', { name: 'Restart' }).click();
  await page.getByText('Restarted.').waitFor({ timeout: 30_000 });

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Remove' }).click();
  await page.waitForURL(`${server.url}/`);
  await page.getByText(/^\d+ hosts$/).waitFor();
  await expect(page.getByTestId('host-row').filter({ hasText: 'ui-host' }).count()).resolves.toBe(0);
  expect(existsSync(prefix)).toBe(false);
});
