import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser } from '../helpers/browser.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

export const SCREENSHOT = join(tmpdir(), 'users-service-docs.png');

let t: TestApp;
let browser: Browser;
let base: string;

beforeAll(async () => {
  t = await startApp();
  await t.http.post('/users').send({ name: 'ann', email: 'ann@example.com' }).expect(201);
  await t.app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Opens a page that records what the browser refused or failed at. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
  // Runs in the page (a string: this project's TypeScript has no DOM types).
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  return { page, problems };
}

describe('Swagger UI at /docs in Chromium', () => {
  it('lists the users operations and runs GET /users with "Try it out", getting a 200', async () => {
    const { page, problems } = await openPage();
    const response = await page.goto(`${base}/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    const list = page.locator('#operations-users-UsersController_list');
    await list.waitFor();
    for (const id of ['create', 'list', 'get', 'update', 'remove']) {
      await expect(page.locator(`#operations-users-UsersController_${id}`).count()).resolves.toBe(1);
    }
    await expect(page.locator('#operations-health-HealthController_check').count()).resolves.toBe(1);

    await list.locator('.opblock-summary').click();
    await list.getByRole('button', { name: 'Try it out' }).click();
    await list.getByRole('button', { name: 'Execute' }).click();
    const status = list.locator('.live-responses-table .response .response-col_status');
    await status.waitFor();
    await expect(status.innerText()).resolves.toBe('200');
    await expect(list.locator('.live-responses-table .microlight').first().innerText()).resolves.toContain(
      'ann@example.com',
    );

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems).toEqual([]);
  });
});

describe('Swagger UI with API_TOKEN set', () => {
  const token = 'browser-test-token-0123456789';
  let secured: TestApp;
  let securedBase: string;
  beforeAll(async () => {
    secured = await startApp({ env: { API_TOKEN: token } });
    await secured.app.listen(0, '127.0.0.1');
    securedBase = `http://127.0.0.1:${(secured.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => secured?.close());

  it('gets 401 without the token, and 200 after Authorize with it', async () => {
    const { page } = await openPage();
    await page.goto(`${securedBase}/docs`);
    const list = page.locator('#operations-users-UsersController_list');
    await list.locator('.opblock-summary').click();
    await list.getByRole('button', { name: 'Try it out' }).click();
    const execute = list.getByRole('button', { name: 'Execute' });
    const status = list.locator('.live-responses-table .response .response-col_status');

    await execute.click();
    await expect(status.innerText()).resolves.toMatch(/^401/);

    await page.locator('.auth-wrapper .authorize').click();
    await page.locator('.auth-container input').fill(token);
    await page.locator('.auth-btn-wrapper button.authorize').click();
    await page.locator('.auth-btn-wrapper button.btn-done').click();

    await execute.click();
    await expect.poll(() => status.innerText()).toBe('200');
  });
});
