import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerDocument } from '../../api/admin';
import KycReviewPage from './KycReviewPage';
import { customerOf, renderAdmin } from './testing';

const base = window.location.origin;
const CUSTOMER_ID = '0f9b2c58-2222-4c4c-9a9a-000000000002';

const customer = customerOf();
const passport: CustomerDocument = {
  document_id: '0f9b2c58-6666-4c4c-9a9a-000000000006',
  kind: 'passport',
  content_type: 'image/png',
  size_bytes: 2048,
  sha256: 'ab'.repeat(32),
  review_status: 'PENDING',
  uploaded_at: '2026-01-03T03:00:00Z',
};

let decisions: { path: string; body: unknown }[] = [];

const server = setupServer(
  http.get(`${base}/api/v1/customers/:id`, () => HttpResponse.json(customer)),
  http.get(`${base}/api/v1/customers/:id/documents`, () => HttpResponse.json({ items: [passport] })),
  http.post(`${base}/api/v1/admin/kyc/:id/reject`, async ({ request, params }) => {
    const body = await request.json();
    decisions.push({ path: `reject/${String(params.id)}`, body });
    return HttpResponse.json({ customer_id: CUSTOMER_ID, kyc_status: 'REJECTED', reason: (body as { reason: string }).reason });
  }),
  http.post(`${base}/api/v1/admin/kyc/:id/approve`, ({ params }) => {
    decisions.push({ path: `approve/${String(params.id)}`, body: null });
    return HttpResponse.json({ customer_id: CUSTOMER_ID, kyc_status: 'APPROVED', reason: null });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  decisions = [];
});
afterEach(() => server.resetHandlers());

function renderReview(roles: string[]) {
  renderAdmin(<KycReviewPage />, { path: `/admin/kyc/${CUSTOMER_ID}`, pattern: '/admin/kyc/:customerId', roles });
}

// MUI in jsdom is slow on a busy 2-core machine: a journey of several dialogs gets two minutes.
describe('the KYC decision', { timeout: 120_000 }, () => {
  it('refuses a rejection without a reason, then sends the reason given', async () => {
    renderReview(['admin']);
    const person = userEvent.setup({ delay: null });
    await person.click(await screen.findByRole('button', { name: 'Reject KYC' }));
    const dialog = await screen.findByRole('dialog', { name: "Reject this customer's KYC?" });

    await person.click(within(dialog).getByRole('button', { name: 'Reject' }));
    expect(await within(dialog).findByText('Give the reason for the rejection.')).toBeTruthy();
    await person.click(within(dialog).getByRole('textbox', { name: /Reason for the rejection/ }));
    await person.paste('   ');
    await person.click(within(dialog).getByRole('button', { name: 'Reject' }));
    expect(await within(dialog).findByText('Give the reason for the rejection.')).toBeTruthy();
    expect(decisions).toEqual([]);

    await person.click(within(dialog).getByRole('textbox', { name: /Reason for the rejection/ }));
    await person.paste('The passport photo is unreadable');
    await person.click(within(dialog).getByRole('button', { name: 'Reject' }));
    expect(await screen.findByText('KYC rejected: The passport photo is unreadable')).toBeTruthy();
    expect(decisions).toEqual([{ path: `reject/${CUSTOMER_ID}`, body: { reason: 'The passport photo is unreadable' } }]);
  });

  it('approves after the confirmation, with no body', async () => {
    renderReview(['admin']);
    const person = userEvent.setup({ delay: null });
    await person.click(await screen.findByRole('button', { name: 'Approve KYC' }));
    const dialog = await screen.findByRole('dialog', { name: "Approve this customer's KYC?" });
    await person.click(within(dialog).getByRole('button', { name: 'Approve' }));
    expect(await screen.findByText('KYC approved.')).toBeTruthy();
    expect(decisions).toEqual([{ path: `approve/${CUSTOMER_ID}`, body: null }]);
  });

  it('offers support no decision (the API would refuse it)', async () => {
    renderReview(['support']);
    expect(await screen.findByText(/Only an admin may approve or reject KYC/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Approve KYC' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reject KYC' })).toBeNull();
    expect(screen.getByText('•••-••-6789')).toBeTruthy();
  });
});
