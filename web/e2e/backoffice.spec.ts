import { expect, test, type APIRequestContext } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { mailedCode, seeded, signInAsAdmin, visit, watchConsole } from './pages';

const PASSWORD = 'Correct-Horse-Battery-9';

/** A small, visibly drawn PNG (an ID-card-like blue card with a light band) for the KYC upload. */
function passportPng(width = 240, height = 150): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) {
      const band = y > 95 && y < 120;
      const photo = x > 16 && x < 76 && y > 16 && y < 86;
      rows.push(...(band ? [230, 236, 245] : photo ? [250, 210, 160] : [25, 70, 150]));
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0))]);
}

async function ok<T>(response: Promise<import('@playwright/test').APIResponse>, what: string): Promise<T> {
  const answered = await response;
  expect(answered.ok(), `${what}: ${answered.status()} ${await answered.text()}`).toBe(true);
  return (await answered.json()) as T;
}

/** A new customer, through the API: registered, verified, profile, a passport scan, KYC submitted. */
async function submittedCustomer(api: APIRequestContext) {
  const tag = randomBytes(4).toString('hex');
  const email = `backoffice-${tag}@example.com`;
  // Names hold letters only: the tag's digits become letters too.
  const lastName = `Hamilton-${tag.replace(/[0-9]/g, (digit) => 'ghijklmnop'.charAt(Number(digit)))}`;
  await ok(api.post('/api/v1/auth/register', { data: { email, password: PASSWORD } }), 'register');
  const tokens = await ok<{ access_token: string }>(api.post('/api/v1/auth/login', { data: { email, password: PASSWORD } }), 'login');
  const headers = { Authorization: `Bearer ${tokens.access_token}` };
  const code = await mailedCode(email, 'verification code');
  await ok(api.post('/api/v1/auth/verify', { data: { code }, headers }), 'verify');
  const profile = {
    first_name: 'Margaret',
    last_name: lastName,
    date_of_birth: '1986-08-17',
    ssn: `${100 + (parseInt(tag.slice(0, 4), 16) % 500)}-${10 + (parseInt(tag.slice(4, 6), 16) % 89)}-${1000 + (parseInt(tag, 16) % 8999)}`,
    address: { line1: '1 Apollo Way', city: 'Cambridge', postal_code: '02139', country: 'US' },
  };
  const customer = await ok<{ customer_id: string }>(api.post('/api/v1/customers', { data: profile, headers }), 'create the profile');
  await ok(
    api.post(`/api/v1/customers/${customer.customer_id}/documents`, {
      headers,
      multipart: { kind: 'passport', file: { name: 'passport.png', mimeType: 'image/png', buffer: passportPng() } },
    }),
    'upload the passport',
  );
  await ok(api.post(`/api/v1/customers/${customer.customer_id}/kyc`, { headers }), 'submit KYC');
  return { email, lastName, name: `Margaret ${lastName}`, customerId: customer.customer_id, headers };
}

test('staff approve a KYC after viewing the document, freeze and unfreeze an account, and look at fraud', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'the back office is tested at desktop width');
  const problems = watchConsole(page);
  const customer = await submittedCustomer(page.request);

  await signInAsAdmin(page);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/admin\/kyc$/);

  // The queue: the new customer is waiting; their passport scan is shown before the decision.
  await expect(page.getByRole('heading', { name: 'KYC review' })).toBeVisible();
  const inQueue = page.getByRole('link', { name: customer.name });
  await expect(inQueue).toBeVisible();
  await visit(page, testInfo, 'admin-kyc-queue');
  await inQueue.click();
  await expect(page.getByRole('heading', { name: `KYC review: ${customer.name}` })).toBeVisible();
  await page.getByRole('button', { name: 'View the Passport' }).click();
  const scan = page.getByRole('img', { name: "The customer's Passport" });
  await expect(scan).toBeVisible();
  expect(await scan.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(240);
  await visit(page, testInfo, 'admin-kyc-review');
  await page.getByRole('button', { name: 'Approve KYC' }).click();
  const approve = page.getByRole('dialog', { name: "Approve this customer's KYC?" });
  await expect(approve).toBeVisible();
  await visit(page, testInfo, 'admin-kyc-approve');
  await approve.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByTestId('kyc-decided')).toHaveText('KYC approved.');
  await expect(page.getByTestId('kyc-status')).toHaveText('Approved');

  // Approved, the customer opens an account (through the API).
  const account = await ok<{ account_id: string; number: string }>(
    page.request.post('/api/v1/accounts', { data: { account_type: 'CHECKING', currency: 'USD' }, headers: customer.headers }),
    'open an account',
  );
  // Two cash deposits of one day that pass 10,000 USD together: a currency transaction candidate.
  for (const amount of ['6000.00', '5000.00']) {
    const deposit = { account_id: account.account_id, amount, currency: 'USD' };
    await ok(page.request.post('/api/v1/transactions/deposit', { data: deposit, headers: customer.headers }), 'deposit cash');
  }

  // Search: find the customer, freeze and unfreeze the account.
  await page.getByRole('navigation', { name: 'Back office sections' }).getByRole('link', { name: 'Customers' }).click();
  await page.getByLabel('Name').fill(customer.lastName);
  await page.getByRole('button', { name: 'Search' }).click();
  const found = page.getByRole('link', { name: customer.name });
  await expect(found).toBeVisible();
  await visit(page, testInfo, 'admin-customers');
  await found.click();
  await expect(page.getByRole('heading', { name: customer.name })).toBeVisible();
  const row = page.locator(`[data-account-id="${account.account_id}"]`);
  await expect(row.getByText('Active')).toBeVisible();
  await expect(page.getByTestId('ssn')).toHaveText(/^•••-••-\d{4}$/);
  await visit(page, testInfo, 'admin-customer');

  await row.getByRole('button', { name: `Freeze Checking account ${account.number}` }).click();
  const freeze = page.getByRole('dialog', { name: `Freeze Checking account ${account.number}?` });
  await visit(page, testInfo, 'admin-customer-freeze');
  await freeze.getByRole('button', { name: 'Freeze account' }).click();
  await expect(freeze).toBeHidden();
  await expect(row.getByText('Frozen')).toBeVisible();
  await row.getByRole('button', { name: `Unfreeze Checking account ${account.number}` }).click();
  const unfreeze = page.getByRole('dialog', { name: `Unfreeze Checking account ${account.number}?` });
  await unfreeze.getByRole('button', { name: 'Unfreeze account' }).click();
  await expect(unfreeze).toBeHidden();
  await expect(row.getByText('Active')).toBeVisible();

  // Transactions across the bank, fraud operations and the platform's readiness.
  await page.getByRole('navigation', { name: 'Back office sections' }).getByRole('link', { name: 'Transactions' }).click();
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('heading', { name: 'Transactions found' })).toBeVisible();
  await visit(page, testInfo, 'admin-transactions');
  await page.getByRole('navigation', { name: 'Back office sections' }).getByRole('link', { name: 'Fraud' }).click();
  await expect(page.getByRole('heading', { name: 'Open cases, oldest first' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Model in service' })).toBeVisible();
  await expect(page.getByTestId('model-version')).toBeVisible();
  await visit(page, testInfo, 'admin-fraud');
  await page.getByRole('navigation', { name: 'Back office sections' }).getByRole('link', { name: 'System' }).click();
  await expect(page.getByRole('heading', { name: 'Readiness of the platform' })).toBeVisible();
  await expect(page.getByTestId('readiness')).toBeVisible({ timeout: 60_000 }); // the probes answer within a few seconds each
  // The key figures, from the cluster's metrics: journal commits and API requests have happened.
  await expect(page.getByTestId('figure-error-rate')).toContainText(/%.*requests/, { timeout: 60_000 });
  await expect(page.getByTestId('figure-commit-latency')).toContainText('ms');
  await visit(page, testInfo, 'admin-system');

  // Users and roles: granting the customer support asks a second admin (four eyes), while a
  // member of staff's support role is taken away at once.
  await page.getByRole('navigation', { name: 'Back office sections' }).getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('Email starts with').fill(customer.email);
  await page.getByRole('button', { name: 'Search' }).click();
  const user = page.getByTestId('user-row').filter({ hasText: customer.email });
  await expect(user).toHaveCount(1);
  await user.getByRole('button', { name: `Grant support: ${customer.email}` }).click();
  const grant = page.getByRole('dialog', { name: `Grant Support to ${customer.email}?` });
  await expect(grant.getByText(/a grant waits until a second admin approves it/)).toBeVisible();
  await visit(page, testInfo, 'admin-users-grant');
  await grant.getByRole('button', { name: 'Grant support' }).click();
  await expect(page.getByText(`Sent for a second admin's approval: Support for ${customer.email}.`, { exact: false })).toBeVisible();
  await expect(user.getByText('Support', { exact: true })).toHaveCount(0); // not yet granted
  const staff = seeded('desktop', 'staff');
  await page.getByLabel('Email starts with').fill(staff.email);
  await page.getByRole('button', { name: 'Search' }).click();
  const member = page.getByTestId('user-row').filter({ hasText: staff.email });
  await expect(member).toHaveCount(1);
  await member.getByRole('button', { name: `Revoke support: ${staff.email}` }).click();
  await page.getByRole('dialog', { name: `Revoke Support from ${staff.email}?` }).getByRole('button', { name: 'Revoke support' }).click();
  await expect(page.getByText(`${staff.email} now has: Customer.`)).toBeVisible();

  // The audit trail: the unfreeze above is its newest account.unfreeze record, with what changed.
  await page.getByRole('navigation', { name: 'Back office sections' }).getByRole('link', { name: 'Audit trail' }).click();
  await page.getByRole('combobox', { name: 'Action' }).click();
  await page.getByRole('option', { name: 'account.unfreeze' }).click();
  await page.getByRole('button', { name: 'Search' }).click();
  const newest = page.getByTestId('audit-row').first();
  await expect(newest).toContainText('account.unfreeze');
  await expect(newest).toContainText('status: FROZEN → ACTIVE');
  await visit(page, testInfo, 'admin-audit');

  // Four eyes: the approvals inbox, and the policy that puts reversals under it.
  await page.getByRole('navigation', { name: 'Back office sections' }).getByRole('link', { name: 'Approvals' }).click();
  await expect(page.getByRole('heading', { name: 'Approvals', exact: true })).toBeVisible();
  await expect(page.getByTestId('policy-row').filter({ hasText: 'transaction.reverse' })).toContainText('Yes');
  await visit(page, testInfo, 'admin-approvals');
  await page.getByRole('button', { name: 'Change the policy of account.limits.change' }).click();
  const policy = page.getByRole('dialog', { name: 'The policy of account.limits.change' });
  await expect(policy.getByRole('textbox', { name: /^Only above/ })).toHaveValue('100000');
  await visit(page, testInfo, 'admin-approvals-policy');
  await policy.getByRole('button', { name: 'Cancel' }).click();
  await expect(policy).toBeHidden();

  // The regulatory reports: the week's currency transaction candidates, then the KYC queue by age.
  await page.getByRole('navigation', { name: 'Back office sections' }).getByRole('link', { name: 'Reports' }).click();
  await expect(page.getByRole('heading', { name: 'Regulatory reports' })).toBeVisible();
  await expect(page.getByText(/cash movements examined/)).toBeVisible();
  const candidate = page.getByTestId('ctr-row').filter({ hasText: customer.name });
  await expect(candidate).toContainText('$11,000.00');
  await visit(page, testInfo, 'admin-reports-ctr');
  await page.getByRole('tab', { name: 'KYC status' }).click();
  await expect(page.getByTestId('kyc-status-APPROVED')).toBeVisible();
  await visit(page, testInfo, 'admin-reports-kyc');
  expect(problems).toEqual([]);
});
