import { defineConfig } from '@playwright/test';

// Run from tests/test_web_e2e.py against the session's real stack; BANKFLOW_WEB_URL is its HTTP URL.
// Debian's chromium: `npx playwright install` cannot download here.
const launchOptions = {
  executablePath: process.env.BANKFLOW_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 180_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.BANKFLOW_WEB_URL ?? 'http://127.0.0.1:8000',
    headless: true,
    launchOptions,
    locale: 'en-US',
    timezoneId: 'America/Los_Angeles', // the app shows UTC whatever the browser's zone
    actionTimeout: 20_000,
    navigationTimeout: 60_000,
    trace: 'off',
  },
  projects: [
    { name: 'desktop', use: { viewport: { width: 1440, height: 900 } } },
    // The phone runs the money-moving journey only: the rest is the same code at another width.
    {
      name: 'phone',
      testMatch: ['money.spec.ts'],
      use: { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
    },
  ],
});
