import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium, headless, as every browser test drives it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A new page in its own context, signed in to the hub at `url` (waits for the dashboard to know the user). */
export async function signedInPage(browser: Browser, url: string, user: { email: string; password: string }, context: BrowserContextOptions = {}): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, ...context })).newPage();
  await page.goto(`${url}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('me').filter({ hasText: user.email }).waitFor();
  return page;
}

/** Saves a full-page screenshot when DRYDOCK_E2E_SCREENSHOTS names a directory (for a look by hand). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.DRYDOCK_E2E_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}
