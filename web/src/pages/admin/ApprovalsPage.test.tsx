import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../api/admin';
import { approvalRequest } from '../../test/fixtures';
import ApprovalsPage, { outcomeOf } from './ApprovalsPage';
import { renderAdmin } from './testing';

const base = window.location.origin;
// The signed-in staff member of renderAdmin's token is "staff".
const SOMEONE_ELSE = '0f9b2c58-1111-4c4c-9a9a-000000000001';

function request(changes: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return approvalRequest({
    target_id: '0f9b2c58-7777-4c4c-9a9a-000000000007',
    parameters: { reason: 'paid twice' },
    maker: { user_id: SOMEONE_ELSE, email: 'maker@bankflow.local', roles: ['admin'] },
    reason: 'paid twice',
    ...changes,
  });
}

let decisions: { path: string; body: unknown }[] = [];
let statuses: (string | null)[] = [];

const server = setupServer(
  http.get(`${base}/api/v1/admin/approvals`, ({ request: asked }) => {
    statuses.push(new URL(asked.url).searchParams.get('status'));
    const own = request({ approval_id: '0f9b2c58-8888-4c4c-9a9a-000000000009', maker: { user_id: 'staff', email: 'me@bankflow.local', roles: ['admin'] } });
    return HttpResponse.json({ items: [request(), own], next_cursor: null });
  }),
  http.get(`${base}/api/v1/admin/approvals/policies`, () =>
    HttpResponse.json({ items: [{ action: 'transaction.reverse', required: true, expires_after_s: 86400, checker_role: 'admin', above_units: null }] }),
  ),
  http.post(`${base}/api/v1/admin/approvals/:id/:decision`, async ({ request: posted, params }) => {
    const body = await posted.json();
    decisions.push({ path: `${String(params.id)}/${String(params.decision)}`, body });
    if (params.decision === 'approve') {
      return HttpResponse.json(request({ status: 'EXECUTED', checker_user_id: 'staff', result: { status: 'COMPLETED' } }));
    }
    return HttpResponse.json(request({ status: 'REJECTED', checker_user_id: 'staff', decision_reason: 'genuine' }));
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  decisions = [];
  statuses = [];
});
afterEach(() => server.resetHandlers());

describe('the approvals inbox', { timeout: 120_000 }, () => {
  it('lets a second admin approve, and never offers the maker their own request', async () => {
    renderAdmin(<ApprovalsPage />, { path: '/admin/approvals', pattern: '/admin/approvals', roles: ['admin'] });
    const [theirs, mine] = await screen.findAllByTestId('approval-row');
    expect(statuses[0]).toBe('PENDING');
    expect(within(mine!).queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(within(mine!).getByText('Your request: another admin decides it.')).toBeTruthy();
    expect(within(theirs!).getByText('because: paid twice')).toBeTruthy();
    expect((await screen.findAllByTestId('policy-row'))[0]!.textContent).toContain('24 h');

    const person = userEvent.setup({ delay: null });
    await person.click(within(theirs!).getByRole('button', { name: 'Approve' }));
    const dialog = await screen.findByRole('dialog', { name: 'Approve and carry out this request?' });
    await person.type(within(dialog).getByLabelText('Your note (optional)'), 'checked');
    await person.click(within(dialog).getByRole('button', { name: 'Approve and carry out' }));
    await waitFor(() => expect(decisions).toEqual([{ path: '0f9b2c58-8888-4c4c-9a9a-000000000008/approve', body: { reason: 'checked' } }]));
    expect((await screen.findByTestId('approval-outcome')).textContent).toBe('Approved and carried out: Reverse the deposit of 30.00 USD.');
  });

  it('asks a reason before a rejection', async () => {
    renderAdmin(<ApprovalsPage />, { path: '/admin/approvals', pattern: '/admin/approvals', roles: ['admin'] });
    const [theirs] = await screen.findAllByTestId('approval-row');
    const person = userEvent.setup({ delay: null });
    await person.click(within(theirs!).getByRole('button', { name: 'Reject' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reject this request?' });
    await person.click(within(dialog).getByRole('button', { name: 'Reject' }));
    expect(await within(dialog).findByText('Say why the request is rejected.')).toBeTruthy();
    expect(decisions).toEqual([]);
    await person.type(within(dialog).getByLabelText(/Why it is rejected/), 'genuine');
    await person.click(within(dialog).getByRole('button', { name: 'Reject' }));
    await waitFor(() => expect(decisions).toHaveLength(1));
    expect((await screen.findByTestId('approval-outcome')).textContent).toBe('Rejected: Reverse the deposit of 30.00 USD.');
  });

  it('shows an auditor the requests without decisions, and says why an approved action failed', async () => {
    renderAdmin(<ApprovalsPage />, { path: '/admin/approvals', pattern: '/admin/approvals', roles: ['auditor'] });
    const [theirs] = await screen.findAllByTestId('approval-row');
    expect(within(theirs!).queryByRole('button', { name: 'Approve' })).toBeNull();
    const failed = outcomeOf(request({ status: 'FAILED', result: { error: { code: 'already_reversed', message: 'this transaction was reversed already' } } }));
    expect(failed).toEqual({ tone: 'error', key: 'admin.approvals.failed', detail: 'this transaction was reversed already' });
  });
});

describe('a request cut off while carried out', { timeout: 120_000 }, () => {
  it('offers an admin to settle it once it is ten minutes old, with no body, and says what became of it', async () => {
    const decidedAt = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const stuck = request({ status: 'EXECUTING', checker_user_id: 'staff', decided_at: decidedAt(20) });
    const recent = request({ approval_id: '0f9b2c58-8888-4c4c-9a9a-00000000000a', status: 'EXECUTING', decided_at: decidedAt(1) });
    const settled: { path: string; body: string }[] = [];
    server.use(
      http.get(`${base}/api/v1/admin/approvals`, () => HttpResponse.json({ items: [stuck, recent], next_cursor: null })),
      http.post(`${base}/api/v1/admin/approvals/:id/settle`, async ({ request: sent, params }) => {
        settled.push({ path: String(params.id), body: await sent.text() });
        return HttpResponse.json({
          ...stuck,
          status: 'FAILED',
          result: { error: { code: 'abandoned', message: 'the approval was cut off before the action was carried out' } },
        });
      }),
    );
    renderAdmin(<ApprovalsPage />, { path: '/admin/approvals', pattern: '/admin/approvals', roles: ['admin'] });
    const person = userEvent.setup({ delay: null });
    const [first, second] = await screen.findAllByTestId('approval-row');
    expect(within(second!).queryByRole('button', { name: 'Settle' })).toBeNull(); // may still be under way
    await person.click(within(first!).getByRole('button', { name: 'Settle' }));
    const dialog = await screen.findByRole('dialog', { name: 'Settle this request from the audit trail?' });
    await person.click(within(dialog).getByRole('button', { name: 'Settle' }));
    expect((await screen.findByTestId('approval-outcome')).textContent).toContain('the approval was cut off');
    expect(settled).toEqual([{ path: stuck.approval_id, body: '' }]);
  });
});

describe('the policies', { timeout: 120_000 }, () => {
  it('lets an admin change a threshold and an expiry, refusing hours out of range', async () => {
    const changes: { action: string; body: unknown }[] = [];
    let limits = { action: 'account.limits.change', required: true, expires_after_s: 86400, checker_role: 'admin', above_units: 100000 as number | null };
    server.use(
      http.get(`${base}/api/v1/admin/approvals/policies`, () => HttpResponse.json({ items: [limits] })),
      http.put(`${base}/api/v1/admin/approvals/policies/:action`, async ({ request: sent, params }) => {
        const body = (await sent.json()) as { required: boolean; expires_after_s: number; above_units: number | null };
        changes.push({ action: String(params.action), body });
        limits = { ...limits, ...body };
        return HttpResponse.json(limits);
      }),
    );
    renderAdmin(<ApprovalsPage />, { path: '/admin/approvals', pattern: '/admin/approvals', roles: ['admin'] });
    const person = userEvent.setup({ delay: null });
    await person.click(await screen.findByRole('button', { name: 'Change the policy of account.limits.change' }));
    const dialog = await screen.findByRole('dialog', { name: 'The policy of account.limits.change' });
    const hours = within(dialog).getByRole('textbox', { name: /^A request expires after/ });
    await person.clear(hours);
    await person.type(hours, '900');
    await person.click(within(dialog).getByRole('button', { name: 'Save policy' }));
    expect(await within(dialog).findByText('Enter hours from 0.02 to 720, like 24 or 1.5.')).toBeTruthy();
    expect(changes).toEqual([]);

    await person.clear(hours);
    await person.type(hours, '12');
    const above = within(dialog).getByRole('textbox', { name: /^Only above/ });
    await person.clear(above);
    await person.type(above, '50000');
    await person.click(within(dialog).getByRole('button', { name: 'Save policy' }));
    expect(await screen.findByText('The policy of account.limits.change is changed.')).toBeTruthy();
    expect(changes).toEqual([{ action: 'account.limits.change', body: { required: true, expires_after_s: 43200, above_units: 50000 } }]);
    await waitFor(() => expect(screen.getByTestId('policy-row').textContent).toContain('50,000 units'));
  });

  it('offers an auditor no change', async () => {
    renderAdmin(<ApprovalsPage />, { path: '/admin/approvals', pattern: '/admin/approvals', roles: ['auditor'] });
    expect(await screen.findAllByTestId('policy-row')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: /^Change the policy/ })).toBeNull();
  });
});
