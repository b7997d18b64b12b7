import { expect, test } from '@playwright/test';
import { card, chooseAccount, otherBrowser, seeded, signIn, signInAsAdmin, visit, watchConsole } from './pages';

const usd = (amount: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount);

test('a large transfer is held for review, an admin releases it in the back office, and the receipt turns complete', async ({ page, browser }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'the back office is tested at desktop width');
  const problems = watchConsole(page);
  const customer = seeded(testInfo.project.name, 'review');
  const start = Number(customer.funded.balance);
  await signIn(page, testInfo, customer);

  // Above the review threshold of the bank's default rules (10,000): held, the money reserved.
  await page.getByRole('link', { name: 'Move money' }).click();
  await chooseAccount(page, 'From account', customer.funded);
  await chooseAccount(page, 'To account', customer.empty);
  await page.getByLabel('Amount').fill('12000.00');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await expect(page.getByTestId('receipt-held')).toContainText('held for a security review');
  await expect(page.getByTestId('receipt-status')).toHaveText('Under review');
  const reference = (await page.getByTestId('receipt-reference').textContent()) ?? '';
  expect(reference).toMatch(/^[0-9a-f-]{36}$/);
  await visit(page, testInfo, 'transfer-held');

  // The analyst, in a browser of their own, finds the case by the receipt's reference and releases it.
  const staff = await otherBrowser(browser, testInfo);
  const office = await staff.newPage();
  const officeProblems = watchConsole(office);
  await signInAsAdmin(office);
  await office.goto('/admin/fraud');
  await office.getByLabel('Transaction reference').fill(reference);
  await office.getByRole('button', { name: 'Find case' }).click();
  const row = office.getByTestId('case-row');
  await expect(row).toHaveCount(1);
  await expect(row.locator(`[title="${reference}"]`)).toBeVisible();
  await expect(row).toContainText('Review');
  await visit(office, testInfo, 'admin-fraud-case');
  await row.getByRole('button', { name: 'False positive' }).click();
  const release = office.getByRole('dialog', { name: 'Mark as a false positive?' });
  await release.getByLabel('Note (optional)').fill('Confirmed with the customer by phone');
  await release.getByRole('button', { name: 'Mark false positive' }).click();
  await expect(office.getByText('The case is resolved as a false positive.')).toBeVisible();
  expect(officeProblems).toEqual([]);
  await staff.close();

  // The customer's receipt, still on screen, follows the decision; the money has moved.
  await expect(page.getByTestId('receipt-status')).toHaveText('Completed', { timeout: 30_000 });
  await expect(page.getByTestId('receipt-held')).toHaveCount(0);
  await visit(page, testInfo, 'transfer-released');
  await page.getByRole('link', { name: 'Back to your accounts' }).click();
  await expect(card(page, customer.funded).getByTestId('balance')).toHaveText(usd(start - 12000));
  await expect(card(page, customer.empty).getByTestId('balance')).toHaveText(usd(12000));
  expect(problems).toEqual([]);
});

test('a customer authorises a payment to a merchant, then captures part of it', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'one width is enough for this form');
  const problems = watchConsole(page);
  const customer = seeded(testInfo.project.name, 'review');
  await signIn(page, testInfo, customer);
  const before = Number(((await card(page, customer.funded).getByTestId('available').textContent()) ?? '').replace(/[^0-9.-]/g, ''));

  await page.getByRole('link', { name: 'Transfer', exact: true }).click();
  await page.getByRole('link', { name: 'Pay a merchant' }).click();
  await expect(page.getByRole('heading', { name: 'Pay a merchant' })).toBeVisible();
  await chooseAccount(page, 'Pay from', customer.funded);
  await page.getByLabel('Merchant').fill('Corner Coffee');
  await page.getByLabel('Amount').fill('42.00');
  await page.getByRole('button', { name: 'Review payment' }).click();
  await expect(page.getByTestId('review-merchant')).toHaveText('Corner Coffee');
  await page.getByRole('button', { name: 'Authorise payment' }).click();
  await expect(page.getByRole('heading', { name: 'Payment authorised' })).toBeVisible();
  await expect(page.getByTestId('receipt-status')).toHaveText('Pending');
  const authorisation = page.getByTestId('authorisation-row').filter({ hasText: 'Corner Coffee' });
  await expect(authorisation).toContainText(usd(42));
  await visit(page, testInfo, 'payments-authorised');

  await authorisation.getByRole('button', { name: 'Capture the payment to Corner Coffee' }).click();
  const dialog = page.getByRole('dialog', { name: 'Capture the payment to Corner Coffee?' });
  await dialog.getByLabel(/Amount to capture/).fill('30.00');
  await visit(page, testInfo, 'payments-capture');
  await dialog.getByRole('button', { name: 'Capture payment' }).click();
  await expect(page.getByText('$30.00 paid to Corner Coffee.')).toBeVisible();
  await expect(authorisation).toHaveCount(0);

  // Only the captured part left the account; the rest of the hold was released.
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await expect(card(page, customer.funded).getByTestId('available')).toHaveText(usd(before - 30));
  expect(problems).toEqual([]);
});
