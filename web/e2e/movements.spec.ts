import { expect, test } from '@playwright/test';
import { chooseAccount, seeded, signIn, visit, watchConsole } from './pages';

// Desktop only (see playwright.config.ts): bank transfers and scheduled transfers.
test('a customer sends an ACH transfer to another bank and schedules, then cancels, a monthly transfer', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  const customer = seeded(testInfo.project.name);
  await signIn(page, testInfo, customer);

  await page.goto('/transfer/external');
  await expect(page.getByRole('heading', { name: 'Transfer with another bank' })).toBeVisible();
  await chooseAccount(page, 'Your account', customer.funded);
  await page.getByLabel("Account holder's name at the other bank").fill('Ada Lovelace');
  await page.getByLabel('Routing number').fill('021000022'); // a wrong check digit
  await page.getByLabel('Account number at the other bank').fill('12345678');
  await page.getByLabel('Amount').fill('10.00');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await expect(page.getByText('Enter a valid nine-digit routing number')).toBeVisible();
  await visit(page, testInfo, 'external-form');
  await page.getByLabel('Routing number').fill('021000021');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await expect(page.getByRole('heading', { name: 'Check the bank transfer' })).toBeVisible();
  await expect(page.getByTestId('review-amount')).toHaveText('$10.00');
  await visit(page, testInfo, 'external-review');
  await page.getByRole('button', { name: 'Confirm bank transfer' }).click();
  await expect(page.getByTestId('receipt-status')).toHaveText(/Pending|Processing|Completed/);
  await visit(page, testInfo, 'external-receipt');

  await page.goto('/scheduled');
  await expect(page.getByRole('heading', { name: 'Scheduled transfers', level: 1 })).toBeVisible();
  await chooseAccount(page, 'From account', customer.funded);
  await page.getByRole('combobox', { name: 'To account' }).click();
  await page.getByRole('option', { name: new RegExp(customer.empty.number) }).click();
  await page.getByLabel('Amount').fill('5.00');
  const nextMonth = new Date(Date.now() + 31 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('First transfer on').fill(nextMonth);
  await page.getByLabel('Number of transfers').fill('3');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await expect(page.getByTestId('schedule-review-amount')).toHaveText('$5.00');
  await page.getByRole('button', { name: 'Schedule transfer' }).click();
  await expect(page.getByText('The transfer is scheduled.')).toBeVisible();
  const schedule = page.getByTestId('schedule').filter({ hasText: '$5.00 · Every month' });
  await expect(schedule).toContainText('Active');
  await visit(page, testInfo, 'scheduled');
  await schedule.getByRole('button', { name: 'Cancel schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this scheduled transfer?' });
  await expect(dialog).toContainText('$5.00 · Every month');
  await dialog.getByRole('button', { name: 'Cancel schedule' }).click();
  await expect(schedule).toContainText('Cancelled');
  expect(problems).toEqual([]);
});
