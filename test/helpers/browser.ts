/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, installed by scripts/test-tools.sh),
 * driven by puppeteer-core. One browser per test file; every request the page makes is recorded, so a
 * test can check that none leaves 127.0.0.1; console errors are collected; screenshots go to a temp dir.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** Every URL the page requested, in order. */
  readonly requests: string[];
  /** Console errors and uncaught exceptions. */
  readonly errors: string[];
}

/** A page in its own browser context (its own sessionStorage), watched from its first request. */
export async function openPage(browser: Browser, width = 1280): Promise<WatchedPage> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height: 900 });
  page.setDefaultTimeout(10_000);
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url ?? ''})`);
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  return { page, requests, errors };
}

let shots: string | null = null;
/** Writes a screenshot of the page into a temp dir and returns its path (printed for the reader). */
export async function screenshot(page: Page, name: string): Promise<string> {
  shots ??= mkdtempSync(join(tmpdir(), 'medgate-dashboard-'));
  const path = join(shots, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Runs `body`; when it throws, a screenshot of `page` is written and its path printed, then it rethrows. */
export async function withScreenshot(page: Page, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const path = await screenshot(page, name).catch((e: Error) => `(no screenshot: ${e.message})`);
    console.error(`screenshot of the failed view "${name}": ${path}`);
    throw err;
  }
}

/** Hosts other than 127.0.0.1 that the page asked for (data: and blob: URLs stay in the page). */
export function foreignRequests(requests: readonly string[]): string[] {
  return requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    return new URL(u).hostname !== '127.0.0.1';
  });
}
