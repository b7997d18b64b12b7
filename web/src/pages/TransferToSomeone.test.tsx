import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Provider } from 'react-redux';
import { MemoryRouter } from 'react-router';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Transaction } from '../api/types';
import { tokensReceived } from '../auth/authSlice';
import { makeStore } from '../store';
import { checking, transactionOf, user } from '../test/fixtures';
import TransferPage from './TransferPage';

const base = window.location.origin;
const JANE = '00200000000185';
const THEIRS = '0f9b2c58-9999-4c4c-9a9a-000000000009';
let bodies: unknown[] = [];
let payeeBodies: unknown[] = [];
let reads = 0;
let decided = false;

function held(status: string): Transaction {
  return transactionOf({
    kind: 'TRANSFER',
    status,
    from_account_id: checking.account_id,
    to_account_id: THEIRS,
    amount: '20.00',
  });
}

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json(user)),
  http.get(`${base}/api/v1/accounts/user/:userId`, () => HttpResponse.json({ items: [checking] })),
  http.get(`${base}/api/v1/payees`, () => HttpResponse.json({ items: [], next_cursor: null })),
  http.get(`${base}/api/v1/accounts/lookup`, ({ request }) =>
    HttpResponse.json({ number: new URL(request.url).searchParams.get('number'), holder_name: 'Jane D.', currency: 'USD' }),
  ),
  http.post(`${base}/api/v1/payees`, async ({ request }) => {
    payeeBodies.push(await request.json());
    return HttpResponse.json(
      { payee_id: '0f9b2c58-8888-4c4c-9a9a-000000000008', nickname: 'Jane D.', account_number: JANE, holder_name: 'Jane D.', currency: 'USD', created_at: '2026-03-04T05:06:07Z', updated_at: '2026-03-04T05:06:07Z' },
      { status: 201 },
    );
  }),
  http.post(`${base}/api/v1/transactions/transfer`, async ({ request }) => {
    bodies.push(await request.json());
    return HttpResponse.json(held('PENDING_REVIEW'), { status: 201 });
  }),
  http.get(`${base}/api/v1/transactions/:id`, () => {
    reads += 1;
    return HttpResponse.json(held(decided ? 'COMPLETED' : 'PENDING_REVIEW'));
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  bodies = [];
  payeeBodies = [];
  reads = 0;
  decided = false;
});
afterEach(() => server.resetHandlers());

describe('a transfer to someone else', () => {
  it('pays an account number only after its holder is confirmed, and follows a held transfer until decided', async () => {
    const store = makeStore();
    store.dispatch(tokensReceived({ access_token: 'access', refresh_token: 'refresh' }));
    render(
      <Provider store={store}>
        <MemoryRouter initialEntries={['/transfer']}>
          <TransferPage />
        </MemoryRouter>
      </Provider>,
    );
    const person = userEvent.setup({ delay: null });
    await person.click(await screen.findByRole('radio', { name: 'To someone else' }, { timeout: 5000 }));
    expect(screen.getByRole('heading', { name: 'Send money to someone else' })).toBeTruthy();
    await person.click(screen.getByRole('combobox', { name: /From account/ }));
    await person.click(within(await screen.findByRole('listbox')).getByRole('option', { name: /1000000001/ }));
    await person.type(screen.getByLabelText(/^Amount/), '20.00');
    await person.type(screen.getByLabelText(/Recipient's account number/), JANE);

    await person.click(screen.getByRole('button', { name: 'Review transfer' }));
    expect(await screen.findByText('Find the account and confirm its holder first', {}, { timeout: 10_000 })).toBeTruthy();

    await person.click(screen.getByRole('button', { name: 'Find account' }));
    await person.click(within(await screen.findByTestId('recipient-found', {}, { timeout: 10_000 })).getByRole('button', { name: "Yes, that's them" }));
    await person.click(screen.getByLabelText('Save as a payee'));
    await person.click(screen.getByRole('button', { name: 'Review transfer' }));

    await screen.findByRole('heading', { name: 'Check the transfer' }, { timeout: 10_000 });
    expect(screen.getByTestId('review-to').textContent).toBe('Jane D. · 0020 0000 0001 85');
    await person.click(screen.getByRole('button', { name: 'Confirm transfer' }));

    await screen.findByRole('heading', { name: 'Transfer receipt' }, { timeout: 10_000 });
    expect(bodies).toEqual([{ from_account_id: checking.account_id, to_account_number: JANE, amount: '20.00', currency: 'USD', description: null }]);
    expect(screen.getByTestId('receipt-status').textContent).toBe('Under review');
    expect(screen.getByTestId('receipt-held')).toBeTruthy();
    await waitFor(() => expect(payeeBodies).toEqual([{ nickname: 'Jane D.', account_number: JANE }]), { timeout: 10_000 });
    expect(await screen.findByText('Jane D. is saved.', {}, { timeout: 10_000 })).toBeTruthy();
    decided = true; // the fraud review clears it
    // polled until decided
    await waitFor(() => expect(screen.getByTestId('receipt-status').textContent).toBe('Completed'), { timeout: 8000 });
    expect(reads).toBeGreaterThan(0);
    expect(screen.queryByTestId('receipt-held')).toBeNull();
  }, 90_000);
});


