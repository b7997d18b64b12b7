import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Customer, CustomerDocument, KycState } from '../api/identity';
import { renderSignedIn } from '../test/render';
import { user } from '../test/fixtures';
import { ageOn, ssnIsValid } from './identityRules';
import OnboardingPage from './OnboardingPage';

const base = window.location.origin;
const customerId = '0f9b2c58-2222-4c4c-9a9a-000000000002';
let hasProfile = false;
let kyc: KycState = { customer_id: customerId, kyc_status: 'PENDING', reason: null };
let documents: CustomerDocument[] = [];
let posted: { path: string; body: unknown }[] = [];

const customer: Customer = {
  customer_id: customerId,
  user_id: user.user_id,
  email: user.email,
  first_name: 'Ada',
  last_name: 'Lovelace',
  date_of_birth: '1985-12-10',
  ssn_last4: '6789',
  phone: null,
  address: { line1: '1 Main St', line2: null, city: 'Springfield', region: null, postal_code: '12345', country: 'US' },
  kyc_status: 'PENDING',
  kyc_reason: null,
  kyc_updated_at: '2026-01-01T00:00:00Z',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json({ ...user, customer_id: hasProfile ? customerId : null })),
  http.post(`${base}/api/v1/customers`, async ({ request }) => {
    posted.push({ path: 'create', body: await request.json() });
    hasProfile = true;
    return HttpResponse.json(customer, { status: 201 });
  }),
  http.get(`${base}/api/v1/customers/:id`, () => HttpResponse.json(customer)),
  http.get(`${base}/api/v1/customers/:id/kyc/status`, () => HttpResponse.json(kyc)),
  http.get(`${base}/api/v1/customers/:id/documents`, () => HttpResponse.json({ items: documents })),
  http.post(`${base}/api/v1/customers/:id/documents`, async ({ request }) => {
    const form = await request.formData();
    const file = form.get('file') as File;
    posted.push({ path: 'upload', body: { kind: form.get('kind'), type: file.type } }); // jsdom's FormData drops the file name
    const document: CustomerDocument = {
      document_id: 'd1',
      kind: 'passport',
      content_type: 'image/png',
      size_bytes: file.size,
      sha256: 'x',
      review_status: 'PENDING',
      uploaded_at: '2026-01-02T00:00:00Z',
    };
    documents = [document];
    return HttpResponse.json(document, { status: 201 });
  }),
  http.post(`${base}/api/v1/customers/:id/kyc`, () => {
    posted.push({ path: 'kyc', body: null });
    kyc = { ...kyc, kyc_status: 'SUBMITTED' };
    return HttpResponse.json(kyc);
  }),
);

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  URL.createObjectURL = vi.fn(() => 'blob:preview');
  URL.revokeObjectURL = vi.fn();
});
afterAll(() => server.close());
beforeEach(() => {
  hasProfile = false;
  kyc = { customer_id: customerId, kyc_status: 'PENDING', reason: null };
  documents = [];
  posted = [];
});
afterEach(() => server.resetHandlers());

function fill(input: HTMLElement, value: string) {
  fireEvent.change(input, { target: { value } });
}

function renderPage() {
  renderSignedIn(<OnboardingPage />, '/onboarding');
}

describe('profile rules', () => {
  it('mirror the API', () => {
    expect(ssnIsValid('123-45-6789')).toBe(true);
    expect(ssnIsValid('123456789')).toBe(true);
    expect(ssnIsValid('666-45-6789')).toBe(false);
    expect(ssnIsValid('923-45-6789')).toBe(false);
    expect(ssnIsValid('123-00-6789')).toBe(false);
    expect(ssnIsValid('123-45-0000')).toBe(false);
    expect(ageOn('2008-06-15', new Date('2026-06-14T12:00:00Z'))).toBe(17);
    expect(ageOn('2008-06-15', new Date('2026-06-15T12:00:00Z'))).toBe(18);
    expect(ageOn('2001-02-30', new Date())).toBeNull();
  });
});

describe('OnboardingPage', () => {
  it('checks the profile before sending it, then shows only the last four SSN digits', async () => {
    const person = userEvent.setup({ delay: null });
    renderPage();
    fill(await screen.findByLabelText(/^First name/), 'Ada');
    fill(screen.getByLabelText(/^Social Security number/), '666-12-3456');
    fill(screen.getByLabelText(/^Date of birth/), '2020-01-01');
    await person.click(screen.getByRole('button', { name: 'Save my details' }));
    expect(await screen.findByText('Enter a valid US Social Security number, like 123-45-6789')).toBeTruthy();
    expect(screen.getByText('You must be at least 18 years old')).toBeTruthy();
    expect(screen.getByText(/Enter your last name/)).toBeTruthy();
    expect(screen.getByText('Enter the street address')).toBeTruthy();
    expect(posted).toEqual([]);

    fill(screen.getByLabelText(/^Last name/), 'Lovelace');
    fill(screen.getByLabelText(/^Social Security number/), '123-45-6789');
    fill(screen.getByLabelText(/^Date of birth/), '1985-12-10');
    fill(screen.getByLabelText(/^Street address/), '1 Main St');
    fill(screen.getByLabelText(/^City/), 'Springfield');
    fill(screen.getByLabelText(/^Postal code/), '12345');
    await person.click(screen.getByRole('button', { name: 'Save my details' }));
    expect((await screen.findByTestId('summary-ssn')).textContent).toBe('•••-••-6789');
    expect(document.body.textContent).not.toContain('123-45-6789');
    expect(posted).toEqual([
      {
        path: 'create',
        body: {
          first_name: 'Ada',
          last_name: 'Lovelace',
          date_of_birth: '1985-12-10',
          ssn: '123-45-6789',
          phone: null,
          address: { line1: '1 Main St', line2: null, city: 'Springfield', region: null, postal_code: '12345', country: 'US' },
        },
      },
    ]);
  });

  it('refuses a wrong file type or a too large file, previews an image, uploads it and submits for review', async () => {
    hasProfile = true;
    const person = userEvent.setup({ delay: null, applyAccept: false });
    renderPage();
    expect((await screen.findByTestId('kyc-status')).textContent).toContain('Upload a photo or scan');
    const submit = screen.getByRole('button', { name: 'Submit for review' }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    const input = screen.getByTestId('document-file');

    await person.upload(input, new File(['hello'], 'notes.txt', { type: 'text/plain' }));
    expect((await screen.findByTestId('file-problem')).textContent).toBe('Choose a PDF, PNG or JPEG file.');
    const huge = new File(['x'], 'huge.pdf', { type: 'application/pdf' });
    Object.defineProperty(huge, 'size', { value: 10 * 1024 * 1024 + 1 });
    await person.upload(input, huge);
    expect((await screen.findByTestId('file-problem')).textContent).toBe('That file is larger than 10 MB.');
    expect(screen.queryByTestId('document-preview')).toBeNull();
    expect(posted).toEqual([]);

    await person.upload(input, new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'passport.png', { type: 'image/png' }));
    const preview = await screen.findByRole('img', { name: 'Preview of passport.png' });
    expect(preview.getAttribute('src')).toBe('blob:preview');
    await person.click(screen.getByRole('button', { name: 'Upload document' }));
    expect((await screen.findByTestId('document-uploaded')).textContent).toContain('Your Passport was uploaded.');
    expect(posted).toEqual([{ path: 'upload', body: { kind: 'passport', type: 'image/png' } }]);

    await person.click(await screen.findByRole('button', { name: 'Submit for review' }));
    expect(await screen.findByText('Your identity is under review')).toBeTruthy();
  });

  it('shows the reason of a rejection and offers to upload again and resubmit', async () => {
    hasProfile = true;
    kyc = { customer_id: customerId, kyc_status: 'REJECTED', reason: 'the document is blurred' };
    documents = [{ document_id: 'd0', kind: 'passport', content_type: 'image/png', size_bytes: 2048, sha256: 'x', review_status: 'REJECTED', uploaded_at: '2026-01-02T00:00:00Z' }];
    renderPage();
    expect((await screen.findByTestId('kyc-reason')).textContent).toBe('Reason: the document is blurred');
    expect(screen.getByRole('button', { name: 'Choose a file' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Submit again for review' })).toBeTruthy();
  });
});
