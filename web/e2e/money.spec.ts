import { expect, test, type Locator } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { card, chooseAccount, otherBrowser, seeded, signIn, visit, watchConsole } from './pages';

const usd = (amount: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount);
const amountIn = async (locator: Locator) => Number(((await locator.textContent()) ?? '').replace(/[^0-9.-]/g, ''));
const grouped = (number: string) => number.replace(/(\d{4})(?=\d)/g, '$1 ');

test('a customer sends money to another by account number; the recipient hears of it live', async ({ page, browser }, testInfo) => {
  const problems = watchConsole(page);
  const sender = seeded(testInfo.project.name);
  const recipient = seeded(testInfo.project.name, 'payee');

  // The sender: the dashboard's chart, then the history of the funded account.
  await signIn(page, testInfo, sender, true);
  const funded = card(page, sender.funded);
  await expect(funded.getByTestId('balance-chart').locator('svg').first()).toBeVisible();
  await expect(funded.getByTestId('balance-summary')).toContainText('the balance went from');
  await visit(page, testInfo, 'dashboard-chart');
  const before = await amountIn(funded.getByTestId('balance'));

  await funded.getByRole('link', { name: /^History/ }).click();
  await expect(page.getByRole('heading', { name: 'Transaction history' })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`account=${sender.funded.account_id}`));
  await page.getByTestId('history-row').filter({ hasText: 'Deposit' }).first().click();
  await expect(page.getByRole('heading', { name: 'Transaction details' })).toBeVisible();
  await expect(page.getByTestId('status-history').getByRole('listitem').first()).toBeVisible();
  await visit(page, testInfo, 'history-detail');
  await page.getByRole('button', { name: 'Close details' }).click();
  await visit(page, testInfo, 'history');

  // The recipient, in a browser of their own, has seen their notifications and waits on the dashboard.
  const context = await otherBrowser(browser, testInfo);
  const theirs = await context.newPage();
  const theirProblems = watchConsole(theirs);
  await signIn(theirs, testInfo, recipient);
  await theirs.getByTestId('notification-bell').click();
  await expect(theirs.getByRole('heading', { name: 'Your notifications' })).toBeVisible();
  await expect(theirs.getByTestId('notification-item').first()).toBeVisible();
  await visit(theirs, testInfo, 'notifications');
  await theirs.getByRole('link', { name: 'Accounts', exact: true }).click();
  const bell = theirs.getByTestId('notification-bell');
  await expect(bell).toHaveAccessibleName('Notifications');
  const theirStart = await amountIn(card(theirs, recipient.funded).getByTestId('balance'));

  // The sender pays the recipient's account by number, after confirming whose it is.
  await page.getByRole('link', { name: 'Transfer', exact: true }).click();
  await page.getByRole('radio', { name: 'To someone else' }).check();
  await expect(page.getByRole('heading', { name: 'Send money to someone else' })).toBeVisible();
  await chooseAccount(page, 'From account', sender.funded);
  await page.getByLabel('Amount').fill('20.00');
  await page.getByLabel("Recipient's account number").fill(recipient.funded.number);
  await page.getByRole('button', { name: 'Find account' }).click();
  const found = page.getByTestId('recipient-found');
  await expect(found).toContainText(`Account ${grouped(recipient.funded.number)} (USD) belongs to Grace H.`);
  await visit(page, testInfo, 'transfer-someone');
  await found.getByRole('button', { name: "Yes, that's them" }).click();
  await page.getByLabel('Save as a payee').check();
  await page.getByLabel('Nickname (optional)').fill('Grace');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await expect(page.getByTestId('review-to')).toHaveText(`Grace H. · ${grouped(recipient.funded.number)}`);
  await expect(page.getByTestId('review-amount')).toHaveText(usd(20));
  await visit(page, testInfo, 'transfer-someone-review');
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await expect(page.getByRole('heading', { name: 'Transfer receipt' })).toBeVisible();
  await expect(page.getByTestId('receipt-status')).toHaveText('Completed');
  await expect(page.getByText('Grace is saved.')).toBeVisible();
  await visit(page, testInfo, 'transfer-someone-receipt');
  await page.getByRole('link', { name: 'Back to your accounts' }).click();
  await expect(card(page, sender.funded).getByTestId('balance')).toHaveText(usd(before - 20));

  // The recipient's bell rises live (the stream), the balance follows, the list has it.
  await expect(bell).toHaveAccessibleName(/^Notifications: \d+ unread$/);
  await expect(card(theirs, recipient.funded).getByTestId('balance')).toHaveText(usd(theirStart + 20));
  await visit(theirs, testInfo, 'dashboard-notified');
  await bell.click();
  await expect(theirs.getByTestId('notification-item').first()).toContainText('New');
  await visit(theirs, testInfo, 'notifications-new');
  await expect(theirs.getByTestId('notification-bell')).toHaveAccessibleName('Notifications');
  expect(theirProblems).toEqual([]);
  await context.close();

  // The sender's payees have the recipient; a statement of this month downloads as a PDF.
  await page.getByRole('link', { name: 'Payees', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Saved payees' })).toBeVisible();
  await expect(page.getByTestId('payee-row').filter({ hasText: 'Grace' })).toContainText(grouped(recipient.funded.number));
  await visit(page, testInfo, 'payees');

  await page.getByRole('link', { name: 'History', exact: true }).click();
  await page.getByRole('combobox', { name: 'Statement account' }).click();
  await page.getByRole('option', { name: new RegExp(sender.funded.number) }).click();
  await page.getByRole('combobox', { name: 'File format' }).click();
  await page.getByRole('option', { name: 'PDF' }).click();
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download statement' }).click();
  const download = await downloading;
  const month = new Date().toISOString().slice(0, 7);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^statement-${sender.funded.number}-${month}-01-${month}-\\d{2}\\.pdf$`));
  expect(readFileSync(await download.path()).subarray(0, 4).toString('latin1')).toBe('%PDF');
  expect(problems).toEqual([]);
});
