// The web dashboard's first data, in Chromium (Playwright), run by bench/web.py.
//
// Input (environment): BENCH_BASE_URL, BENCH_SESSION (JSON {accessToken, refreshToken}),
// BENCH_ACCOUNTS (how many balances the dashboard must show), BENCH_LOADS, BENCH_CHROMIUM.
// Each load is a new browser context (an empty cache: a first visit after signing in) and is timed
// from the navigation's start (performance.now() in the page) to the moment every account's balance
// is on screen; the baseline is the sign-in page of the same app, to its heading, in the same run.
// Then the same with a warm HTTP cache (a returning customer): one context, the first load not counted.
// Output: one JSON line {"dashboard_ms": [...], "login_ms": [...], "dashboard_warm_ms": [...], "login_warm_ms": [...]}.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
const { chromium } = createRequire(join(web, 'package.json'))('@playwright/test');

const baseUrl = process.env.BENCH_BASE_URL;
const session = process.env.BENCH_SESSION;
const accounts = Number(process.env.BENCH_ACCOUNTS ?? '5');
const loads = Number(process.env.BENCH_LOADS ?? '10');
if (!baseUrl || !session) throw new Error('BENCH_BASE_URL and BENCH_SESSION are required');

const browser = await chromium.launch({
  executablePath: process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const TIMEOUT_MS = 60_000;

async function newContext(signedIn) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
  if (signedIn) await context.addInitScript((stored) => sessionStorage.setItem('bankflow.session', stored), session);
  return context;
}

async function load(context, path, ready) {
  const page = await context.newPage();
  await page.goto(path, { waitUntil: 'commit', timeout: TIMEOUT_MS });
  await ready(page);
  const ms = await page.evaluate(() => performance.now());
  await page.close();
  return ms;
}

/** A first visit: a new context, its HTTP cache empty. */
async function timed(path, ready, signedIn) {
  const context = await newContext(signedIn);
  const ms = await load(context, path, ready);
  await context.close();
  return ms;
}

const dashboardReady = (page) =>
  page.waitForFunction((n) => document.querySelectorAll('[data-testid="balance"]').length >= n, accounts, { timeout: TIMEOUT_MS });
const loginReady = (page) => page.getByRole('heading', { name: 'Sign in to BankFlow' }).waitFor({ timeout: TIMEOUT_MS });

const result = { dashboard_ms: [], login_ms: [] };
// One of each first, not counted: the gateway's first answers warm its own caches.
await timed('/login', loginReady, false);
await timed('/', dashboardReady, true);
for (let i = 0; i < loads; i += 1) {
  result.login_ms.push(await timed('/login', loginReady, false));
  result.dashboard_ms.push(await timed('/', dashboardReady, true));
}
// A returning customer: the app's hashed files are in the browser's cache (they are served
// immutable), so only index.html and the API are asked for again.
result.dashboard_warm_ms = [];
result.login_warm_ms = [];
for (const [key, path, ready, signedIn] of [
  ['login_warm_ms', '/login', loginReady, false],
  ['dashboard_warm_ms', '/', dashboardReady, true],
]) {
  const context = await newContext(signedIn);
  await load(context, path, ready); // fills the cache, not counted
  for (let i = 0; i < loads; i += 1) result[key].push(await load(context, path, ready));
  await context.close();
}
await browser.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
