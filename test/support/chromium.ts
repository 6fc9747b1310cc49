/**
 * Debian's Chromium for the browser tests, headless and with JavaScript off
 * (the pages must read without scripts): skipped with a printed reason
 * outside CI when it is missing, a failure in CI.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../src/config/config.js';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Screenshots land here. */
export const ARTIFACTS = join(projectRoot(), 'test-artifacts');

/** Call first in a `before`: skips the suite (or throws in CI) when Chromium is missing. */
export function requireChromium(suite: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (.ci/run)`);
  console.log(`      skipped: ${CHROMIUM} is missing (apt-get install chromium); in CI this fails`);
  suite.skip();
}

/** A browser and one page with JavaScript off; screenshots go to ARTIFACTS. */
export async function openBrowser(viewport = { width: 1400, height: 900 }): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  const context = await browser.newContext({ javaScriptEnabled: false, viewport });
  mkdirSync(ARTIFACTS, { recursive: true });
  return { browser, page: await context.newPage() };
}
