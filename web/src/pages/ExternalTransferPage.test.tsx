import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExternalRequest } from '../api/movements';
import type { Transaction } from '../api/types';
import { renderSignedIn } from '../test/render';
import { checking, transactionOf, user } from '../test/fixtures';
import ExternalTransferPage from './ExternalTransferPage';

const base = window.location.origin;
let sent: { key: string | null; body: ExternalRequest }[] = [];

function pending(body: ExternalRequest): Transaction {
  return transactionOf({
    transaction_id: '0f9b2c58-6666-4c4c-9a9a-000000000006',
    kind: 'EXTERNAL_OUT',
    status: 'PENDING',
    from_account_id: body.account_id,
    to_account_id: null,
    amount: body.amount,
    currency: body.currency,
  });
}

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json(user)),
  http.get(`${base}/api/v1/accounts/user/:userId`, () => HttpResponse.json({ items: [checking] })),
  http.post(`${base}/api/v1/transactions/external`, async ({ request }) => {
    const body = (await request.json()) as ExternalRequest;
    sent.push({ key: request.headers.get('Idempotency-Key'), body });
    return HttpResponse.json(pending(body), { status: 201 });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  sent = [];
});
afterEach(() => server.resetHandlers());

function renderPage() {
  renderSignedIn(<ExternalTransferPage />, '/transfer/external');
}

async function fill(person: ReturnType<typeof userEvent.setup>, routing: string) {
  await person.click(await screen.findByRole('combobox', { name: /Your account/ }));
  await person.click(await screen.findByRole('option', { name: new RegExp(checking.number) }));
  await person.type(screen.getByLabelText(/Account holder's name/), 'Ada Lovelace');
  await person.type(screen.getByLabelText(/Routing number/), routing);
  await person.type(screen.getByLabelText(/Account number at the other bank/), '12345678');
  await person.type(screen.getByLabelText(/^Amount/), '40.00');
  await person.click(screen.getByRole('button', { name: 'Review transfer' }));
}

describe('ExternalTransferPage', () => {
  it('refuses a routing number whose check digit is wrong, on the field', async () => {
    const person = userEvent.setup({ delay: null });
    renderPage();
    await fill(person, '021000022');
    expect(await screen.findByText(/Enter a valid nine-digit routing number/)).toBeTruthy();
    expect(sent).toEqual([]);
  });

  it('sends the reviewed transfer with an Idempotency-Key and shows it pending', async () => {
    const person = userEvent.setup({ delay: null });
    renderPage();
    await fill(person, '021000021');
    expect(await screen.findByRole('heading', { name: 'Check the bank transfer' })).toBeTruthy();
    expect(screen.getByTestId('review-amount').textContent).toBe('$40.00');
    await person.click(screen.getByRole('button', { name: 'Confirm bank transfer' }));
    expect(await screen.findByTestId('receipt-status')).toHaveProperty('textContent', 'Pending');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[0]?.body).toMatchObject({
      direction: 'OUT',
      rail: 'ACH',
      account_id: checking.account_id,
      amount: '40.00',
      currency: 'USD',
      counterparty: { name: 'Ada Lovelace', routing_number: '021000021', account_number: '12345678' },
    });
  });
});
