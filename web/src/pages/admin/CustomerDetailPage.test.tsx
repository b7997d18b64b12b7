import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../api/admin';
import { approvalRequest, checking } from '../../test/fixtures';
import CustomerDetailPage from './CustomerDetailPage';
import { customerOf, renderAdmin } from './testing';

const base = window.location.origin;
const CUSTOMER_ID = '0f9b2c58-2222-4c4c-9a9a-000000000002';

const customer = customerOf({ kyc_status: 'APPROVED' });

let account: Account = checking;
let changes: unknown[] = [];
let owed = false;
let governed = false;
let closings = 0;
let freezes: unknown[] = [];

function requestFor(action: string, summary: string) {
  return approvalRequest({ action, target_type: 'account', target_id: account.account_id, summary, maker: { user_id: 'staff', email: 'admin@bankflow.local', roles: ['admin'] } });
}

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
    if (governed) {
      // Above the four-eyes threshold: a request for a second admin, nothing changed yet.
      return HttpResponse.json(
        requestFor('account.limits.change', `Set the overdraft line to ${body.overdraft_limit ?? ''} USD on account ${account.number}`),
        { status: 202 },
      );
    }
    account = { ...account, overdraft_limit: body.overdraft_limit ?? account.overdraft_limit };
    return HttpResponse.json(account);
  }),
  http.post(`${base}/api/v1/accounts/:id/freeze`, async ({ request }) => {
    freezes.push(await request.json());
    account = { ...account, status: 'FROZEN' };
    return HttpResponse.json(account);
  }),
  http.post(`${base}/api/v1/accounts/:id/unfreeze`, () =>
    // Frozen for fraud: lifted only on a second admin's approval.
    HttpResponse.json(requestFor('account.unfreeze', `Unfreeze account ${account.number}, frozen for fraud`), { status: 202 }),
  ),
  http.delete(`${base}/api/v1/accounts/:id`, ({ request }) => {
    closings += 1;
    expect(request.headers.get('Idempotency-Key')).toBeTruthy();
    // Staff closing a customer's account under four eyes: a request, the account still open.
    return HttpResponse.json(requestFor('account.close', `Close account ${account.number}`), { status: 202 });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  account = checking;
  changes = [];
  owed = false;
  governed = false;
  closings = 0;
  freezes = [];
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

  it('says when a line above the threshold waits for a second admin, and leaves the account as it was', async () => {
    governed = true;
    await changeOverdraft('150000.00');
    expect(await screen.findByText(/^Sent for a second admin's approval: Set the overdraft line to 150000.00 USD/)).toBeTruthy();
    expect(within(await screen.findByTestId('account-row')).queryByText('$150,000.00')).toBeNull();
  });

  it('says so, in words, when the account owes more than the new line', async () => {
    owed = true;
    const dialog = await changeOverdraft('0');
    expect(await within(dialog).findByText('The overdraft line cannot be lowered below what the account owes now.')).toBeTruthy();
  });
});

describe('closing an account', { timeout: 120_000 }, () => {
  it('says when the close waits for a second admin, and shows the account still open', async () => {
    account = { ...checking, balance: '0.00', available_balance: '0.00' };
    renderAdmin(<CustomerDetailPage />, { path: `/admin/customers/${CUSTOMER_ID}`, pattern: '/admin/customers/:customerId', roles: ['admin'] });
    const person = userEvent.setup({ delay: null });
    const row = await screen.findByTestId('account-row');
    await person.click(within(row).getByRole('button', { name: /^Close / }));
    const dialog = await screen.findByRole('dialog', { name: /^Close .*\?$/ });
    await person.click(within(dialog).getByRole('button', { name: 'Close account' }));
    expect(await screen.findByText(/^Sent for a second admin's approval: Close account .*The account closes when another admin approves it/)).toBeTruthy();
    expect(closings).toBe(1);
    expect(screen.queryByText(/is closed\.$/)).toBeNull();
  });
});

describe('freezing for fraud', { timeout: 120_000 }, () => {
  it('sends the reason and the note, and says that lifting it waits for a second admin', async () => {
    renderAdmin(<CustomerDetailPage />, { path: `/admin/customers/${CUSTOMER_ID}`, pattern: '/admin/customers/:customerId', roles: ['support'] });
    const person = userEvent.setup({ delay: null });
    await person.click(within(await screen.findByTestId('account-row')).getByRole('button', { name: /^Freeze / }));
    const dialog = await screen.findByRole('dialog', { name: /^Freeze .*\?$/ });
    await person.click(within(dialog).getByRole('combobox', { name: /^Reason/ }));
    await person.click(await screen.findByRole('option', { name: 'Suspected fraud' }));
    await person.type(within(dialog).getByRole('textbox', { name: /^Note/ }), 'takeover reported');
    await person.click(within(dialog).getByRole('button', { name: 'Freeze account' }));
    expect(await screen.findByText(/is frozen\.$/)).toBeTruthy();
    expect(freezes).toEqual([{ reason: 'fraud', note: 'takeover reported' }]);

    await person.click(within(await screen.findByTestId('account-row')).getByRole('button', { name: /^Unfreeze / }));
    const lifting = await screen.findByRole('dialog', { name: /^Unfreeze .*\?$/ });
    await person.click(within(lifting).getByRole('button', { name: 'Unfreeze account' }));
    expect(await screen.findByText(/^Sent for a second admin's approval: Unfreeze account .*frozen for fraud/)).toBeTruthy();
  });
});
