import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { busyboxTar } from '../../cli/test/helpers/cli.js';
import { tarNames } from './helpers/tar.js';
import { ADMIN, api, startHubWithAgent, tokenFor } from './helpers/hub.js';
import { launchChromium, screenshot, signedInPage } from './helpers/browser.js';

/**
 * The images pages in Debian's Chromium at 1280 px: the inventory with its host column,
 * an image's history and inspect, tag, save as a download, import an upload, and the
 * multi-tag conflict of a remove by ID, resolved with force.
 */
describe('images pages in Chromium', () => {
  let s: Awaited<ReturnType<typeof startHubWithAgent>>;
  let browser: Browser;
  let page: Page;
  let hostName: string;
  const shot = (name: string) => screenshot(page, name);
  const localImages = () => s.cli.run(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean).sort();
  const busyboxId = () => JSON.parse(s.cli.run(['inspect', 'busybox:latest']).stdout)[0].Id as string;

  beforeAll(async () => {
    s = await startHubWithAgent({ web: true });
    const auth = `Bearer ${await tokenFor(s.server.url, ADMIN.email, ADMIN.password)}`;
    hostName = (await api(s.server.url, auth)('GET', '/api/v1/hosts')).body[0].name;
    browser = await launchChromium();
    page = await signedInPage(browser, s.server.url, ADMIN, { viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('lists the image with its host, fits 1280 px, and searches by reference or ID', async () => {
    await page.getByRole('link', { name: 'Images' }).click();
    const row = page.getByTestId('image-row').filter({ hasText: 'busybox' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(hostName);
    await expect(row.textContent()).resolves.toContain(busyboxId().slice(7, 19));
    // Nothing spills sideways at 1280 px (the sidebar, the table and the task centre fit).
    await expect(page.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(1280);
    // The row's actions stay in view inside the table's own horizontal scroll.
    const table = (await row.locator('xpath=ancestor::div[contains(@class, "overflow-x-auto")]').boundingBox())!;
    const menu = (await row.getByRole('button', { name: 'Actions' }).boundingBox())!;
    expect(menu.x + menu.width).toBeLessThanOrEqual(table.x + table.width);
    await shot('images');

    const search = page.getByLabel('Search by reference or ID');
    await search.fill('no-such-thing');
    await page.getByTestId('table-empty').filter({ hasText: 'Nothing matches “no-such-thing”' }).waitFor();
    await search.fill(busyboxId().slice(7, 15));
    await row.waitFor();
    await search.fill('');
    // The host filter keeps the image; the host's page links to the same view.
    await page.getByLabel('Host', { exact: true }).selectOption({ label: hostName });
    await page.waitForURL(/\/images\?host=/);
    await row.waitFor();
    await page.getByRole('link', { name: 'Hosts', exact: true }).click();
    await page.getByTestId('host-row').getByRole('link', { name: hostName }).click();
    await page.getByRole('link', { name: 'Images on this host' }).click();
    await page.waitForURL(new RegExp(`/images\\?host=${s.agent.hostId}$`));
    await page.getByText(`Images on ${hostName}.`).waitFor();
    await row.waitFor();
  });

  it('opens history with Docker\'s columns and the image\'s inspect JSON', async () => {
    const row = page.getByTestId('image-row').filter({ hasText: 'busybox' });
    await row.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'History & inspect' }).click();
    await page.waitForURL(/\/images\/[^/]+\/[0-9a-f]{64}$/);
    const history = page.getByTestId('history');
    await history.getByTestId('history-row').first().waitFor();
    await expect(history.locator('th').allTextContents()).resolves.toEqual(['Image', 'Created', 'Created by', 'Size', 'Comment']);
    const comment = s.cli.run(['history', '--format', '{{.Comment}}', 'busybox:latest']).stdout.trim();
    await expect(history.getByTestId('history-row').first().textContent()).resolves.toContain(comment);
    await shot('image-history');

    await page.getByRole('tab', { name: 'Inspect' }).click();
    const tree = page.getByTestId('inspect-tree');
    await tree.getByText(`"${busyboxId()}"`).first().waitFor();
    await shot('image-inspect-tree');
    await page.getByRole('button', { name: 'Raw JSON' }).click();
    const raw = JSON.parse((await page.getByTestId('inspect-json').textContent()) ?? '');
    expect(raw).toEqual(JSON.parse(s.cli.run(['inspect', 'busybox:latest']).stdout));
    await shot('image-inspect');
  });

  it('tags the image from a dialog', async () => {
    await page.getByRole('button', { name: 'Tag…' }).click();
    await page.getByRole('dialog').getByLabel('New reference').fill('e2e/tagged:1');
    await page.getByRole('dialog').getByRole('button', { name: 'Tag' }).click();
    await page.getByRole('status').filter({ hasText: 'Tagged busybox:latest as e2e/tagged:1' }).waitFor();
    await page.getByTestId('image-tags').filter({ hasText: 'e2e/tagged:1' }).waitFor();
    expect(localImages()).toEqual(['busybox:latest', 'e2e/tagged:1']);
  });

  it('downloads a save of the image', async () => {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('button', { name: 'Save as tar' }).click()]);
    const saved = (await page.getByTestId('image-title').textContent())!; // the image's first tag
    expect(['busybox:latest', 'e2e/tagged:1']).toContain(saved);
    expect(download.suggestedFilename()).toBe(`${saved.replace(/[/:]/g, '_')}.tar`);
    const file = join(s.cli.dir, 'e2e-save.tar');
    await download.saveAs(file);
    expect(await tarNames(readFileSync(file))).toEqual(expect.arrayContaining(['manifest.json', 'repositories']));
    await page.getByRole('status').filter({ hasText: 'the download has started' }).waitFor();
  });

  it('refuses a remove by ID of a multi-tag image with Docker\'s message until forced', async () => {
    const id = busyboxId();
    await page.getByRole('button', { name: 'Remove…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await dialog.getByRole('alert').filter({ hasText: `conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories` }).waitFor();
    await shot('image-remove-conflict');
    await dialog.getByRole('button', { name: 'Force remove' }).click();
    await page.waitForURL(/\/images\?host=/);
    expect(localImages()).toEqual([]);
  });

  it('imports an uploaded root filesystem tar', async () => {
    await page.getByRole('button', { name: 'Import…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Tarball').setInputFiles(busyboxTar);
    await dialog.getByLabel('Reference', { exact: true }).fill('e2e/imported:1');
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('status').filter({ hasText: 'Uploaded busybox-rootfs.tar' }).waitFor({ timeout: 60_000 });
    const row = page.getByTestId('image-row').filter({ hasText: 'e2e/imported' });
    await row.getByText('Unused').waitFor();
    expect(localImages()).toEqual(['e2e/imported:1']);
    // A container made from it (with the CLI on the host) marks it in use.
    expect(s.cli.run(['container', 'create', '--name', 'e2e-user', 'e2e/imported:1']).status).toBe(0);
    await row.getByText('In use').waitFor();
    await shot('images-imported');
  });
});
