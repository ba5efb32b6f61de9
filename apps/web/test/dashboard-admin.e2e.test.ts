import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import type { HostFacts } from '@drydock/protocol';
import { startHubServer, type HubServer } from '../server/index.js';
import { ADMIN } from './helpers/hub.js';
import { launchChromium, screenshot, signedInPage } from './helpers/browser.js';

const facts = (over: Partial<HostFacts>): HostFacts => ({
  hostname: 'h',
  os: 'linux',
  distro: 'Debian GNU/Linux 12 (bookworm)',
  arch: 'x64',
  kernel: '6.1.0-28-amd64',
  cpus: 2,
  memoryBytes: 8e9,
  disk: { path: '/var/lib/drydock', totalBytes: 98.1e9, freeBytes: 12.3e9 },
  runtime: { name: 'crun', version: '1.8.1' },
  ...over,
});

/**
 * Admin pages in Chromium at 1280×800 (the dashboard beside the task centre):
 * the hosts table fits without a scrollbar; passwords change from the users page.
 */
describe('dashboard at 1280 px', () => {
  let dir: string;
  let server: HubServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-hosts-layout-'));
    server = await startHubServer({ port: 0, host: '127.0.0.1', dataDir: dir, admin: ADMIN, web: true });
    // A host with long values everywhere, beside an ordinary one.
    await server.hub.prisma.host.createMany({
      data: [
        { name: 'builder-01', connected: true, lastSeenAt: new Date(), facts: facts({}) as object },
        {
          name: 'ci-runner-eu-west-3-build-pool-large-instance-0042.internal.example.com',
          connected: false,
          lastSeenAt: new Date(Date.now() - 3 * 86_400_000),
          facts: facts({
            distro: 'Red Hat Enterprise Linux Server release 9.4 (Plow) with extended update support',
            kernel: '5.14.0-427.13.1.el9_4.x86_64+debug-with-a-long-local-version-suffix',
            cpus: 128,
            memoryBytes: 1.5e12,
            disk: { path: '/srv/very/deep/state/root/for/drydock/on/this/machine', totalBytes: 123.4e12, freeBytes: 98.7e12 },
            runtime: { name: 'runc', version: '1.1.12+ds1-1+deb12u1-with-patches' },
          }) as object,
        },
      ],
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signIn = (email: string, password: string): Promise<Page> => signedInPage(browser, server.url, { email, password }, { viewport: { width: 1280, height: 800 } });

  it('fits the hosts table in its card and keeps long values whole in tooltips', async () => {
    const page = await signIn(ADMIN.email, ADMIN.password);
    const long = page.getByTestId('host-row').filter({ hasText: 'ci-runner-eu-west-3' });
    await long.waitFor();
    await expect(page.getByTestId('host-row').count()).resolves.toBe(2);

    // The table's scroll box (the Table wrapper) and the page itself: nothing wider than shown.
    const widths = await page.locator('table').evaluate((table) => {
      const box = table.parentElement!;
      const doc = table.ownerDocument;
      return { scroll: box.scrollWidth, client: box.clientWidth, page: doc.documentElement.scrollWidth, view: doc.documentElement.clientWidth };
    });
    expect(widths.client).toBeGreaterThan(0);
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    expect(widths.page).toBeLessThanOrEqual(widths.view);

    // Cut values keep their whole text in a title.
    await expect(long.getByRole('link').getAttribute('title')).resolves.toBe('ci-runner-eu-west-3-build-pool-large-instance-0042.internal.example.com');
    await expect(long.locator('[title^="Red Hat Enterprise Linux"]').count()).resolves.toBe(1);
    await expect(long.locator('[title*="runc 1.1.12+ds1-1+deb12u1-with-patches"]').count()).resolves.toBe(1);
    await screenshot(page, 'hosts-1280');
    await page.context().close();
  });

  it('changes one’s own password (other sessions end) and resets another user’s', async () => {
    const elsewhere = await signIn(ADMIN.email, ADMIN.password);
    const page = await signIn(ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Users & tokens' }).click();
    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByLabel('New password', { exact: true }).fill('ann-second-password');
    await page.getByLabel('Confirm new password').fill('ann-second-password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: 'the current password is wrong' }).waitFor();

    await page.getByLabel('Current password').fill(ADMIN.password);
    await page.getByLabel('New password', { exact: true }).fill('ann-second-password');
    await page.getByLabel('Confirm new password').fill('ann-second-password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: /Password changed; \d+ other sessions? signed out\./ }).waitFor();
    await screenshot(page, 'users-1280');
    // The other browser's session ended: its next page load goes to the login page.
    await elsewhere.reload();
    await elsewhere.waitForURL(/\/login$/);
    await elsewhere.context().close();

    // An admin's reset of another user's password, from that user's row.
    await page.getByLabel('New user email').fill('opal@example.com');
    await page.getByLabel('New user name').fill('Opal');
    await page.getByLabel('New user password').fill('opal-password');
    await page.getByRole('button', { name: 'Add user' }).click();
    const opalPage = await signIn('opal@example.com', 'opal-password');
    await page.getByRole('button', { name: 'Reset password of opal@example.com' }).click();
    await page.getByLabel('New password for opal@example.com').fill('opal-new-password');
    await page.getByRole('button', { name: 'Set', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Password of opal@example.com reset' }).waitFor();
    await opalPage.reload();
    await opalPage.waitForURL(/\/login$/);
    await opalPage.context().close();
    (await signIn('opal@example.com', 'opal-new-password')).context().close();
    await page.context().close();
  });
});
