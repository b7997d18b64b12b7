import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CurrencyTransactionReport, KycStatusReport, SuspiciousActivityReport, SuspiciousCase } from '../../api/admin';
import ReportsPage, { lastWeek } from './ReportsPage';
import { renderAdmin } from './testing';

const base = window.location.origin;
const CUSTOMER = '0f9b2c58-2222-4c4c-9a9a-000000000002';
const ACCOUNT = '0f9b2c58-3333-4c4c-9a9a-000000000003';
const CASE = '0f9b2c58-5555-4c4c-9a9a-000000000005';

const ctr: CurrencyTransactionReport = {
  from: '2026-03-01',
  to: '2026-03-07',
  time_zone: 'America/New_York',
  threshold: '10000.00',
  currency: 'USD',
  movements_examined: 14,
  items: [
    {
      customer_id: CUSTOMER,
      customer_name: 'Grace Hopper',
      business_day: '2026-03-02',
      cash_in: '11000.00',
      cash_out: '0.00',
      currency: 'USD',
      movements: [
        { transaction_id: '0f9b2c58-6666-4c4c-9a9a-000000000001', kind: 'DEPOSIT', account_id: ACCOUNT, account_number: '00100000004264', amount: '6000.00', at: '2026-03-02T15:00:00Z' },
        { transaction_id: '0f9b2c58-6666-4c4c-9a9a-000000000002', kind: 'DEPOSIT', account_id: ACCOUNT, account_number: '00100000004264', amount: '5000.00', at: '2026-03-02T16:00:00Z' },
      ],
    },
  ],
};

function fraudCase(filed: boolean): SuspiciousCase {
  return {
    case_id: CASE,
    opened_at: '2026-03-03T10:00:00Z',
    resolved_at: '2026-03-03T11:00:00Z',
    resolved_by: '0f9b2c58-1111-4c4c-9a9a-000000000001',
    note: 'confirmed with the customer',
    subject: {
      customer_id: CUSTOMER,
      name: 'Grace Hopper',
      date_of_birth: '1980-12-09',
      ssn_last4: '1234',
      address: { line1: '1 Navy Way', line2: null, city: 'Arlington', region: null, postal_code: '22202', country: 'US' },
      account_id: ACCOUNT,
      account_number: '00100000004264',
    },
    transaction: {
      transaction_id: '0f9b2c58-6666-4c4c-9a9a-000000000003',
      kind: 'TRANSFER',
      amount: '11000.00',
      currency: 'USD',
      at: '2026-03-03T10:00:00Z',
      from_account_id: ACCOUNT,
      to_account_id: null,
      counterparty: null,
      description: null,
    },
    assessment: { score: 40, verdict: 'review', reasons: ['rule:large_amount_review'], model_version: null, at: '2026-03-03T10:00:00Z' },
    timeline: [
      { action: 'opened', actor: null, note: null, at: '2026-03-03T10:00:00Z' },
      { action: 'resolved:FRAUD', actor: null, note: null, at: '2026-03-03T11:00:00Z' },
    ],
    filing: filed ? { reference: '31000123', filed_by: '0f9b2c58-1111-4c4c-9a9a-000000000001', filed_at: '2026-03-04T09:00:00Z' } : null,
  };
}

const kyc: KycStatusReport = {
  as_of: '2026-03-10T12:00:00Z',
  by_status: { APPROVED: 7, SUBMITTED: 1 },
  total: 8,
  pending_by_age: { under_1_day: 0, '1_to_3_days': 1, '3_to_7_days': 0, over_7_days: 0 },
  pending: [{ customer_id: CUSTOMER, customer_name: 'Grace Hopper', submitted_at: '2026-03-09T00:00:00Z', waiting_hours: 36, age: '1_to_3_days' }],
};

let filed = false;
let filings: unknown[] = [];
let periods: URLSearchParams[] = [];

const server = setupServer(
  http.get(`${base}/api/v1/admin/reports/currency-transactions`, ({ request }) => {
    periods.push(new URL(request.url).searchParams);
    return HttpResponse.json(ctr);
  }),
  http.get(`${base}/api/v1/admin/reports/suspicious-activity`, () => {
    const report: SuspiciousActivityReport = {
      from: '2026-03-01',
      to: '2026-03-07',
      time_zone: 'America/New_York',
      cases: [fraudCase(filed)],
      flagged_accounts: [],
    };
    return HttpResponse.json(report);
  }),
  http.post(`${base}/api/v1/admin/reports/suspicious-activity/:caseId/filing`, async ({ request }) => {
    filings.push(await request.json());
    filed = true;
    return HttpResponse.json(fraudCase(true).filing, { status: 201 });
  }),
  http.get(`${base}/api/v1/admin/reports/kyc`, () => HttpResponse.json(kyc)),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  filed = false;
  filings = [];
  periods = [];
});
afterEach(() => server.resetHandlers());

describe('the regulatory reports', { timeout: 120_000 }, () => {
  it('shows the week up to today by default and the candidates with their movements', async () => {
    expect(lastWeek(new Date(2026, 2, 10, 12))).toEqual({ from: '2026-03-04', to: '2026-03-10' });
    renderAdmin(<ReportsPage />, { path: '/admin/reports', pattern: '/admin/reports', roles: ['support'] });
    const [row] = await screen.findAllByTestId('ctr-row');
    expect(within(row!).getByText('$11,000.00')).toBeTruthy();
    expect(within(row!).getByRole('link', { name: 'Grace Hopper' }).getAttribute('href')).toBe(`/admin/customers/${CUSTOMER}`);
    expect(within(row!).getAllByRole('listitem')).toHaveLength(2);
    expect(periods[0]?.get('from')).toBe(lastWeek().from);

    const person = userEvent.setup({ delay: null });
    const to = screen.getByLabelText('To (included)');
    await person.clear(to);
    await person.type(to, '2026-01-01');
    expect(await screen.findByText('Must not be before From')).toBeTruthy();
  });

  it('lets support mark a case resolved as fraud as filed, with the reference', async () => {
    renderAdmin(<ReportsPage />, { path: '/admin/reports', pattern: '/admin/reports', roles: ['support'] });
    const person = userEvent.setup({ delay: null });
    await person.click(await screen.findByRole('tab', { name: 'Suspicious activity' }));
    const [row] = await screen.findAllByTestId('sar-row');
    expect(within(row!).getByText('rule:large_amount_review')).toBeTruthy();
    await person.click(within(row!).getByRole('button', { name: 'Mark as filed' }));
    const dialog = await screen.findByRole('dialog', { name: 'Mark the case as filed' });
    await person.type(within(dialog).getByLabelText(/Filing reference/), '31000123');
    await person.click(within(dialog).getByRole('button', { name: 'Mark as filed' }));
    await waitFor(() => expect(filings).toEqual([{ reference: '31000123' }]));
    expect(await screen.findByText('31000123')).toBeTruthy();
    expect(screen.getByText('Filed')).toBeTruthy();
  });

  it('shows an auditor the reports without filing or customer links, and the KYC queue by age', async () => {
    renderAdmin(<ReportsPage />, { path: '/admin/reports', pattern: '/admin/reports', roles: ['auditor'] });
    const person = userEvent.setup({ delay: null });
    const [row] = await screen.findAllByTestId('ctr-row');
    expect(within(row!).queryByRole('link')).toBeNull();
    await person.click(screen.getByRole('tab', { name: 'Suspicious activity' }));
    const [sar] = await screen.findAllByTestId('sar-row');
    expect(within(sar!).queryByRole('button', { name: 'Mark as filed' })).toBeNull();
    expect(within(sar!).getByText('Not filed')).toBeTruthy();
    await person.click(screen.getByRole('tab', { name: 'KYC status' }));
    expect((await screen.findByTestId('kyc-age-1_to_3_days')).textContent).toBe('1');
    expect(screen.getByTestId('kyc-status-APPROVED').textContent).toBe('7');
    expect(screen.queryByLabelText('From (business day)')).toBeNull();
  });
});
