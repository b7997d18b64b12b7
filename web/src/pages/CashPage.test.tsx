import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CashRequest } from '../api/movements';
import type { Transaction } from '../api/types';
import { renderSignedIn } from '../test/render';
import { checking, transactionOf, user } from '../test/fixtures';
import CashPage from './CashPage';

const base = window.location.origin;
let sent: { path: string; key: string | null; body: CashRequest }[] = [];
let refuseWith: { status: number; code: string } | null = null;

function moved(kind: 'DEPOSIT' | 'WITHDRAWAL', body: CashRequest): Transaction {
  return transactionOf({
    transaction_id: '0f9b2c58-9999-4c4c-9a9a-000000000009',
    kind,
    from_account_id: kind === 'WITHDRAWAL' ? body.account_id : null,
    to_account_id: kind === 'DEPOSIT' ? body.account_id : null,
    amount: body.amount,
    currency: body.currency,
    description: body.description ?? null,
  });
}

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json(user)),
  http.get(`${base}/api/v1/accounts/user/:userId`, () => HttpResponse.json({ items: [checking] })),
  http.post(`${base}/api/v1/transactions/:kind`, async ({ request, params }) => {
    const body = (await request.json()) as CashRequest;
    sent.push({ path: String(params.kind), key: request.headers.get('Idempotency-Key'), body });
    if (refuseWith) {
      const { status, code } = refuseWith;
      return HttpResponse.json({ error: { code, message: 'refused', request_id: 'r' } }, { status });
    }
    return HttpResponse.json(moved(params.kind === 'deposit' ? 'DEPOSIT' : 'WITHDRAWAL', body), { status: 201 });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
afterEach(() => {
  server.resetHandlers();
  sent = [];
  refuseWith = null;
});

async function fillAndReview(amount: string) {
  const person = userEvent.setup({ delay: null });
  await person.click(await screen.findByRole('combobox', { name: /Into/ }));
  await person.click(await screen.findByRole('option', { name: /Checking/ }));
  await person.type(screen.getByRole('textbox', { name: /Amount/ }), amount);
  await person.click(screen.getByRole('button', { name: 'Review' }));
  return person;
}

describe('deposit or withdraw', () => {
  it('deposits into the chosen account after a review, with an Idempotency-Key', async () => {
    renderSignedIn(<CashPage />, '/cash');
    const person = await fillAndReview('250.00');
    expect((await screen.findByTestId('review-amount')).textContent).toBe('$250.00');
    await person.click(screen.getByRole('button', { name: 'Deposit' }));
    expect((await screen.findByTestId('receipt-status')).textContent).toBe('Completed');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path: 'deposit', body: { account_id: checking.account_id, amount: '250.00', currency: 'USD' } });
    expect(sent[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('withdraws when asked, and shows a refusal in words on the review', async () => {
    refuseWith = { status: 422, code: 'insufficient_funds' };
    renderSignedIn(<CashPage />, '/cash?kind=withdrawal');
    const person = userEvent.setup({ delay: null });
    expect((await screen.findByRole<HTMLInputElement>('radio', { name: 'Withdraw' })).checked).toBe(true);
    await person.click(await screen.findByRole('combobox', { name: /From/ }));
    await person.click(await screen.findByRole('option', { name: /Checking/ }));
    await person.type(screen.getByRole('textbox', { name: /Amount/ }), '9000');
    await person.click(screen.getByRole('button', { name: 'Review' }));
    await person.click(await screen.findByRole('button', { name: 'Withdraw' }));
    expect(await screen.findByText(/not enough money/i)).toBeTruthy();
    expect(sent.map((s) => s.path)).toEqual(['withdrawal']);
  });

  it('refuses an amount with more decimals than the currency has, before sending', async () => {
    renderSignedIn(<CashPage />, '/cash');
    await fillAndReview('1.001');
    expect(await screen.findByText(/at most 2 decimals/i)).toBeTruthy();
    expect(sent).toEqual([]);
  });
});
