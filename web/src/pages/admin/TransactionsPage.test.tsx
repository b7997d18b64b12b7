import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Transaction } from '../../api/admin';
import { approvalRequest } from '../../test/fixtures';
import TransactionsPage from './TransactionsPage';
import { renderAdmin } from './testing';

const base = window.location.origin;
const FROM = '0f9b2c58-3333-4c4c-9a9a-000000000003';
const TO = '0f9b2c58-4444-4c4c-9a9a-000000000004';

function transaction(overrides: Partial<Transaction> = {}): Transaction {
  return {
    transaction_id: '0f9b2c58-5555-4c4c-9a9a-000000000005',
    kind: 'TRANSFER',
    status: 'COMPLETED',
    failure_reason: null,
    from_account_id: FROM,
    to_account_id: TO,
    amount: '1234.50',
    captured_amount: null,
    currency: 'USD',
    description: 'Rent',
    counterparty: null,
    reversal_of: null,
    fraud: null,
    created_at: '2026-03-04T05:06:07Z',
    updated_at: '2026-03-04T05:06:07Z',
    ...overrides,
  };
}

let searches: URLSearchParams[] = [];
let reversals: { id: string; key: string | null; body: unknown }[] = [];

const server = setupServer(
  http.get(`${base}/api/v1/transactions/search`, ({ request }) => {
    searches.push(new URL(request.url).searchParams);
    return HttpResponse.json({ items: [transaction()], next_cursor: null });
  }),
  http.post(`${base}/api/v1/transactions/:id/reverse`, async ({ request, params }) => {
    const body = await request.json();
    reversals.push({ id: String(params.id), key: request.headers.get('Idempotency-Key'), body });
    return HttpResponse.json(
      transaction({ transaction_id: '0f9b2c58-7777-4c4c-9a9a-000000000007', kind: 'REVERSAL', from_account_id: TO, to_account_id: FROM, reversal_of: String(params.id) }),
      { status: 201 },
    );
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  searches = [];
  reversals = [];
});
afterEach(() => server.resetHandlers());

async function searchAs(roles: string[]) {
  renderAdmin(<TransactionsPage />, { path: '/admin/transactions', pattern: '/admin/transactions', roles });
  const person = userEvent.setup({ delay: null });
  await person.click(screen.getByLabelText('Minimum amount'));
  await person.paste('1000');
  await person.click(screen.getByRole('button', { name: 'Search' }));
  await screen.findAllByTestId('transaction-row');
  return person;
}

describe('reversing a transaction', { timeout: 120_000 }, () => {
  it('shows the amount and both parties, needs a reason, then sends it once with an Idempotency-Key', async () => {
    const person = await searchAs(['admin']);
    expect(searches[0]?.get('min_amount')).toBe('1000');

    await person.click(screen.getByRole('button', { name: /^Reverse the \$1,234\.50 transaction/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Reverse this transaction?' });
    expect(within(dialog).getByTestId('reversal-amount').textContent).toBe('$1,234.50');
    expect(within(dialog).getByTestId('reversal-from').textContent).toBe(FROM);
    expect(within(dialog).getByTestId('reversal-to').textContent).toBe(TO);

    await person.click(within(dialog).getByRole('button', { name: 'Reverse transaction' }));
    expect(await within(dialog).findByText('Give the reason for the reversal.')).toBeTruthy();
    expect(reversals).toEqual([]);

    await person.click(within(dialog).getByRole('textbox', { name: /Reason for the reversal/ }));
    await person.paste('Paid twice by mistake');
    await person.click(within(dialog).getByRole('button', { name: 'Reverse transaction' }));
    expect(await screen.findByTestId('reversal-done')).toBeTruthy();
    expect(reversals).toHaveLength(1);
    expect(reversals[0]).toMatchObject({ id: transaction().transaction_id, body: { reason: 'Paid twice by mistake' } });
    expect(reversals[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('says when the reversal waits for a second admin (four eyes: 202)', async () => {
    server.use(
      http.post(`${base}/api/v1/transactions/:id/reverse`, () =>
        HttpResponse.json(
          approvalRequest({
            target_id: transaction().transaction_id,
            summary: 'Reverse the transfer of 1234.50 USD',
            maker: { user_id: '0f9b2c58-1111-4c4c-9a9a-000000000001', email: 'admin@bankflow.local', roles: ['admin'] },
            reason: 'Paid twice by mistake',
          }),
          { status: 202 },
        ),
      ),
    );
    const person = await searchAs(['admin']);
    await person.click(screen.getByRole('button', { name: /^Reverse the \$1,234\.50 transaction/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Reverse this transaction?' });
    await person.click(within(dialog).getByRole('textbox', { name: /Reason for the reversal/ }));
    await person.paste('Paid twice by mistake');
    await person.click(within(dialog).getByRole('button', { name: 'Reverse transaction' }));
    const asked = await screen.findByTestId('reversal-asked');
    expect(asked.textContent).toContain("Sent for a second admin's approval: Reverse the transfer of 1234.50 USD");
    expect(within(asked).getByRole('link', { name: 'Open the approvals' }).getAttribute('href')).toBe('/admin/approvals');
    expect(screen.queryByTestId('reversal-done')).toBeNull();
  });

  it('is not offered to support (only an admin may reverse)', async () => {
    await searchAs(['support']);
    expect(screen.queryByRole('button', { name: /^Reverse/ })).toBeNull();
  });

  it('can be cancelled without a request', async () => {
    const person = await searchAs(['admin']);
    await person.click(screen.getByRole('button', { name: /^Reverse the/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Reverse this transaction?' });
    await person.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(reversals).toEqual([]);
  });
});
