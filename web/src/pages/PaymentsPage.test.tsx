import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaymentRequest } from '../api/movements';
import type { Transaction } from '../api/types';
import { captureAmountProblem } from '../components/OpenAuthorisations';
import { renderSignedIn } from '../test/render';
import { checking, transactionOf, user } from '../test/fixtures';
import PaymentsPage from './PaymentsPage';

const base = window.location.origin;
let authorised: { key: string | null; body: PaymentRequest }[] = [];
let captured: { id: string; body: unknown }[] = [];
let voided: string[] = [];
let open: Transaction[] = [];

function payment(id: string, merchant: string, amount: string, status = 'PENDING'): Transaction {
  return transactionOf({
    transaction_id: id,
    kind: 'PAYMENT',
    status,
    from_account_id: checking.account_id,
    to_account_id: null,
    amount,
    counterparty: merchant,
  });
}

const coffee = payment('0f9b2c58-7777-4c4c-9a9a-000000000007', 'Corner Coffee', '80.00');

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json(user)),
  http.get(`${base}/api/v1/accounts/user/:userId`, () => HttpResponse.json({ items: [checking] })),
  http.get(`${base}/api/v1/transactions/search`, ({ request }) => {
    const query = new URL(request.url).searchParams;
    expect(Object.fromEntries(query)).toMatchObject({ kind: 'PAYMENT', status: 'PENDING' });
    return HttpResponse.json({ items: open, next_cursor: null });
  }),
  http.post(`${base}/api/v1/transactions/payment`, async ({ request }) => {
    const body = (await request.json()) as PaymentRequest;
    authorised.push({ key: request.headers.get('Idempotency-Key'), body });
    return HttpResponse.json(payment('0f9b2c58-8888-4c4c-9a9a-000000000008', body.merchant, body.amount), { status: 201 });
  }),
  http.post(`${base}/api/v1/transactions/:id/capture`, async ({ request, params }) => {
    const body = await request.json();
    captured.push({ id: String(params.id), body });
    open = [];
    return HttpResponse.json({ ...coffee, status: 'COMPLETED', captured_amount: (body as { amount?: string }).amount ?? coffee.amount });
  }),
  http.post(`${base}/api/v1/transactions/:id/void`, ({ params }) => {
    voided.push(String(params.id));
    open = [];
    return HttpResponse.json({ ...coffee, status: 'FAILED', failure_reason: 'voided' });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  authorised = [];
  captured = [];
  voided = [];
  open = [];
});
afterEach(() => server.resetHandlers());

function renderPage() {
  renderSignedIn(<PaymentsPage />, '/payments');
}

describe('PaymentsPage', () => {
  it('authorises the reviewed payment once, with an Idempotency-Key, and says the amount is held', async () => {
    const person = userEvent.setup({ delay: null });
    renderPage();
    await person.click(await screen.findByRole('combobox', { name: /Pay from/ }));
    await person.click(await screen.findByRole('option', { name: new RegExp(checking.number) }));
    await person.click(screen.getByRole('button', { name: 'Review payment' }));
    expect(await screen.findByText("Enter the merchant's name")).toBeTruthy();
    expect(authorised).toEqual([]);

    await person.type(screen.getByLabelText(/^Merchant/), 'Corner Coffee');
    await person.type(screen.getByLabelText(/^Amount/), '12.50');
    await person.click(screen.getByRole('button', { name: 'Review payment' }));
    expect(await screen.findByRole('heading', { name: 'Check the payment' })).toBeTruthy();
    expect(screen.getByTestId('review-merchant').textContent).toBe('Corner Coffee');
    expect(screen.getByTestId('review-amount').textContent).toBe('$12.50');
    await person.click(screen.getByRole('button', { name: 'Authorise payment' }));

    expect(await screen.findByRole('heading', { name: 'Payment authorised' })).toBeTruthy();
    expect(screen.getByTestId('receipt-status').textContent).toBe('Pending');
    expect(screen.getByText(/the amount is held/)).toBeTruthy();
    expect(authorised).toHaveLength(1);
    expect(authorised[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(authorised[0]?.body).toMatchObject({ account_id: checking.account_id, merchant: 'Corner Coffee', amount: '12.50', currency: 'USD' });
  });

  it('captures part of an authorisation, refusing more than was authorised on the field', async () => {
    open = [coffee];
    const person = userEvent.setup({ delay: null });
    renderPage();
    await person.click(await screen.findByRole('button', { name: 'Capture the payment to Corner Coffee' }));
    const dialog = await screen.findByRole('dialog', { name: 'Capture the payment to Corner Coffee?' });
    const amount = within(dialog).getByLabelText(/Amount to capture/);
    expect((amount as HTMLInputElement).value).toBe('80.00');
    await person.clear(amount);
    await person.type(amount, '80.01');
    await person.click(within(dialog).getByRole('button', { name: 'Capture payment' }));
    expect(await within(dialog).findByText('That is more than was authorised')).toBeTruthy();
    expect(captured).toEqual([]);

    await person.clear(amount);
    await person.type(amount, '64.20');
    await person.click(within(dialog).getByRole('button', { name: 'Capture payment' }));
    expect(await screen.findByText('$64.20 paid to Corner Coffee.')).toBeTruthy();
    expect(captured).toEqual([{ id: coffee.transaction_id, body: { amount: '64.20' } }]);
    expect(await screen.findByText('No payment is waiting to be captured.')).toBeTruthy();
  });

  it('voids only after the confirmation', async () => {
    open = [coffee];
    const person = userEvent.setup({ delay: null });
    renderPage();
    await person.click(await screen.findByRole('button', { name: 'Void the payment to Corner Coffee' }));
    const dialog = await screen.findByRole('dialog', { name: 'Void the payment to Corner Coffee?' });
    await person.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(voided).toEqual([]);

    await person.click(screen.getByRole('button', { name: 'Void the payment to Corner Coffee' }));
    await person.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Void payment' }));
    expect(await screen.findByText(/was voided; the money is available again/)).toBeTruthy();
    expect(voided).toEqual([coffee.transaction_id]);
  });

  it('checks a capture amount exactly, in minor units', () => {
    expect(captureAmountProblem('80', coffee)).toBeNull();
    expect(captureAmountProblem('0.01', coffee)).toBeNull();
    expect(captureAmountProblem('80.001', coffee)).toBe('transfer.validation.decimals');
    expect(captureAmountProblem('0', coffee)).toBe('transfer.validation.amount');
    expect(captureAmountProblem('abc', coffee)).toBe('transfer.validation.amount');
    expect(captureAmountProblem('100', coffee)).toBe('payments.validation.captureTooMuch');
  });
});
