import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { ADMIN, api, startHubWithAgent, tokenFor, trpcMutation } from './helpers/hub.js';
import { launchChromium, screenshot, signedInPage } from './helpers/browser.js';

/**
 * The dashboard in Debian's Chromium: sign in, see the host online, start a
 * build and watch its steps stream, find its audit row; a viewer's push is refused.
 */
describe('dashboard in Chromium', () => {
  let s: Awaited<ReturnType<typeof startHubWithAgent>>;
  let browser: Browser;

  const signIn = (email: string, password: string): Promise<Page> => signedInPage(browser, s.server.url, { email, password });

  beforeAll(async () => {
    s = await startHubWithAgent({ web: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('refuses a wrong password with a message', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${s.server.url}/login`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not-it');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // (Next.js has a route announcer with role=alert too: pick ours by its text.)
    await page.getByRole('alert').filter({ hasText: 'wrong email or password' }).waitFor();
    await page.context().close();
  });

  it('signs in, shows the host online, streams a build and finds its audit row', async () => {
    const page = await signIn(ADMIN.email, ADMIN.password);
    const host = page.getByTestId('host-row').first();
    await host.getByText('online').waitFor();
    await screenshot(page, 'hosts');

    await page.getByRole('link', { name: 'Builds' }).click();
    await page.getByLabel('Tags').fill('e2e:1');
    await page.locator('textarea[name=dockerfile]').fill('FROM busybox:latest\nRUN echo first-line && sleep 3 && echo last-line\n');
    await page.getByRole('button', { name: 'Build' }).click();
    await page.waitForURL(/\/builds\/[a-z0-9]+$/);

    // The RUN step's first line shows while the build still runs: it streamed in.
    const step = page.getByTestId('step').filter({ hasText: 'RUN echo first-line' });
    const log = step.locator('pre');
    await log.getByText('first-line').waitFor();
    // (The RUN sleeps 3 s between its lines: a page that only showed finished builds would show both at once.)
    await expect(log.getByText('last-line').count()).resolves.toBe(0);
    await screenshot(page, 'build-running');
    await log.getByText('last-line').waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: /succeeded/ }).waitFor({ timeout: 30_000 });
    await expect(step.textContent()).resolves.toMatch(/\d+\.\ds/);
    await page.getByTestId('image-id').waitFor();
    await screenshot(page, 'build-done');

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Target').fill('e2e:1');
    const row = page.getByTestId('audit-row').filter({ hasText: 'image.build' });
    await row.waitFor({ timeout: 30_000 });
    await expect(row.textContent()).resolves.toContain(ADMIN.email);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.getByTestId('verify-result').textContent()).resolves.toMatch(/Chain intact: \d+ rows verified/);
    await screenshot(page, 'audit');
    await page.context().close();
  });

  it('refuses a viewer a push from the images page and audits the refusal', async () => {
    const admin = `Bearer ${await tokenFor(s.server.url, ADMIN.email, ADMIN.password)}`;
    expect((await trpcMutation(s.server.url, admin, 'users.create', { email: 'vic@example.com', name: 'Vic', password: 'password-123', role: 'viewer' })).status).toBe(200);
    const page = await signIn('vic@example.com', 'password-123');
    await page.getByRole('link', { name: 'Images' }).click();
    const row = page.getByTestId('image-row').filter({ hasText: 'busybox' }).first();
    await row.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Push…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Push' }).click();
    await page.getByRole('alert').filter({ hasText: 'operator role required' }).waitFor();
    await screenshot(page, 'images-viewer');
    const rows = await api(s.server.url, admin)('GET', '/api/v1/audit?action=image.push&actor=vic@example.com');
    expect(rows.body[0]).toMatchObject({ outcome: 'denied', target: 'busybox:latest' });
    await page.context().close();
  });
});
