/**
 * The dashboard end to end in headless Chromium (issue 16 point 1): Heimdall started as users
 * start it, with control-plane auth on and a budgeted virtual key in front of a mock provider.
 * The test signs in, sends inference requests while the page stays open and asserts that the
 * overview figures, the budget bar and the live tail move WITHOUT a reload (the assertions fail if
 * the subscriptions stop delivering); it creates a virtual key through the UI and uses the value
 * shown once for an inference call. Screenshots of every screen, at desktop and phone width, go
 * to test-artifacts/screenshots/ (git-ignored, so a test run leaves the tree clean);
 * `npm run screenshots` writes them to docs/screenshots/, the ones the README shows.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { startHeimdallChild, type HeimdallChild } from '../support/heimdall-process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = process.env.HEIMDALL_SCREENSHOTS_DIR
  ? join(ROOT, process.env.HEIMDALL_SCREENSHOTS_DIR)
  : join(ROOT, 'test-artifacts/screenshots');
const ADMIN = { username: 'operator', password: 'dashboard-test-password-1' };
const VK = 'sk-bf-dashboard-test-key-0001';
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
/** How long a live update may take to show (the control plane flushes usage every 100 ms). */
const LIVE_MS = 15_000;

let mock: OpenAIMock;
let dir: string;
let heimdall: HeimdallChild;
let heimdallEnv: NodeJS.ProcessEnv;
let browser: Browser;

async function chat(key: string, model = 'openai/gpt-4o'): Promise<number> {
  const response = await fetch(`${heimdall.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bf-vk': key },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello from the dashboard test' }] }),
  });
  await response.text();
  return response.status;
}

const text = async (page: Page, selector: string) =>
  (await page.locator(selector).first().textContent()) ?? '';

/** Uncaught errors in the page, and failed GraphQL answers it received: both must stay empty. */
const pageErrors: string[] = [];

async function signIn(page: Page): Promise<void> {
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(`${heimdall.url}/`);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('[data-testid="figures"]');
}

async function open(page: Page, title: string, ready: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: title }).click();
  await page.waitForSelector(ready);
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`).toBe(
    true,
  );
  mock = await startOpenAIMock();
  dir = mkdtempSync(join(tmpdir(), 'heimdall-dashboard-e2e-'));
  // The dashboard as `npm run build` makes it, into this test's own directory.
  await build({
    configFile: join(ROOT, 'clients/dashboard/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: join(dir, 'dashboard'), emptyOutDir: true },
  });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      client: { enable_logging: true },
      providers: {
        openai: {
          keys: [{ name: 'mock-key', value: 'sk-dashboard-provider-secret', weight: 1, models: ['*'] }],
          network_config: { base_url: mock.url },
        },
      },
      governance: {
        auth_config: { is_enabled: true, admin_username: ADMIN.username, admin_password: ADMIN.password },
        budgets: [
          { id: 'budget-dev', max_limit: 5, reset_duration: '1M' },
          { id: 'budget-web', max_limit: 50, reset_duration: '1M' },
        ],
        customers: [{ id: 'acme', name: 'Acme' }],
        teams: [{ id: 'team-web', name: 'Web', customer_id: 'acme', budget_id: 'budget-web' }],
        virtual_keys: [
          { id: 'vk-dev', name: 'dev', value: VK, team_id: 'team-web', budget_id: 'budget-dev' },
        ],
        routing_rules: [
          {
            id: 'free-tier',
            name: 'free tier to mini',
            cel_expression: 'headers["x-tier"] == "free"',
            targets: [{ provider: 'openai', model: 'gpt-4o-mini' }],
          },
        ],
      },
    }),
  );
  heimdallEnv = {
    HEIMDALL_CONFIG: join(dir, 'config.json'),
    HEIMDALL_DATA_DIR: join(dir, 'data'),
    HEIMDALL_ENCRYPTION_KEY: 'dashboard-test-encryption-key',
    HEIMDALL_DASHBOARD_DIR: join(dir, 'dashboard'),
  };
  heimdall = await startHeimdallChild(heimdallEnv, 60_000);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await heimdall?.stop();
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dashboard in a browser', () => {
  it('signs in, and the overview, budget bar and live tail move without a reload as requests are sent', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    let loads = 0;
    page.on('load', () => loads++);
    await signIn(page);
    expect(await page.evaluate(() => document.documentElement.dataset.ready)).toBe('1');
    const loadsAfterSignIn = loads;

    // Overview: the request count and the 30-day spend move.
    const requestsBefore = await text(page, '[data-testid="requests"]');
    const spendBefore = await text(page, '[data-testid="spend-30d"]');
    expect(await chat(VK)).toBe(200);
    await expect
      .poll(() => text(page, '[data-testid="requests"]'), { timeout: LIVE_MS })
      .not.toBe(requestsBefore);
    await expect
      .poll(() => text(page, '[data-testid="spend-30d"]'), { timeout: LIVE_MS })
      .not.toBe(spendBefore);

    // Budgets: the key's bar (under customer Acme → team Web) moves as spend settles.
    await open(page, 'Budgets', '[data-budget="budget-dev"]');
    const bar = '[data-budget="budget-dev"] [data-testid="spent"]';
    const spentBefore = await text(page, bar);
    expect(await page.locator('[data-budget="budget-web"]').count()).toBe(1);
    expect(await chat(VK)).toBe(200);
    await expect.poll(() => text(page, bar), { timeout: LIVE_MS }).not.toBe(spentBefore);
    const spentAfterOne = await text(page, bar);
    expect(await chat(VK)).toBe(200);
    await expect.poll(() => text(page, bar), { timeout: LIVE_MS }).not.toBe(spentAfterOne);

    // Live requests: each new request adds a row at the top; a row opens its details.
    await open(page, 'Live requests', 'tr[data-request]');
    const rows = await page.locator('tr[data-request]').count();
    expect(await chat(VK)).toBe(200);
    await expect.poll(() => page.locator('tr[data-request]').count(), { timeout: LIVE_MS }).toBe(rows + 1);
    await page.locator('tr[data-request] button').first().click();
    await expect.poll(() => text(page, 'tr.details')).toContain('price book');

    // Paused, the tail holds new rows back and counts them; resumed, it shows them.
    await page.getByRole('button', { name: 'Pause' }).click();
    expect(await chat(VK)).toBe(200);
    await page.getByRole('button', { name: 'Resume (1 new)' }).waitFor({ timeout: LIVE_MS });
    expect(await page.locator('tr[data-request]').count()).toBe(rows + 1);
    await page.getByRole('button', { name: 'Resume (1 new)' }).click();
    expect(await page.locator('tr[data-request]').count()).toBe(rows + 2);

    expect(loads).toBe(loadsAfterSignIn);
    await page.close();
  }, 120_000);

  it('creates a virtual key through the UI and its value, shown once, serves an inference call', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page);
    await open(page, 'Virtual keys', 'form.grid-form');
    await page.getByLabel('Name').fill('browser key');
    await page.getByLabel('Budget (USD, optional)').fill('2');
    await page.getByRole('button', { name: 'Create key' }).click();
    const value =
      (await page.locator('[data-testid="new-key-value"]').textContent({ timeout: LIVE_MS })) ?? '';
    expect(value).toMatch(/^sk-bf-/);
    await page.locator('tr', { hasText: 'browser key' }).waitFor();
    // The new key's own budget is on the Budgets screen; the call made with the value moves it live.
    await open(page, 'Budgets', '[data-budget]');
    const spent = page.locator('.budget', { hasText: 'browser key' }).locator('[data-testid="spent"]');
    expect(await spent.textContent()).toBe('$0.00');
    expect(await chat(value, 'openai/gpt-4o-mini')).toBe(200);
    await expect.poll(() => spent.textContent(), { timeout: LIVE_MS }).not.toBe('$0.00');
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('shows a routing rule whose CEL does not parse with the error at its line and column', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page);
    await open(page, 'Config', 'text=Providers and keys');
    const rule = page.getByRole('form', { name: 'Routing rule free tier to mini' });
    await rule.getByLabel('CEL expression').fill('model == "gpt-4o" &&');
    await rule.getByRole('button', { name: 'Save rule' }).click();
    const alert = rule.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/line 1, column \d+/);
    expect(await rule.locator('pre.caret').textContent()).toContain('^');
    // Nothing was saved: the stored rule still has its old expression.
    await page.reload();
    await page.getByLabel('CEL expression').waitFor();
    expect(await page.getByLabel('CEL expression').inputValue()).toBe('headers["x-tier"] == "free"');
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('writes a screenshot of every screen at desktop and phone width', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [name, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      const context = await browser.newContext({ viewport, colorScheme: 'light', reducedMotion: 'reduce' });
      const page = await context.newPage();
      await page.goto(`${heimdall.url}/`);
      await page.getByLabel('Username').waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, `login-${name}.png`) });
      await signIn(page);
      for (const [screen, title, ready] of [
        ['overview', 'Overview', '[data-testid="figures"]'],
        ['budgets', 'Budgets', '[data-budget]'],
        ['live', 'Live requests', 'tr[data-request]'],
        ['keys', 'Virtual keys', 'tr[data-key]'],
        ['config', 'Config', 'text=Providers and keys'],
      ] as const) {
        await open(page, title, ready);
        await page.screenshot({ path: join(SCREENSHOTS, `${screen}-${name}.png`), fullPage: true });
      }
      await context.close();
    }
    for (const screen of ['login', 'overview', 'budgets', 'live', 'keys', 'config'])
      for (const name of ['desktop', 'phone'])
        expect(existsSync(join(SCREENSHOTS, `${screen}-${name}.png`)), `${screen}-${name}`).toBe(true);
  }, 120_000);

  it('shows a reconnecting banner while the server is away, then resubscribes: the bar moves again', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page);
    await open(page, 'Budgets', '[data-budget="budget-dev"]');
    const banner = page.getByTestId('reconnecting');
    expect(await banner.count()).toBe(0);

    // A restart on the same port and data directory: the socket drops, the session survives.
    await heimdall.stop();
    await banner.waitFor({ timeout: LIVE_MS });
    heimdall = await startHeimdallChild({ ...heimdallEnv, PORT: new URL(heimdall.url).port });
    await banner.waitFor({ state: 'detached', timeout: 30_000 });

    const bar = page.locator('[data-budget="budget-dev"] [data-testid="spent"]');
    const before = await bar.textContent();
    expect(await chat(VK)).toBe(200);
    await expect.poll(() => bar.textContent(), { timeout: LIVE_MS }).not.toBe(before);
    await page.close();
  }, 120_000);
});
