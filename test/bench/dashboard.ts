/**
 * The dashboard's first load as an operator's browser sees it: bytes over the wire (compressed,
 * headers included) and the time from navigation to the first screen showing data (the page
 * sets `document.documentElement.dataset.ready = '1'`). Fresh browser context per load, so
 * nothing is cached; the median of a few loads is reported.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const browserPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * What ensureTools installs for this measurement: Debian's chromium, unless CHROMIUM_PATH names a
 * browser of the operator's own (then a missing one is reported, not installed).
 */
export const dashboardTools: Record<string, string> =
  process.env.CHROMIUM_PATH === undefined ? { chromium: 'chromium' } : {};

export async function measureDashboard(root: string, origin: string, loads = 3): Promise<string> {
  if (!existsSync(join(root, 'dist/dashboard')))
    return 'dashboard: skipped (dist/dashboard absent: the build did not produce a dashboard)';
  if (!existsSync(browserPath)) return `dashboard: skipped (no browser at ${browserPath}; set CHROMIUM_PATH)`;
  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
  try {
    const bytes: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const sizes: Promise<number>[] = [];
      page.on('requestfinished', (finished) => {
        sizes.push(finished.sizes().then((s) => s.responseBodySize + s.responseHeadersSize));
      });
      const started = performance.now();
      await page.goto(`${origin}/`, { waitUntil: 'commit' });
      // A string: the predicate runs in the page, whose DOM types this Node project does not load.
      await page.waitForFunction("document.documentElement.dataset.ready === '1'", undefined, {
        timeout: 15_000,
      });
      times.push(performance.now() - started);
      bytes.push((await Promise.all(sizes)).reduce((sum, size) => sum + size, 0));
      await context.close();
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
    return (
      `dashboard first load: ${(median(bytes) / 1024).toFixed(1)} KiB transferred (compressed, headers included), ` +
      `interactive after ${median(times).toFixed(0)} ms (median of ${loads} cold loads, headless Chromium)`
    );
  } finally {
    await browser.close();
  }
}
