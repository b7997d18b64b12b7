import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../api/admin';
import { checking } from '../../test/fixtures';
import CustomerDetailPage from './CustomerDetailPage';
import { customerOf, renderAdmin } from './testing';

const base = window.location.origin;
const CUSTOMER_ID = '0f9b2c58-2222-4c4c-9a9a-000000000002';

const customer = customerOf({ kyc_status: 'APPROVED' });

let account: Account = checking;
let changes: unknown[] = [];
let owed = false;

const server = setupServer(
  http.get(`${base}/api/v1/customers/:id`, () => HttpResponse.json(customer)),
  http.get(`${base}/api/v1/accounts/user/:id`, () => HttpResponse.json({ items: [account] })),
  http.get(`${base}/api/v1/transactions/search`, () => HttpResponse.json({ items: [], next_cursor: null })),
  http.put(`${base}/api/v1/accounts/:id/limits`, async ({ request }) => {
    const body = (await request.json()) as { overdraft_limit?: string };
    changes.push(body);
    if (owed) {
      return HttpResponse.json({ error: { code: 'overdraft_in_use', message: 'in use', request_id: 'r' } }, { status: 409 });
    }
    account = { ...account, overdraft_limit: body.overdraft_limit ?? account.overdraft_limit };
    return HttpResponse.json(account);
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  account = checking;
  changes = [];
  owed = false;
});
afterEach(() => server.resetHandlers());

async function changeOverdraft(to: string) {
  renderAdmin(<CustomerDetailPage />, { path: `/admin/customers/${CUSTOMER_ID}`, pattern: '/admin/customers/:customerId', roles: ['admin'] });
  const person = userEvent.setup({ delay: null });
  const row = await screen.findByTestId('account-row');
  await person.click(within(row).getByRole('button', { name: /^Change the overdraft line of/ }));
  const dialog = await screen.findByRole('dialog', { name: /^Change the overdraft line of/ });
  const field = within(dialog).getByRole('textbox', { name: /New overdraft line \(USD\)/ });
  await person.clear(field);
  await person.type(field, to);
  await person.click(within(dialog).getByRole('button', { name: 'Save overdraft line' }));
  return dialog;
}

describe('the overdraft line', { timeout: 120_000 }, () => {
  it('an admin sets it on an account and sees it in the list', async () => {
    await changeOverdraft('300.00');
    expect(await screen.findByText(/The overdraft line of .* is changed\./)).toBeTruthy();
    expect(changes).toEqual([{ overdraft_limit: '300.00' }]);
    expect(within(await screen.findByTestId('account-row')).getByText('$300.00')).toBeTruthy();
  });

  it('says so, in words, when the account owes more than the new line', async () => {
    owed = true;
    const dialog = await changeOverdraft('0');
    expect(await within(dialog).findByText('The overdraft line cannot be lowered below what the account owes now.')).toBeTruthy();
  });
});
