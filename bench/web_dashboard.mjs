// The web dashboard's first data, in Chromium (Playwright), run by bench/web.py.
//
// Input (environment): BENCH_BASE_URL, BENCH_SESSION (JSON {accessToken, refreshToken}),
// BENCH_ACCOUNTS (how many balances the dashboard must show), BENCH_LOADS, BENCH_CHROMIUM.
// Each load is a new browser context (an empty cache: a first visit after signing in) and is timed
// from the navigation's start (performance.now() in the page) to the moment every account's balance
// is on screen (drawn by the first view, web/src/firstView, or by the app), and then on to the
// moment the app itself shows them (its dashboard, interactive); the baseline is the sign-in page
// of the same app, to its heading, in the same run. Then the same with a warm HTTP cache (a
// returning customer): one context, the first load not counted.
// Output: one JSON line {"dashboard_ms": [...], "dashboard_app_ms": [...], "login_ms": [...],
// "dashboard_warm_ms": [...], "dashboard_app_warm_ms": [...], "login_warm_ms": [...]}.
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

/** The page loaded: the time (performance.now() in the page) at which each of `stages` held. */
async function load(context, path, stages) {
  const page = await context.newPage();
  await page.goto(path, { waitUntil: 'commit', timeout: TIMEOUT_MS });
  const times = [];
  for (const ready of stages) {
    await ready(page);
    times.push(await page.evaluate(() => performance.now()));
  }
  await page.close();
  return times;
}

/** A first visit: a new context, its HTTP cache empty. */
async function timed(path, stages, signedIn) {
  const context = await newContext(signedIn);
  const times = await load(context, path, stages);
  await context.close();
  return times;
}

const balancesShown = (selector) => (page) =>
  page.waitForFunction(([query, n]) => document.querySelectorAll(query).length >= n, [selector, accounts], { timeout: TIMEOUT_MS });
// First data: every balance on screen, whoever draws it; then the app's own dashboard.
const dashboardStages = [balancesShown('[data-testid="balance"]'), balancesShown('#root [data-testid="balance"]')];
const loginStages = [(page) => page.getByRole('heading', { name: 'Sign in to BankFlow' }).waitFor({ timeout: TIMEOUT_MS })];

const result = { dashboard_ms: [], dashboard_app_ms: [], login_ms: [] };
// One of each first, not counted: the gateway's first answers warm its own caches.
await timed('/login', loginStages, false);
await timed('/', dashboardStages, true);
for (let i = 0; i < loads; i += 1) {
  result.login_ms.push(...(await timed('/login', loginStages, false)));
  const [firstData, app] = await timed('/', dashboardStages, true);
  result.dashboard_ms.push(firstData);
  result.dashboard_app_ms.push(app);
}
// A returning customer: the app's hashed files are in the browser's cache (they are served
// immutable), so only index.html and the API are asked for again.
result.dashboard_warm_ms = [];
result.dashboard_app_warm_ms = [];
result.login_warm_ms = [];
for (const [keys, path, stages, signedIn] of [
  [['login_warm_ms'], '/login', loginStages, false],
  [['dashboard_warm_ms', 'dashboard_app_warm_ms'], '/', dashboardStages, true],
]) {
  const context = await newContext(signedIn);
  await load(context, path, stages); // fills the cache, not counted
  for (let i = 0; i < loads; i += 1) {
    const times = await load(context, path, stages);
    keys.forEach((key, index) => result[key].push(times[index]));
  }
  await context.close();
}
await browser.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
