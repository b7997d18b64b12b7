import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

export interface SeededAccount {
  account_id: string;
  number: string;
  balance: string;
}
export interface SeededCustomer {
  email: string;
  password: string;
  funded: SeededAccount;
  empty: SeededAccount;
  /** the base32 TOTP secret of a customer who turned MFA on, if this one did */
  mfa_secret?: string;
}

/** The customers tests/test_web_e2e.py seeded, one per Playwright project (balances change). */
export function seeded(project: string, who = ''): SeededCustomer {
  const raw = process.env.BANKFLOW_E2E_CUSTOMERS;
  if (!raw) throw new Error('BANKFLOW_E2E_CUSTOMERS is not set: run the browser tests through tests/test_web_e2e.py');
  const all = JSON.parse(raw) as Record<string, SeededCustomer>;
  const customer = all[who ? `${project}-${who}` : project];
  if (!customer) throw new Error(`no seeded customer for project ${project} ${who}`);
  return customer;
}

/**
 * Fail the test on any CSP violation or uncaught error the page reports. Every console error and
 * every refused API call (5xx, 429, a 401 after sign-in) is also printed as it happens: a failed
 * run's log then says what the page met (pytest shows Playwright's output only on failure).
 */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  const started = Date.now();
  const log = (line: string) => console.log(`[browser +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    log(`console error: ${message.text()}`);
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => {
    log(`page error: ${error.stack ?? error.message}`);
    problems.push(`page error: ${error.message}`);
  });
  page.on('response', (response) => {
    const status = response.status();
    if (status >= 500 || status === 429 || (status === 401 && !response.url().includes('/auth/'))) {
      log(`${status} ${response.request().method()} ${response.url()}`);
    }
  });
  page.on('requestfailed', (request) => log(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`));
  return problems;
}

/**
 * Every page visited: axe (serious or critical findings fail) and a screenshot, in the light and
 * the dark scheme (there only the colour rules: the rest is the same DOM).
 */
export async function visit(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForTimeout(150); // the palette's transition
    // The DOM is the same in both schemes, only the colours differ: the dark pass checks those.
    // Legacy mode: axe.run in the page itself. The default finishes every run in a new blank
    // page (for cross-origin frames, which the app has none of) and that doubled each check.
    const axe = new AxeBuilder({ page }).setLegacyMode(true);
    const results = await (colorScheme === 'light'
      ? axe.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
      : axe.withRules(['color-contrast', 'link-in-text-block'])
    ).analyze();
    const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      blocking.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      `axe on ${name} (${colorScheme})`,
    ).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, `${testInfo.project.name}-${name}-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Sign in from the app's front door; `photograph` runs axe and takes the screenshots of the
 * sign-in page (one journey per project does: the page is the same for everyone). */
export async function signIn(page: Page, testInfo: TestInfo, customer: SeededCustomer, photograph = false): Promise<void> {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in to BankFlow' })).toBeVisible();
  if (photograph) await visit(page, testInfo, 'login');
  await page.getByLabel('Email').fill(customer.email);
  await page.getByLabel('Password').fill(customer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Your accounts' })).toBeVisible();
}

export function card(page: Page, account: SeededAccount) {
  return page.locator(`[data-account-id="${account.account_id}"]`);
}

export async function chooseAccount(page: Page, label: string, account: SeededAccount): Promise<void> {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: new RegExp(account.number) }).click();
}

/** The current RFC 6238 code (SHA-1, 30 s, 6 digits) of a base32 TOTP secret. */
export function totp(secret: string, now = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / 30)));
  const digest = createHmac('sha1', key).update(counter).digest();
  const offset = (digest[digest.length - 1] ?? 0) & 0x0f;
  const code = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}

/** The first admin's credentials (tests/test_web_e2e.py). */
export function adminCredentials(): { email: string; password: string } {
  const raw = process.env.BANKFLOW_E2E_ADMIN;
  if (!raw) throw new Error('BANKFLOW_E2E_ADMIN is not set: run the browser tests through tests/test_web_e2e.py');
  return JSON.parse(raw) as { email: string; password: string };
}

/** Another person's browser beside this test's (its own cookies and storage), with the project's
 * viewport, locale and time zone. Close it when done. */
export async function otherBrowser(browser: Browser, testInfo: TestInfo): Promise<BrowserContext> {
  const use = testInfo.project.use;
  return browser.newContext({
    baseURL: use.baseURL,
    viewport: use.viewport,
    isMobile: use.isMobile,
    hasTouch: use.hasTouch,
    deviceScaleFactor: use.deviceScaleFactor,
    locale: use.locale,
    timezoneId: use.timezoneId,
  });
}

/** Sign the first admin in from the front door (they land on their accounts, like anyone). */
export async function signInAsAdmin(page: Page): Promise<void> {
  const admin = adminCredentials();
  await page.goto('/login');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

/** The text/plain body of a raw RFC 5322 message, transfer encoding undone (base64, QP, 7/8bit). */
export function plainTextOf(raw: string): string {
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  for (const part of parts.length > 1 ? parts : [raw]) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const head = part.slice(0, split);
    const body = part.slice(split).replace(/^\r?\n\r?\n/, '');
    if (parts.length > 1 && !/content-type:\s*text\/plain/i.test(head)) continue;
    const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
    if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (encoding === 'quoted-printable') {
      const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    }
    return body;
  }
  return '';
}

/**
 * The code in the newest message to `to` whose subject contains `subject`, from the embedded SMTP
 * server's Maildir: the indented line of the verification and reset emails. Waits for delivery.
 */
export async function mailedCode(to: string, subject: string, timeoutMs = 30_000): Promise<string> {
  const maildir = process.env.BANKFLOW_E2E_MAILDIR;
  if (!maildir) throw new Error('BANKFLOW_E2E_MAILDIR is not set: run the browser tests through tests/test_web_e2e.py');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = ['new', 'cur'].flatMap((folder) => {
      try {
        return readdirSync(join(maildir, folder)).map((name) => join(maildir, folder, name));
      } catch {
        return [];
      }
    });
    const newestFirst = files.map((path) => ({ path, at: statSync(path).mtimeMs })).sort((a, b) => b.at - a.at);
    for (const { path } of newestFirst) {
      const raw = readFileSync(path, 'utf8');
      const headers = raw.slice(0, Math.max(0, raw.search(/\r?\n\r?\n/)));
      if (!new RegExp(`^To:.*${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'im').test(headers)) continue;
      if (!new RegExp(`^Subject:.*${subject}`, 'im').test(headers)) continue;
      const code = /^ {4}(\S+)\s*$/m.exec(plainTextOf(raw))?.[1];
      if (code) return code;
    }
    if (Date.now() > deadline) throw new Error(`no "${subject}" message to ${to} in ${maildir}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
