import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Transaction } from '../api/types';
import { renderSignedIn } from '../test/render';
import { checking, savings, transactionOf, user } from '../test/fixtures';
import TransferPage from './TransferPage';

const base = window.location.origin;
let keys: (string | null)[] = [];
let bodies: unknown[] = [];
let outcomes: ('unavailable' | 'created')[] = [];

function transaction(body: { from_account_id: string; to_account_id: string; amount: string; currency: string }): Transaction {
  return transactionOf({
    kind: 'TRANSFER',
    from_account_id: body.from_account_id,
    to_account_id: body.to_account_id,
    amount: body.amount,
    currency: body.currency,
  });
}

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json(user)),
  http.get(`${base}/api/v1/accounts/user/:userId`, () => HttpResponse.json({ items: [checking, savings] })),
  http.get(`${base}/api/v1/payees`, () => HttpResponse.json({ items: [], next_cursor: null })),
  http.post(`${base}/api/v1/transactions/transfer`, async ({ request }) => {
    keys.push(request.headers.get('Idempotency-Key'));
    const body = (await request.json()) as Parameters<typeof transaction>[0];
    bodies.push(body);
    if (outcomes.shift() === 'unavailable') {
      return HttpResponse.json(
        { error: { code: 'temporarily_unavailable', message: 'retry shortly', request_id: 'req-503' } },
        { status: 503, headers: { 'Retry-After': '1' } },
      );
    }
    return HttpResponse.json(transaction(body), { status: 201 });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  keys = [];
  bodies = [];
  outcomes = [];
});
afterEach(() => server.resetHandlers());

function renderPage() {
  renderSignedIn(<TransferPage />, '/transfer');
}

async function fillAndReview(amount: string) {
  const person = userEvent.setup({ delay: null });
  await person.click(await screen.findByRole('combobox', { name: /From account/ }));
  await person.click(within(await screen.findByRole('listbox')).getByRole('option', { name: /1000000001/ }));
  await person.click(screen.getByRole('combobox', { name: /To account/ }));
  await person.click(within(await screen.findByRole('listbox')).getByRole('option', { name: /1000000002/ }));
  await person.clear(screen.getByLabelText(/^Amount/));
  await person.type(screen.getByLabelText(/^Amount/), amount);
  await person.click(screen.getByRole('button', { name: 'Review transfer' }));
  await screen.findByRole('heading', { name: 'Check the transfer' });
  return person;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the Idempotency-Key of a transfer', () => {
  it('is the same when the same submission is retried, and new for the next transfer', async () => {
    outcomes = ['unavailable', 'created', 'created'];
    renderPage();
    const person = await fillAndReview('25.00');

    await person.click(screen.getByRole('button', { name: 'Confirm transfer' }));
    expect(await screen.findByText('BankFlow is briefly unavailable; retry shortly.')).toBeTruthy();
    await person.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('heading', { name: 'Transfer receipt' });

    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(UUID);
    expect(keys[1]).toBe(keys[0]);
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[0]).toMatchObject({ from_account_id: checking.account_id, to_account_id: savings.account_id, amount: '25.00', currency: 'USD' });

    await person.click(screen.getByRole('button', { name: 'Make another transfer' }));
    await fillAndReview('25.00');
    await person.click(screen.getByRole('button', { name: 'Confirm transfer' }));
    await screen.findByRole('heading', { name: 'Transfer receipt' });

    expect(keys).toHaveLength(3);
    expect(keys[2]).toMatch(UUID);
    expect(keys[2]).not.toBe(keys[0]);
  }, 90_000); // two whole forms filled: slow on a loaded machine

  it('changes when the form is edited after a failed attempt', async () => {
    outcomes = ['unavailable', 'created'];
    renderPage();
    const person = await fillAndReview('10.00');
    await person.click(screen.getByRole('button', { name: 'Confirm transfer' }));
    await screen.findByText('BankFlow is briefly unavailable; retry shortly.');

    await person.click(screen.getByRole('button', { name: 'Edit' }));
    await person.clear(screen.getByLabelText(/^Amount/));
    await person.type(screen.getByLabelText(/^Amount/), '11.00');
    await person.click(screen.getByRole('button', { name: 'Review transfer' }));
    await person.click(await screen.findByRole('button', { name: 'Confirm transfer' }));
    await screen.findByRole('heading', { name: 'Transfer receipt' });

    expect(keys).toHaveLength(2);
    expect(keys[1]).not.toBe(keys[0]);
  });
});
