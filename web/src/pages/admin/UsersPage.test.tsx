import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AdminUser } from '../../api/admin';
import AdminShell from '../AdminShell';
import UsersPage, { changedRoles } from './UsersPage';
import { approvalRequest } from '../../test/fixtures';
import { renderAdmin } from './testing';

const base = window.location.origin;
const GRACE = '0f9b2c58-1111-4c4c-9a9a-000000000001';

let users: AdminUser[] = [];
let searches: URLSearchParams[] = [];
let changes: { id: string; body: unknown }[] = [];
let requests: string[] = [];

const server = setupServer(
  http.get(`${base}/api/v1/admin/users`, ({ request }) => {
    searches.push(new URL(request.url).searchParams);
    return HttpResponse.json({ items: users, next_cursor: null });
  }),
  http.put(`${base}/api/v1/admin/users/:id/roles`, async ({ request, params }) => {
    const body = (await request.json()) as { roles: string[] };
    changes.push({ id: String(params.id), body });
    const user = users.find((u) => u.user_id === params.id)!;
    users = users.map((u) => (u.user_id === params.id ? { ...u, roles: body.roles } : u));
    return HttpResponse.json({ user_id: user.user_id, email: user.email, roles: body.roles, email_verified: true, mfa_enabled: false });
  }),
);

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  server.events.on('request:start', ({ request }) => requests.push(`${request.method} ${new URL(request.url).pathname}`));
});
afterAll(() => server.close());
beforeEach(() => {
  users = [
    { user_id: GRACE, email: 'grace@example.com', roles: ['customer', 'support'], customer_id: null, created_at: '2026-03-04T05:06:07Z', email_verified: true, mfa_enabled: false },
    { user_id: 'staff', email: 'me@example.com', roles: ['admin'], customer_id: null, created_at: '2026-03-04T05:06:07Z', email_verified: true, mfa_enabled: true },
  ];
  searches = [];
  changes = [];
  requests = [];
});
afterEach(() => server.resetHandlers());

describe('changing roles', { timeout: 120_000 }, () => {
  it('searches by email prefix and grants admin after confirming, keeping the other roles', async () => {
    renderAdmin(<UsersPage />, { path: '/admin/users', pattern: '/admin/users', roles: ['admin'] });
    const person = userEvent.setup({ delay: null });
    await person.click(screen.getByLabelText('Email starts with'));
    await person.paste('grace');
    await person.click(screen.getByRole('button', { name: 'Search' }));
    const rows = await screen.findAllByTestId('user-row');
    expect(searches[0]?.get('email')).toBe('grace');

    await person.click(within(rows[0]!).getByRole('button', { name: 'Grant admin: grace@example.com' }));
    const dialog = await screen.findByRole('dialog', { name: 'Grant Admin to grace@example.com?' });
    expect(within(dialog).getByText(/Admin, Customer, Support/)).toBeTruthy();
    expect(changes).toEqual([]);
    await person.click(within(dialog).getByRole('button', { name: 'Grant admin' }));
    expect(await screen.findByText('grace@example.com now has: Admin, Customer, Support.')).toBeTruthy();
    expect(changes).toEqual([{ id: GRACE, body: { roles: ['admin', 'customer', 'support'] } }]);
  });

  it('says a grant waits for a second admin when the API asked for one (202)', async () => {
    server.use(
      http.put(`${base}/api/v1/admin/users/:id/roles`, async ({ request, params }) => {
        changes.push({ id: String(params.id), body: await request.json() });
        const asked = approvalRequest({ action: 'user.roles.change', target_type: 'user', target_id: String(params.id) });
        return HttpResponse.json(asked, { status: 202 });
      }),
    );
    renderAdmin(<UsersPage />, { path: '/admin/users', pattern: '/admin/users', roles: ['admin'] });
    const person = userEvent.setup({ delay: null });
    await person.click(screen.getByRole('button', { name: 'Search' }));
    const rows = await screen.findAllByTestId('user-row');
    await person.click(within(rows[0]!).getByRole('button', { name: 'Grant auditor: grace@example.com' }));
    const dialog = await screen.findByRole('dialog', { name: 'Grant Auditor to grace@example.com?' });
    expect(within(dialog).getByText(/a second admin approves it/)).toBeTruthy();
    await person.click(within(dialog).getByRole('button', { name: 'Grant auditor' }));
    expect(await screen.findByText(/Sent for a second admin's approval: Auditor for grace@example.com/)).toBeTruthy();
    expect(changes).toEqual([{ id: GRACE, body: { roles: ['auditor', 'customer', 'support'] } }]);
    expect(screen.queryByText(/now has/)).toBeNull();
  });

  it('revokes support keeping customer, and never offers an admin to revoke their own admin role', async () => {
    renderAdmin(<UsersPage />, { path: '/admin/users', pattern: '/admin/users', roles: ['admin'] });
    const person = userEvent.setup({ delay: null });
    await person.click(screen.getByRole('button', { name: 'Search' }));
    const rows = await screen.findAllByTestId('user-row');
    expect((within(rows[1]!).getByRole('button', { name: 'Revoke admin: me@example.com' }) as HTMLButtonElement).disabled).toBe(true);

    await person.click(within(rows[0]!).getByRole('button', { name: 'Revoke support: grace@example.com' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke Support from grace@example.com?' });
    await person.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(changes).toEqual([]);
    await person.click(within(rows[0]!).getByRole('button', { name: 'Revoke support: grace@example.com' }));
    await person.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Revoke support' }));
    expect(await screen.findByText('grace@example.com now has: Customer.')).toBeTruthy();
    expect(changes).toEqual([{ id: GRACE, body: { roles: ['customer'] } }]);
  });

  it('is hidden from support, who is sent no user request', async () => {
    renderAdmin(<AdminShell />, { path: '/admin/users', pattern: '/admin/*', roles: ['support'] });
    expect(await screen.findByRole('navigation', { name: 'Back office sections' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Users' })).toBeNull();
    expect(requests.filter((r) => r.includes('/admin/users'))).toEqual([]);
  });

  it('keeps the other roles when one changes', () => {
    expect(changedRoles(['support', 'customer'], 'admin', true)).toEqual(['admin', 'customer', 'support']);
    expect(changedRoles(['admin', 'support'], 'admin', false)).toEqual(['support']);
  });
});
