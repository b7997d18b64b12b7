import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Provider } from 'react-redux';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Transaction } from '../api/types';
import { tokensReceived } from '../auth/authSlice';
import { makeStore } from '../store';
import { checking, savings, transactionOf, user } from '../test/fixtures';
import HistoryPage, { csvOf, filtersOf, paramsOf } from './HistoryPage';

const base = window.location.origin;
let searches: URLSearchParams[] = [];

function tx(id: number, extra: Partial<Transaction> = {}): Transaction {
  return transactionOf({
    transaction_id: `0f9b2c58-6666-4c4c-9a9a-${String(id).padStart(12, '0')}`,
    description: `Row ${id}`,
    ...extra,
  });
}

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json(user)),
  http.get(`${base}/api/v1/accounts/user/:userId`, () => HttpResponse.json({ items: [checking, savings] })),
  http.get(`${base}/api/v1/transactions/search`, ({ request }) => {
    const params = new URL(request.url).searchParams;
    searches.push(params);
    if (params.get('cursor') === 'page-2') return HttpResponse.json({ items: [tx(3)], next_cursor: null });
    return HttpResponse.json({ items: [tx(1), tx(2)], next_cursor: 'page-2' });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  searches = [];
});
afterEach(() => server.resetHandlers());

function Where() {
  const location = useLocation();
  return <output data-testid="where">{location.search}</output>;
}

function renderAt(url: string) {
  const store = makeStore();
  store.dispatch(tokensReceived({ access_token: 'access', refresh_token: 'refresh' }));
  render(
    <Provider store={store}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route
            path="/history"
            element={
              <>
                <HistoryPage />
                <Where />
              </>
            }
          />
        </Routes>
      </MemoryRouter>
    </Provider>,
  );
}

const last = () => searches[searches.length - 1] ?? new URLSearchParams();

describe('HistoryPage filters', () => {
  it('reads its filters from the URL and sends them to the search API', async () => {
    renderAt(`/history?account=${checking.account_id}&kind=DEPOSIT&min=10&from=2026-03-01&to=2026-03-31&q=rent`);
    expect(await screen.findByText('Row 1', {}, { timeout: 10_000 })).toBeTruthy();
    const sent = last();
    expect(sent.get('account_id')).toBe(checking.account_id);
    expect(sent.get('kind')).toBe('DEPOSIT');
    expect(sent.get('min_amount')).toBe('10');
    expect(sent.get('from')).toBe('2026-03-01T00:00:00Z');
    expect(sent.get('to')).toBe('2026-04-01T00:00:00Z'); // the 31st included
    expect(sent.get('q')).toBe('rent');
    expect(sent.has('status')).toBe(false);
    expect((screen.getByLabelText('Minimum amount') as HTMLInputElement).value).toBe('10');
    expect((screen.getByLabelText('Text in description') as HTMLInputElement).value).toBe('rent');
  });

  it('puts applied filters in the URL, and clears them', async () => {
    const person = userEvent.setup({ delay: null });
    renderAt('/history');
    expect(await screen.findByText('Row 1', {}, { timeout: 10_000 })).toBeTruthy();
    expect(last().has('min_amount')).toBe(false);

    await person.type(screen.getByLabelText('Maximum amount'), '50');
    await person.type(screen.getByLabelText('Counterparty'), 'Corner Coffee');
    await person.click(screen.getByRole('combobox', { name: 'Status' }));
    await person.click(within(await screen.findByRole('listbox')).getByRole('option', { name: 'Under review' }));
    await person.click(screen.getByRole('button', { name: 'Apply filters' }));

    await waitFor(() => expect(last().get('status')).toBe('PENDING_REVIEW'), { timeout: 10_000 });
    const where = new URLSearchParams(screen.getByTestId('where').textContent ?? '');
    expect(where.get('max')).toBe('50');
    expect(where.get('status')).toBe('PENDING_REVIEW');
    expect(where.get('counterparty')).toBe('Corner Coffee');
    expect(last().get('max_amount')).toBe('50');
    expect(last().get('currency')).toBe('USD'); // all accounts: the amounts are in their one currency
    expect(last().get('counterparty')).toBe('Corner Coffee');

    await person.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe(''), { timeout: 10_000 });
    expect((screen.getByLabelText('Maximum amount') as HTMLInputElement).value).toBe('');
  });

  it('refuses a malformed amount without searching', async () => {
    const person = userEvent.setup({ delay: null });
    renderAt('/history');
    expect(await screen.findByText('Row 1', {}, { timeout: 10_000 })).toBeTruthy();
    const before = searches.length;
    await person.type(screen.getByLabelText('Minimum amount'), '1,5');
    await person.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(screen.getByText('Enter an amount like 12.34')).toBeTruthy();
    expect(screen.getByTestId('where').textContent).toBe('');
    expect(searches.length).toBe(before);
  });

  it('loads the next page with the API cursor', async () => {
    const person = userEvent.setup({ delay: null });
    renderAt('/history');
    expect(await screen.findByText('Row 2', {}, { timeout: 10_000 })).toBeTruthy();
    await person.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('Row 3', {}, { timeout: 10_000 })).toBeTruthy();
    expect(last().get('cursor')).toBe('page-2');
    expect(screen.getByText('Row 1')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });
});

describe('history helpers', () => {
  it('round-trips filters through the query string, dropping empty ones', () => {
    const filters = filtersOf(new URLSearchParams('kind=PAYMENT&q=rent&min='));
    expect(filters.kind).toBe('PAYMENT');
    expect(paramsOf(filters).toString()).toBe('kind=PAYMENT&q=rent');
  });

  it('exports CSV with signed amounts and no spreadsheet formulas', () => {
    const out = tx(9, { kind: 'TRANSFER', from_account_id: checking.account_id, to_account_id: 'elsewhere', description: '=HYPERLINK("x")' });
    const csv = csvOf([out], checking.account_id, [checking, savings]);
    const line = csv.trim().split('\n')[1] ?? '';
    expect(line).toContain(',-10.00,USD,1000000001,elsewhere,');
    expect(line).toContain(`"'=HYPERLINK(""x"")"`);
  });
});
