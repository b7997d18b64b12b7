import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../api/admin';
import { auditQueryString } from '../../api/admin';
import AdminShell from '../AdminShell';
import AuditPage, { describeChanges } from './AuditPage';
import { renderAdmin } from './testing';

const base = window.location.origin;
const STAFF = '0f9b2c58-1111-4c4c-9a9a-000000000001';
const ACCOUNT = '0f9b2c58-3333-4c4c-9a9a-000000000003';

function record(seq: number, changes: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq,
    audit_id: `0f9b2c58-4444-4c4c-9a9a-${String(seq).padStart(12, '0')}`,
    occurred_at: '2026-03-04T05:06:07Z',
    action: 'account.freeze',
    target_type: 'account',
    target_id: ACCOUNT,
    outcome: 'success',
    reason: null,
    actor: { user_id: STAFF, roles: ['admin'], session_id: null },
    changes: { before: { status: 'ACTIVE' }, after: { status: 'FROZEN' } },
    origin: { ip_address: '203.0.113.7', user_agent: 'pytest', request_id: `request-${seq}`, trace_id: null },
    hash: 'ab'.repeat(32),
    ...changes,
  };
}

let searches: URLSearchParams[] = [];
let exports = 0;

const server = setupServer(
  http.get(`${base}/api/v1/admin/audit`, ({ request }) => {
    const params = new URL(request.url).searchParams;
    if (params.get('format') === 'csv') {
      exports += 1;
      return new HttpResponse('seq,occurred_at\n3,2026-03-04T05:06:07Z\n', { headers: { 'Content-Type': 'text/csv' } });
    }
    searches.push(params);
    if (params.get('cursor') === 'page-2') return HttpResponse.json({ items: [record(1)], next_cursor: null });
    const failed = record(2, { action: 'auth.login', outcome: 'failure', reason: 'wrong_password', target_type: 'user', actor: { user_id: null, roles: [], session_id: null }, changes: { before: {}, after: { email: 'g***@example.com' } } });
    return HttpResponse.json({ items: [record(3), failed], next_cursor: 'page-2' });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  searches = [];
  exports = 0;
});
afterEach(() => server.resetHandlers());

describe('the audit trail', { timeout: 120_000 }, () => {
  it('lists records newest first with their changes, pages on, and searches by action and target', async () => {
    renderAdmin(<AuditPage />, { path: '/admin/audit', pattern: '/admin/audit', roles: ['auditor'] });
    const rows = await screen.findAllByTestId('audit-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText('status: ACTIVE → FROZEN')).toBeTruthy();
    expect(within(rows[1]!).getByText('wrong_password')).toBeTruthy();
    expect(within(rows[1]!).getByText('nobody known')).toBeTruthy();
    expect(within(rows[1]!).getByText('email: g***@example.com')).toBeTruthy();

    const person = userEvent.setup({ delay: null });
    await person.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(1));
    expect(searches.at(-1)?.get('cursor')).toBe('page-2');

    await person.click(screen.getByRole('combobox', { name: 'Action' }));
    await person.click(await screen.findByRole('option', { name: 'account.unfreeze' }));
    await person.type(screen.getByLabelText('Target id'), ACCOUNT);
    await person.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(searches.at(-1)?.get('action')).toBe('account.unfreeze'));
    const last = searches.at(-1)!;
    expect(last.get('target_id')).toBe(ACCOUNT);
    expect(last.get('cursor')).toBeNull(); // a new search starts at the first page
    expect(last.get('format')).toBe('json');
  });

  it('refuses an actor that is not a user id before asking, and exports the search as CSV', async () => {
    URL.createObjectURL = () => 'blob:audit';
    URL.revokeObjectURL = () => undefined;
    renderAdmin(<AuditPage />, { path: '/admin/audit', pattern: '/admin/audit', roles: ['admin'] });
    await screen.findAllByTestId('audit-row');
    const person = userEvent.setup({ delay: null });
    await person.type(screen.getByLabelText('Actor (user id)'), 'grace');
    expect(screen.getByText(/A user id looks like/)).toBeTruthy();
    const before = searches.length;
    await person.click(screen.getByRole('button', { name: 'Search' }));
    expect(searches.length).toBe(before);

    await person.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(exports).toBe(1));
  });

  it('offers an auditor the approvals, the audit trail and the reports alone in the back office', async () => {
    renderAdmin(<AdminShell />, { path: '/admin', pattern: '/admin/*', roles: ['auditor'] });
    const nav = await screen.findByRole('navigation', { name: 'Back office sections' });
    expect(within(nav).getAllByRole('link').map((link) => link.textContent)).toEqual(['Audit trail', 'Approvals', 'Reports']);
    expect(await screen.findByRole('heading', { name: 'Audit trail' })).toBeTruthy();
  });
});

describe('the audit query', () => {
  it('repeats `action` for each one and leaves out empty criteria', () => {
    expect(auditQueryString({ action: ['a.b', 'c.d'], actor: null, target_id: '', limit: 25, format: 'json' })).toBe(
      'action=a.b&action=c.d&limit=25&format=json',
    );
  });

  it('describes a change by its fields, before and after', () => {
    expect(describeChanges(record(1, { changes: { before: { roles: ['customer'] }, after: { roles: ['customer', 'auditor'] } } }))).toBe(
      'roles: customer → customer, auditor',
    );
    expect(describeChanges(record(1, { changes: { before: {}, after: { kind: 'passport' } } }))).toBe('kind: passport');
  });
});
