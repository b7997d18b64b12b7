import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { mailedCode, otherBrowser, seeded, signInAsAdmin, totp, visit, watchConsole } from './pages';

const PASSWORD = 'Correct-Horse-Battery-9';

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A real (small) PNG: a light card with a dark band, like a scanned document. */
function documentPng(width = 160, height = 100): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const band = y < 24 || (x > 12 && x < 52 && y > 36 && y < 86);
      row.set(band ? [11, 83, 148] : [236, 240, 245], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function randomSsn(): string {
  const n = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
  return `${n(100, 599)}-${n(10, 98)}-${n(1000, 9998)}`;
}

async function bearer(request: APIRequestContext, email: string, password: string): Promise<Record<string, string>> {
  const response = await request.post('/api/v1/auth/login', { data: { email, password } });
  expect(response.status(), await response.text()).toBe(200);
  return { Authorization: `Bearer ${((await response.json()) as { access_token: string }).access_token}` };
}

const grouped = (number: string) => number.replace(/(\d{4})(?=\d)/g, '$1 ');

/** The bell's unread count, from its accessible name ("Notifications" or "Notifications: 3 unread"). */
async function unread(page: Page): Promise<number> {
  const name = (await page.getByTestId('notification-bell').getAttribute('aria-label')) ?? '';
  return Number(/(\d+) unread/.exec(name)?.[1] ?? '0');
}

test('a new customer signs up, is verified, opens an account, deposits, pays another customer, downloads a statement and turns on MFA', async ({ page, request, browser }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'desktop only');
  const problems = watchConsole(page);
  const email = `newcomer-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

  // 1. sign up from the login page
  await page.goto('/login');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page.getByRole('heading', { name: 'Create your BankFlow account' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('New password').fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  await visit(page, testInfo, 'signup');
  await page.getByRole('button', { name: 'Create account' }).click();

  // 2. the emailed code
  await expect(page.getByRole('heading', { name: 'Verify your email' })).toBeVisible();
  await expect(page.getByText(`we sent a 6-digit verification code to ${email}`)).toBeVisible();
  await visit(page, testInfo, 'verify');
  await page.getByLabel('Verification code').fill(await mailedCode(email, 'verification code'));
  await page.getByRole('button', { name: 'Verify email' }).click();
  await expect(page.getByTestId('email-verified')).toContainText(`${email} is verified`);
  await page.getByRole('link', { name: 'Continue: your identity details' }).click();

  // 3. the profile
  await expect(page.getByRole('heading', { name: 'Verify your identity' })).toBeVisible();
  const ssn = randomSsn();
  await page.getByLabel('First name').fill('Katherine');
  await page.getByLabel('Last name').fill('Johnson');
  await page.getByLabel('Date of birth').fill('1988-08-26');
  await page.getByLabel('Social Security number').fill(ssn);
  await page.getByLabel('Street address').fill('12 Orbit Lane');
  await page.getByLabel('City').fill('Hampton');
  await page.getByLabel('Postal code').fill('23666');
  await visit(page, testInfo, 'onboarding-profile');
  await page.getByRole('button', { name: 'Save my details' }).click();
  await expect(page.getByTestId('summary-ssn')).toHaveText(`•••-••-${ssn.slice(-4)}`);
  await expect(page.getByText(ssn)).toHaveCount(0);

  // 4. the identity document, previewed, uploaded, submitted
  await expect(page.getByRole('heading', { name: 'Upload an identity document' })).toBeVisible();
  const file = testInfo.outputPath('passport.png');
  writeFileSync(file, documentPng());
  await page.getByTestId('document-file').setInputFiles(file);
  const preview = page.getByRole('img', { name: 'Preview of passport.png' });
  await expect(preview).toBeVisible();
  expect(await preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(160); // it really loaded (CSP: blob:)
  await visit(page, testInfo, 'onboarding-document');
  await page.getByRole('button', { name: 'Upload document' }).click();
  await expect(page.getByTestId('document-uploaded')).toContainText('Your Passport was uploaded.');
  await page.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.getByText('Your identity is under review')).toBeVisible();
  await visit(page, testInfo, 'onboarding-review');

  // 5. an admin, in a browser of their own, approves in the back office (the customer's page of the
  // KYC review; backoffice.spec.ts finds it in the queue)
  const customerHeaders = await bearer(request, email, PASSWORD);
  const me = (await (await request.get('/api/v1/auth/me', { headers: customerHeaders })).json()) as { customer_id: string };
  const staff = await otherBrowser(browser, testInfo);
  const office = await staff.newPage();
  const officeProblems = watchConsole(office);
  await signInAsAdmin(office);
  await office.goto(`/admin/kyc/${me.customer_id}`);
  await expect(office.getByRole('heading', { name: 'KYC review: Katherine Johnson' })).toBeVisible();
  await office.getByRole('button', { name: 'Approve KYC' }).click();
  await office.getByRole('dialog', { name: "Approve this customer's KYC?" }).getByRole('button', { name: 'Approve' }).click();
  await expect(office.getByTestId('kyc-decided')).toHaveText('KYC approved.');
  expect(officeProblems).toEqual([]);
  await staff.close();

  await page.reload();
  await expect(page.getByText('Your identity is verified')).toBeVisible();
  await visit(page, testInfo, 'onboarding-approved');
  await page.getByRole('button', { name: 'Open an account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Open an account' });
  await expect(dialog.getByRole('radio', { name: 'Checking' })).toBeChecked();
  await expect(dialog.getByRole('combobox', { name: 'Currency' })).toHaveText('USD');
  await visit(page, testInfo, 'open-account');
  await dialog.getByRole('button', { name: 'Open account' }).click();
  await expect(dialog.getByTestId('account-opened')).toContainText('Checking account');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Your accounts' })).toBeVisible();
  await expect(page.getByTestId('account-card')).toHaveCount(1);
  await expect(page.getByRole('link', { name: 'Move money' })).toBeVisible();
  const mine = page.getByTestId('account-card').first();
  // the card's heading carries the account's number ("Checking account 4021…")
  const lastFour = ((await mine.getByRole('heading', { level: 2 }).textContent()) ?? '').replace(/\D/g, '').slice(-4);
  expect(lastFour).toMatch(/^\d{4}$/);

  // 6. money in: a deposit, its notification arriving on the bell live
  const unreadBefore = await unread(page);
  await page.getByRole('link', { name: 'Deposit or withdraw' }).click();
  await expect(page.getByRole('heading', { name: 'Deposit or withdraw' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Deposit' })).toBeChecked();
  await page.getByRole('combobox', { name: 'Into' }).click();
  await page.getByRole('option', { name: /Checking/ }).click();
  await page.getByLabel('Amount').fill('500.00');
  await visit(page, testInfo, 'deposit');
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByTestId('review-amount')).toHaveText('$500.00');
  await visit(page, testInfo, 'deposit-review');
  await page.getByRole('button', { name: 'Deposit', exact: true }).click();
  await expect(page.getByTestId('receipt-status')).toHaveText('Completed');
  await visit(page, testInfo, 'deposit-receipt');
  await expect.poll(() => unread(page), { timeout: 20_000 }).toBeGreaterThan(unreadBefore);
  await page.getByRole('link', { name: 'Back to your accounts' }).click();
  await expect(mine.getByTestId('balance')).toHaveText('$500.00');

  // 7. money out: to another customer by account number, once the name is confirmed
  const recipient = seeded(testInfo.project.name, 'newcomer-payee');
  const recipientHeaders = await bearer(request, recipient.email, recipient.password);
  const theirBalance = async () =>
    Number(((await (await request.get(`/api/v1/accounts/${recipient.funded.account_id}`, { headers: recipientHeaders })).json()) as { balance: string }).balance);
  const theirStart = await theirBalance();
  await page.getByRole('link', { name: 'Move money' }).click();
  await page.getByRole('radio', { name: 'To someone else' }).check();
  await page.getByRole('combobox', { name: 'From account' }).click();
  await page.getByRole('option', { name: new RegExp(lastFour) }).click();
  await page.getByLabel('Amount').fill('120.00');
  await page.getByLabel("Recipient's account number").fill(recipient.funded.number);
  await page.getByRole('button', { name: 'Find account' }).click();
  const found = page.getByTestId('recipient-found');
  await expect(found).toContainText(`Account ${grouped(recipient.funded.number)} (USD) belongs to Grace H.`);
  await found.getByRole('button', { name: "Yes, that's them" }).click();
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await expect(page.getByTestId('review-to')).toHaveText(`Grace H. · ${grouped(recipient.funded.number)}`);
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await expect(page.getByTestId('receipt-status')).toHaveText('Completed');
  await page.getByRole('link', { name: 'Back to your accounts' }).click();
  await expect(mine.getByTestId('balance')).toHaveText('$380.00');
  expect(await theirBalance()).toBe(theirStart + 120);

  // 8. this month's statement, as CSV: the deposit and the payment are on it
  await page.getByRole('link', { name: 'History', exact: true }).click();
  await page.getByRole('combobox', { name: 'File format' }).click();
  await page.getByRole('option', { name: 'CSV' }).click();
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download statement' }).click();
  const statement = readFileSync(await (await downloading).path(), 'utf8');
  expect(statement).toContain('500.00');
  expect(statement).toContain('120.00');
  expect(statement).toContain('380.00');

  // 9. two-step verification, then signing in with it
  await page.getByRole('link', { name: 'Security', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Security', level: 1 })).toBeVisible();
  await visit(page, testInfo, 'security');
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  await expect(page.getByRole('img', { name: 'QR code to add BankFlow to an authenticator app' })).toBeVisible();
  const secret = (await page.getByTestId('mfa-secret').textContent()) ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await visit(page, testInfo, 'security-mfa-setup');
  await page.getByLabel('6-digit code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByText('Two-step verification is on: signing in will ask for a code.')).toBeVisible();
  await expect(page.getByTestId('mfa-state')).toHaveText('On');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to BankFlow' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
  await page.getByLabel('Authentication code').fill(totp(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  // signed in again, back on the page signed out from
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  await expect(page.getByTestId('mfa-state')).toHaveText('On');

  // 10. the sessions: this browser and the API's sign-in above; sign out everywhere
  const sessions = page.getByTestId('session');
  await expect(sessions.nth(1)).toBeVisible();
  expect(await sessions.count()).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('this-device')).toHaveCount(1);
  await visit(page, testInfo, 'security-sessions');
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page.getByRole('dialog', { name: 'Sign out everywhere?' }).getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to BankFlow' })).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
  const ended = await request.get('/api/v1/auth/me', { headers: customerHeaders });
  expect(ended.status()).toBe(401);
  expect(problems).toEqual([]);
});
