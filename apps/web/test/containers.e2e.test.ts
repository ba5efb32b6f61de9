import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { ADMIN, startHubWithAgent } from './helpers/hub.js';
import { launchChromium, screenshot, signedInPage } from './helpers/browser.js';

/**
 * The containers page in Debian's Chromium against a real agent: run a
 * busybox container from the dialog, watch its log lines arrive live, open
 * the diff tree after it wrote a file, and type into an xterm.js terminal.
 */
describe('containers page in Chromium', () => {
  let s: Awaited<ReturnType<typeof startHubWithAgent>>;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => screenshot(page, name);

  beforeAll(async () => {
    s = await startHubWithAgent({ web: true });
    browser = await launchChromium();
    page = await signedInPage(browser, s.server.url, ADMIN);
  });
  afterAll(async () => {
    await browser?.close();
    s?.cli.run(['rm', '-f', 'e2e-box']);
    await s?.stop();
  });

  it('runs busybox from the dialog and follows its log as it is written', async () => {
    await page.getByRole('link', { name: 'Containers' }).click();
    await page.getByRole('button', { name: 'Run container' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run a container' });
    await dialog.getByLabel('Image').locator('option', { hasText: 'busybox:latest' }).waitFor({ state: 'attached' });
    await dialog.getByLabel('Image').selectOption('busybox:latest');
    await dialog.getByLabel('Container name').fill('e2e-box');
    await dialog.getByLabel('Network').selectOption('none');
    // The second line waits for a file the test creates, so it cannot be there when the panel opens.
    await dialog.getByLabel('Command').fill(`sh -c 'echo e2e-hello; until [ -e /go ]; do sleep 0.2; done; echo hi > /e2e.txt; echo e2e-written; exec sleep 1000'`);
    await dialog.getByLabel('Environment').fill('A=1');
    await dialog.getByText('Detached (-d)').click(); // attached: the logs panel opens once it runs
    await shot('container-run');
    await dialog.getByRole('button', { name: 'Run' }).click();

    const logs = page.getByRole('dialog', { name: 'Logs — e2e-box' });
    const lines = logs.getByTestId('log-lines');
    await lines.getByText('e2e-hello').waitFor();
    await logs.getByTestId('logs-state').filter({ hasText: 'following' }).waitFor();
    await expect(lines.getByText('e2e-written').count()).resolves.toBe(0);
    expect(s.cli.run(['exec', 'e2e-box', 'touch', '/go']).status).toBe(0);
    await lines.getByText('e2e-written').waitFor(); // streamed in while the panel was open
    await logs.getByText('Timestamps').click();
    await expect(lines.textContent()).resolves.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z?.*e2e-hello/);
    await shot('container-logs');
    await logs.getByRole('button', { name: 'Close' }).click();

    const row = page.getByTestId('container-row').filter({ hasText: 'e2e-box' });
    await row.getByText(/^Up /).waitFor();
    await expect(row.textContent()).resolves.toContain(await hostName()); // the host column
    await shot('containers');
  });

  it('shows the container’s changes as a tree with A/C/D markers', async () => {
    const row = page.getByTestId('container-row').filter({ hasText: 'e2e-box' });
    await row.getByRole('button', { name: 'More' }).click();
    await shot('container-menu');
    await row.getByRole('menuitem', { name: 'Diff' }).click();
    const dialog = page.getByRole('dialog', { name: 'Changes in e2e-box' });
    const added = dialog.locator('[data-testid=diff-entry][data-path="/e2e.txt"]');
    await added.waitFor();
    await expect(added.getAttribute('data-kind')).resolves.toBe('A');
    await expect(dialog.locator('[data-testid=diff-entry][data-path="/go"]').getAttribute('data-kind')).resolves.toBe('A');
    await expect(dialog.getByTestId('diff-summary').textContent()).resolves.toMatch(/[1-9]\d* added/);
    await shot('container-diff');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('opens a terminal with xterm.js, types a command and sees its output', async () => {
    const row = page.getByTestId('container-row').filter({ hasText: 'e2e-box' });
    await row.getByRole('button', { name: 'Terminal' }).click();
    const dialog = page.getByRole('dialog', { name: 'Terminal — e2e-box' });
    await dialog.getByRole('button', { name: 'Connect' }).click();
    await dialog.getByTestId('terminal-state').filter({ hasText: 'connected' }).waitFor();
    const screen = dialog.locator('.xterm-rows');
    await screen.getByText('/ #').waitFor(); // the shell's prompt: it reads now
    await dialog.getByTestId('terminal').click();
    await page.keyboard.type('echo $((6*7))-from-xterm; cat /e2e.txt\n');
    await screen.getByText('42-from-xterm').waitFor();
    await screen.getByText(/^hi\s*$/).waitFor();
    await shot('container-terminal');
    await dialog.getByRole('button', { name: 'Close' }).click();
    // Closing the panel hangs the session up: its job ends.
    await expect.poll(async () => (await s.server.hub.prisma.job.findFirst({ where: { kind: 'container.exec' }, orderBy: { createdAt: 'desc' } }))?.status, { timeout: 30_000 }).toBe('succeeded');
  });

  it('downloads the container’s export as a tar with the session cookie', async () => {
    const row = page.getByTestId('container-row').filter({ hasText: 'e2e-box' });
    await row.getByRole('button', { name: 'More' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('menuitem', { name: 'Export' }).click()]);
    expect(download.suggestedFilename()).toBe('e2e-box.tar');
    const path = await download.path();
    const list = spawnSync('tar', ['-tf', path], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout.split('\n').map((n) => n.replace(/^\.?\//, ''))).toEqual(expect.arrayContaining(['e2e.txt', 'bin/busybox']));
  });

  async function hostName() {
    return (await s.server.hub.prisma.host.findUniqueOrThrow({ where: { id: s.agent.hostId! } })).name;
  }
});
