import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Payee } from '../api/money';
import { renderSignedIn } from '../test/render';
import { checking, savings, user } from '../test/fixtures';
import PayeesPage from './PayeesPage';

const base = window.location.origin;
const JANE = '00200000000185'; // 14 digits, MOD 97-10 check digits right
let lookups: string[] = [];
let created: { body: unknown; key: string | null }[] = [];
let removed: string[] = [];
let saved: Payee[] = [];

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json(user)),
  http.get(`${base}/api/v1/accounts/user/:userId`, () => HttpResponse.json({ items: [checking, savings] })),
  http.get(`${base}/api/v1/accounts/lookup`, ({ request }) => {
    const number = new URL(request.url).searchParams.get('number') ?? '';
    lookups.push(number);
    if (number !== JANE) {
      return HttpResponse.json({ error: { code: 'account_not_found', message: 'no such account', request_id: 'req-404' } }, { status: 404 });
    }
    return HttpResponse.json({ number, holder_name: 'Jane D.', currency: 'USD' });
  }),
  http.get(`${base}/api/v1/payees`, () => HttpResponse.json({ items: saved, next_cursor: null })),
  http.post(`${base}/api/v1/payees`, async ({ request }) => {
    const body = (await request.json()) as { nickname: string; account_number: string };
    created.push({ body, key: request.headers.get('Idempotency-Key') });
    const payee: Payee = {
      payee_id: '0f9b2c58-8888-4c4c-9a9a-000000000008',
      nickname: body.nickname,
      account_number: body.account_number,
      holder_name: 'Jane D.',
      currency: 'USD',
      created_at: '2026-03-04T05:06:07Z',
      updated_at: '2026-03-04T05:06:07Z',
    };
    saved = [payee];
    return HttpResponse.json(payee, { status: 201 });
  }),
  http.delete(`${base}/api/v1/payees/:payeeId`, ({ params }) => {
    removed.push(String(params.payeeId));
    const gone = saved[0];
    saved = [];
    return HttpResponse.json(gone);
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  lookups = [];
  created = [];
  removed = [];
  saved = [];
});
afterEach(() => server.resetHandlers());

function renderPage() {
  renderSignedIn(<PayeesPage />, '/payees');
}

describe('adding a payee confirms the holder first', () => {
  it('checks the number before looking it up', async () => {
    const person = userEvent.setup({ delay: null });
    renderPage();
    await person.type(await screen.findByLabelText(/Recipient's account number/, {}, { timeout: 5000 }), '00200000000184');
    await person.click(screen.getByRole('button', { name: 'Find account' }));
    expect(screen.getByText('Enter the 14-digit account number (check the digits)')).toBeTruthy();
    expect(lookups).toEqual([]);
  });

  it('shows the holder name, saves nothing until confirmed, then saves', async () => {
    const person = userEvent.setup({ delay: null });
    renderPage();
    expect(await screen.findByText('You have no saved payees yet.', {}, { timeout: 5000 })).toBeTruthy();
    await person.type(screen.getByLabelText(/Recipient's account number/), '0020 0000 0001 85');
    await person.click(screen.getByRole('button', { name: 'Save payee' }));
    expect(screen.getByText('Find the account and confirm its holder first')).toBeTruthy();

    await person.click(screen.getByRole('button', { name: 'Find account' }));
    const found = await screen.findByTestId('recipient-found', {}, { timeout: 10_000 });
    expect(found.textContent).toContain('Account 0020 0000 0001 85 (USD) belongs to Jane D.');
    expect(lookups).toEqual([JANE]);

    await person.click(screen.getByRole('button', { name: 'Save payee' }));
    expect(created).toEqual([]); // not confirmed yet

    await person.click(within(found).getByRole('button', { name: "Yes, that's them" }));
    expect((await screen.findByTestId('recipient-confirmed', {}, { timeout: 10_000 })).textContent).toContain('Recipient: Jane D. · 0020 0000 0001 85 (USD)');
    await person.type(screen.getByLabelText(/Nickname/), 'Jane from work');
    await person.click(screen.getByRole('button', { name: 'Save payee' }));

    await waitFor(() => expect(created).toHaveLength(1), { timeout: 10_000 });
    expect(created[0]?.body).toEqual({ nickname: 'Jane from work', account_number: JANE });
    expect(created[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(await screen.findByText('Jane from work is saved.', {}, { timeout: 10_000 })).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Remove Jane from work' })).toBeTruthy();
  });

  it('starts again when the holder is not the one meant, and shows a refusal in words', async () => {
    const person = userEvent.setup({ delay: null });
    renderPage();
    await person.type(await screen.findByLabelText(/Recipient's account number/, {}, { timeout: 5000 }), JANE);
    await person.click(screen.getByRole('button', { name: 'Find account' }));
    await person.click(within(await screen.findByTestId('recipient-found', {}, { timeout: 10_000 })).getByRole('button', { name: 'No' }));
    expect(screen.queryByTestId('recipient-found')).toBeNull();
    expect((screen.getByLabelText(/Recipient's account number/) as HTMLInputElement).value).toBe('');

    await person.type(screen.getByLabelText(/Recipient's account number/), '00300000000180');
    await person.click(screen.getByRole('button', { name: 'Find account' }));
    expect(await screen.findByText('No account that can receive money has this number; check it with the payee.', {}, { timeout: 5000 })).toBeTruthy();
    expect(created).toEqual([]);
  });

  it('removes a payee only after the confirmation dialog', async () => {
    saved = [
      {
        payee_id: '0f9b2c58-8888-4c4c-9a9a-000000000009',
        nickname: 'Mum',
        account_number: JANE,
        holder_name: 'Jane D.',
        currency: 'USD',
        created_at: '2026-03-04T05:06:07Z',
        updated_at: '2026-03-04T05:06:07Z',
      },
    ];
    const person = userEvent.setup({ delay: null });
    renderPage();
    await person.click(await screen.findByRole('button', { name: 'Remove Mum' }, { timeout: 5000 }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove Mum?' });
    await person.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(removed).toEqual([]);
    await person.click(await screen.findByRole('button', { name: 'Remove Mum' }, { timeout: 5000 })); // once the dialog has gone
    await person.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(removed).toEqual(['0f9b2c58-8888-4c4c-9a9a-000000000009']));
    expect(await screen.findByText('Mum was removed.')).toBeTruthy();
  });
});
