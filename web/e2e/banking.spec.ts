import { expect, test } from '@playwright/test';
import { card, chooseAccount, seeded, signIn, totp, visit, watchConsole } from './pages';

const usd = (amount: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount);

test('a customer signs in, moves money between own accounts and sees both balances change', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  const customer = seeded(testInfo.project.name);
  const start = Number(customer.funded.balance);
  await signIn(page, testInfo, customer, true);

  await expect(card(page, customer.funded).getByTestId('balance')).toHaveText(usd(start));
  await expect(card(page, customer.funded).getByTestId('available')).toHaveText(usd(start));
  await expect(card(page, customer.funded).getByTestId('held')).toHaveText(usd(0));
  await expect(card(page, customer.empty).getByTestId('balance')).toHaveText(usd(0));
  await expect(card(page, customer.funded).getByRole('listitem').getByText('Deposit')).toBeVisible(); // recent activity
  await visit(page, testInfo, 'dashboard');

  await page.getByRole('link', { name: 'Move money' }).click();
  await expect(page.getByRole('heading', { name: 'Transfer between your accounts' })).toBeVisible();
  await chooseAccount(page, 'From account', customer.funded);
  await chooseAccount(page, 'To account', customer.empty);
  await page.getByLabel('Amount').fill('125.50');
  await expect(page.getByLabel('Currency')).toHaveValue('USD');
  await visit(page, testInfo, 'transfer-form');
  await page.getByRole('button', { name: 'Review transfer' }).click();

  await expect(page.getByRole('heading', { name: 'Check the transfer' })).toBeVisible();
  await expect(page.getByTestId('review-amount')).toHaveText(usd(125.5));
  await visit(page, testInfo, 'transfer-review');
  await page.getByRole('button', { name: 'Confirm transfer' }).click();

  await expect(page.getByRole('heading', { name: 'Transfer receipt' })).toBeVisible();
  await expect(page.getByTestId('receipt-status')).toHaveText('Completed');
  await expect(page.getByTestId('receipt-reference')).toHaveText(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  await visit(page, testInfo, 'transfer-receipt');

  await page.getByRole('link', { name: 'Back to your accounts' }).click();
  await expect(card(page, customer.funded).getByTestId('balance')).toHaveText(usd(start - 125.5));
  await expect(card(page, customer.empty).getByTestId('balance')).toHaveText(usd(125.5));
  await visit(page, testInfo, 'dashboard-after');
  expect(problems).toEqual([]);
});

test('a transfer above the balance is refused with the API reason in words', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  const customer = seeded(testInfo.project.name);
  await signIn(page, testInfo, customer);
  const before = await card(page, customer.funded).getByTestId('balance').textContent();

  await page.getByRole('link', { name: 'Move money' }).click();
  await chooseAccount(page, 'From account', customer.funded);
  await chooseAccount(page, 'To account', customer.empty);
  // more than the account holds (500.00 deposited), well inside the daily limit and fraud rules
  const tooMuch = (Number(customer.funded.balance) + 50).toFixed(2);
  await page.getByLabel('Amount').fill(tooMuch);
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await page.getByRole('button', { name: 'Confirm transfer' }).click();

  const refusal = page.getByRole('alert');
  await expect(refusal).toContainText('The transfer was refused');
  await expect(refusal).toContainText('There is not enough money in the account for this transfer.');
  await expect(page.getByTestId('receipt-status')).toHaveText('Refused');
  await visit(page, testInfo, 'transfer-refused');

  await page.getByRole('link', { name: 'Back to your accounts' }).click();
  await expect(card(page, customer.funded).getByTestId('balance')).toHaveText(before ?? '');
  expect(problems).toEqual([]);
});

test('the form refuses bad input with labelled messages, from the keyboard', async ({ page }, testInfo) => {
  const customer = seeded(testInfo.project.name);
  await signIn(page, testInfo, customer);
  await page.getByRole('link', { name: 'Move money' }).click();
  await page.getByLabel('Amount').focus();
  await page.keyboard.type('12.345');
  await page.keyboard.press('Enter'); // submits the form
  await expect(page.getByText('Choose the account to pay from')).toBeVisible();
  await expect(page.getByText('Enter an amount greater than zero, like 12.34').or(page.getByText('Choose the account to pay into'))).toBeVisible();
  await visit(page, testInfo, 'transfer-invalid');
});

test('a customer never sees the back office, and signs out', async ({ page }, testInfo) => {
  const customer = seeded(testInfo.project.name);
  await signIn(page, testInfo, customer);
  await page.goto('/admin/customers');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Your accounts' })).toBeVisible();
  await expect(page.getByText('Back office')).toHaveCount(0);

  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await visit(page, testInfo, 'not-found');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('a customer with MFA signs in with a TOTP code after the password', async ({ page }, testInfo) => {
  const customer = seeded(testInfo.project.name, 'mfa');
  await page.goto('/login');
  await page.getByLabel('Email').fill(customer.email);
  await page.getByLabel('Password').fill(customer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
  await page.getByLabel('Authentication code').fill('000000' === totp(customer.mfa_secret ?? '') ? '111111' : '000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('The authentication code is wrong.');
  await visit(page, testInfo, 'login-mfa');
  await page.getByLabel('Authentication code').fill(totp(customer.mfa_secret ?? ''));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Your accounts' })).toBeVisible();
  await expect(card(page, customer.funded).getByTestId('balance')).toHaveText(usd(Number(customer.funded.balance)));
});

test("a returning customer's balances show before the app has started, and the app takes over", async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  const customer = seeded(testInfo.project.name, 'returning');
  await signIn(page, testInfo, customer);
  await expect(card(page, customer.funded).getByTestId('balance')).toHaveText(usd(Number(customer.funded.balance)));

  // The app's entry is held back: what shows is the first view alone (web/src/firstView).
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/assets\/index-[^/]+\.js$/, async (route) => {
    await released;
    await route.continue();
  });
  await page.reload({ waitUntil: 'commit' });
  const firstView = page.locator('#first-view');
  await expect(firstView.locator('[data-testid="balance"]')).toHaveText([usd(Number(customer.funded.balance)), usd(0)]);
  await expect(firstView).toContainText(`Checking account ${customer.funded.number}`);
  await expect(page.locator('#root [data-testid="balance"]')).toHaveCount(0);
  await visit(page, testInfo, 'dashboard-first-view');

  release();
  await expect(card(page, customer.funded).getByTestId('balance')).toHaveText(usd(Number(customer.funded.balance)));
  await expect(firstView).toHaveCount(0);
  await page.getByRole('link', { name: 'Move money' }).click(); // nothing covers the app
  await expect(page.getByRole('heading', { name: 'Transfer between your accounts' })).toBeVisible();
  expect(problems).toEqual([]);
});
