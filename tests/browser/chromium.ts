/**
 * Real Chromium for the browser suites: Debian's package at /usr/bin/chromium (CHROMIUM_PATH to override), driven by
 * playwright-core, headless. Mandatory under CI=true (.ci/run installs it); elsewhere, without it, the suites are
 * skipped with a message saying how to run them.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumPresent = existsSync(CHROMIUM_PATH);

if (!chromiumPresent) {
  if (process.env.CI === 'true') throw new Error(`CI=true but Chromium is not at ${CHROMIUM_PATH}: .ci/run installs it with apt-get install -y chromium`);
  console.warn(
    `Browser suites skipped: no Chromium at ${CHROMIUM_PATH}. To run them: sudo apt-get install -y chromium (or set CHROMIUM_PATH), then npx vitest run tests/browser`,
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
