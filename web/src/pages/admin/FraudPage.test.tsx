import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../api/admin';
import { approvalRequest } from '../../test/fixtures';
import FraudPage from './FraudPage';
import { renderAdmin } from './testing';

const base = window.location.origin;

function version(name: string, auc_pr: number, serving: boolean): ModelVersion {
  return { version: name, serving, metrics: { auc_pr, recall: 0.5, precision: 0.4 }, features: ['amount'], data_window: {}, report: [] };
}

let serving = 'v1';
let promotions: { version: string; body: unknown }[] = [];
let removals: string[] = [];
let reports: string[] = [];
let governed = false;

const server = setupServer(
  http.get(`${base}/api/v1/fraud/cases`, () => HttpResponse.json({ items: [], next_cursor: null })),
  http.get(`${base}/api/v1/fraud/rules`, () => HttpResponse.json({ items: [] })),
  http.get(`${base}/api/v1/fraud/blacklist`, () =>
    HttpResponse.json({
      items: removals.length ? [] : [{ kind: 'ip', value: '10.0.0.9', list: 'blacklist', reason: 'botnet', created_by: null, created_at: '2026-03-04T05:06:07Z' }],
      next_cursor: null,
    }),
  ),
  http.get(`${base}/api/v1/fraud/whitelist`, () => HttpResponse.json({ items: [], next_cursor: null })),
  http.delete(`${base}/api/v1/fraud/blacklist/:kind/:value`, ({ params }) => {
    removals.push(`${String(params.kind)}:${String(params.value)}`);
    return HttpResponse.json({ kind: 'ip', value: '10.0.0.9', list: 'blacklist', reason: 'botnet', created_by: null, created_at: '2026-03-04T05:06:07Z' });
  }),
  http.get(`${base}/api/v1/fraud/model`, () =>
    HttpResponse.json({
      model_version: serving,
      serving: 'model, rules and velocity',
      metrics: { auc_pr: 0.8, recall: 0.5, out_of_distribution: { auc_pr: 0.42, rules_auc_pr: 0.1 } },
      report: [{ name: 'pr-curve.png', url: `/api/v1/fraud/models/${serving}/report/pr-curve.png` }],
    }),
  ),
  http.get(`${base}/api/v1/fraud/models/:version/report/:name`, ({ params }) => {
    reports.push(`${String(params.version)}/${String(params.name)}`);
    return new HttpResponse(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { headers: { 'Content-Type': 'image/png' } });
  }),
  http.get(`${base}/api/v1/fraud/models`, () =>
    HttpResponse.json({ items: [version('v1', 0.8, serving === 'v1'), version('v2', 0.6, serving === 'v2')], serving_version: serving }),
  ),
  http.post(`${base}/api/v1/fraud/models/:version/promote`, async ({ request, params }) => {
    const body = (await request.json()) as { force?: boolean };
    promotions.push({ version: String(params.version), body });
    if (!body.force) {
      return HttpResponse.json(
        { error: { code: 'model_not_better', message: 'v2 has AUC-PR 0.6 below the serving v1', request_id: 'r' } },
        { status: 409 },
      );
    }
    if (governed) {
      // Under four eyes: a request for a second admin; the serving model stays.
      return HttpResponse.json(
        approvalRequest({
          action: 'fraud.model.promote',
          target_type: 'fraud_model',
          target_id: String(params.version),
          parameters: { version: String(params.version), force: true },
          summary: `Serve fraud model ${String(params.version)} (forced below the serving model's AUC-PR)`,
        }),
        { status: 202 },
      );
    }
    serving = String(params.version);
    return HttpResponse.json(version(serving, 0.6, true));
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  serving = 'v1';
  governed = false;
  promotions = [];
  removals = [];
  reports = [];
});
afterEach(() => server.resetHandlers());

function show(roles: string[]) {
  renderAdmin(<FraudPage />, { path: '/admin/fraud', pattern: '/admin/fraud', roles });
  return userEvent.setup({ delay: null });
}

describe('the model versions', { timeout: 120_000 }, () => {
  it("shows the serving model's figures out of distribution and its training report, fetched with the session", async () => {
    URL.createObjectURL = () => 'blob:report';
    URL.revokeObjectURL = () => undefined;
    show(['support']);
    expect(await screen.findByTestId('model-elsewhere')).toHaveProperty('textContent', 'AUC-PR 0.42 (rules alone 0.1)');
    const image = await screen.findByRole('img', { name: /Precision against recall of v1/ });
    expect(image.getAttribute('src')).toBe('blob:report');
    expect(reports).toEqual(['v1/pr-curve.png']);
  });

  it('lists every version with AUC-PR and recall, marks the serving one, and promotes only after confirming', async () => {
    const person = show(['admin']);
    const rows = await screen.findAllByTestId('model-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText('Serving')).toBeTruthy();
    expect(within(rows[1]!).getByText('0.6')).toBeTruthy();
    expect(within(rows[0]!).queryByRole('button', { name: /Promote/ })).toBeNull();

    await person.click(screen.getByRole('button', { name: 'Promote v2' }));
    const dialog = await screen.findByRole('dialog', { name: 'Promote v2?' });
    expect(promotions).toEqual([]);
    await person.click(within(dialog).getByRole('button', { name: 'Promote' }));
    expect(await within(dialog).findByText(/scores below the serving one/)).toBeTruthy();
    expect(promotions).toEqual([{ version: 'v2', body: { force: false } }]);

    await person.click(within(dialog).getByRole('button', { name: 'Promote anyway' }));
    expect(await screen.findByText('v2 is now the serving model.')).toBeTruthy();
    expect(promotions[1]).toEqual({ version: 'v2', body: { force: true } });
    await waitFor(() => expect(within(screen.getAllByTestId('model-row')[1]!).getByText('Serving')).toBeTruthy());
  });

  it('says when the promotion waits for a second admin, and the serving model stays', async () => {
    governed = true;
    const person = show(['admin']);
    await person.click(await screen.findByRole('button', { name: 'Promote v2' }));
    const dialog = await screen.findByRole('dialog', { name: 'Promote v2?' });
    await person.click(within(dialog).getByRole('button', { name: 'Promote' }));
    await person.click(await within(dialog).findByRole('button', { name: 'Promote anyway' }));
    expect(await screen.findByText(/^Sent for a second admin's approval: Serve fraud model v2/)).toBeTruthy();
    expect(within(screen.getAllByTestId('model-row')[0]!).getByText('Serving')).toBeTruthy();
  });

  it('sends nothing when the confirmation is cancelled', async () => {
    const person = show(['admin']);
    await person.click(await screen.findByRole('button', { name: 'Promote v2' }));
    const dialog = await screen.findByRole('dialog', { name: 'Promote v2?' });
    await person.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(promotions).toEqual([]);
  });

  it('offers support neither promotion nor removal', async () => {
    show(['support']);
    expect(await screen.findAllByTestId('model-row')).toHaveLength(2);
    expect(await screen.findAllByTestId('blacklist-row')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: /^Promote/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Remove/ })).toBeNull();
  });
});

describe('the rules under four eyes', { timeout: 120_000 }, () => {
  const rule = {
    rule_id: '0f9b2c58-bbbb-4c4c-9a9a-00000000000b',
    name: 'night_drain',
    condition: { feature: 'amount', op: '>', value: 5000 },
    action: 'review',
    priority: 0,
    active: true,
    updated_at: '2026-03-04T05:06:07Z',
  };
  const request = (action: string, summary: string) =>
    approvalRequest({ approval_id: '0f9b2c58-cccc-4c4c-9a9a-00000000000c', action, target_type: 'fraud_rule', target_id: rule.rule_id, summary });

  it('says that a new rule and a rule switched off wait for a second admin, and sends each once', async () => {
    const sentBodies: unknown[] = [];
    server.use(
      http.get(`${base}/api/v1/fraud/rules`, () => HttpResponse.json({ items: [rule] })),
      http.post(`${base}/api/v1/fraud/rules`, async ({ request: sent }) => {
        sentBodies.push(await sent.json());
        return HttpResponse.json(request('fraud.rule.create', 'Add fraud rule big_cash (block, priority 5, on)'), { status: 202 });
      }),
      http.patch(`${base}/api/v1/fraud/rules/:id`, async ({ request: sent }) => {
        sentBodies.push(await sent.json());
        return HttpResponse.json(request('fraud.rule.change', 'Fraud rule night_drain: switch it off'), { status: 202 });
      }),
    );
    const person = show(['admin']);
    const form = await screen.findByRole('form', { name: 'New rule' });
    await person.type(within(form).getByRole('textbox', { name: /^Name/ }), 'big_cash');
    await person.click(within(form).getByRole('textbox', { name: /^Condition/ }));
    await person.paste('{"feature": "amount", "op": ">", "value": 9000}');
    await person.clear(within(form).getByRole('textbox', { name: /^Priority/ }));
    await person.type(within(form).getByRole('textbox', { name: /^Priority/ }), '5');
    await person.click(within(form).getByRole('combobox', { name: /^Action/ }));
    await person.click(await screen.findByRole('option', { name: /^Block/ }));
    await person.click(within(form).getByRole('button', { name: 'Create rule' }));
    expect(await within(form).findByText(/^Sent for a second admin's approval: Add fraud rule big_cash/)).toBeTruthy();
    expect(sentBodies).toEqual([{ name: 'big_cash', condition: { feature: 'amount', op: '>', value: 9000 }, action: 'block', priority: 5, active: true }]);

    await person.click(screen.getByRole('switch', { name: 'Rule night_drain active' }));
    expect(await screen.findByText(/^Sent for a second admin's approval: Fraud rule night_drain: switch it off/)).toBeTruthy();
    expect(sentBodies[1]).toEqual({ active: false });
  });
});

describe('the allow and block lists', { timeout: 120_000 }, () => {
  it('removes an entry after confirming', async () => {
    const person = show(['admin']);
    await person.click(await screen.findByRole('button', { name: 'Remove 10.0.0.9' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove this entry?' });
    await person.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await screen.findByText('IP address 10.0.0.9 was removed from the list.')).toBeTruthy();
    expect(removals).toEqual(['ip:10.0.0.9']);
  });
});

describe('finding the case of a transaction', { timeout: 120_000 }, () => {
  const reference = '0f9b2c58-9999-4c4c-9a9a-000000000009';
  const held = {
    case_id: '0f9b2c58-aaaa-4c4c-9a9a-00000000000a',
    transaction_id: reference,
    account_id: '0f9b2c58-3333-4c4c-9a9a-000000000003',
    verdict: 'review',
    score: 72,
    reasons: ['rule:large_amount_review'],
    status: 'OPEN',
    resolution: null,
    note: null,
    resolved_by: null,
    opened_at: '2026-03-04T05:06:07Z',
    resolved_at: null,
  };

  it('refuses a partial reference, then asks for the case of the whole one only', async () => {
    const asked: (string | null)[] = [];
    server.use(
      http.get(`${base}/api/v1/fraud/cases`, ({ request }) => {
        const wanted = new URL(request.url).searchParams.get('transaction_id');
        asked.push(wanted);
        return HttpResponse.json({ items: wanted === reference ? [held] : [], next_cursor: null });
      }),
    );
    const person = show(['admin']);
    expect(await screen.findByText('No open case.')).toBeTruthy();
    await person.type(screen.getByLabelText('Transaction reference'), reference.slice(0, 20));
    await person.click(screen.getByRole('button', { name: 'Find case' }));
    expect(await screen.findByText(/Enter a whole reference/)).toBeTruthy();
    expect(asked).toEqual([null]);

    await person.clear(screen.getByLabelText('Transaction reference'));
    await person.type(screen.getByLabelText('Transaction reference'), reference.toUpperCase());
    await person.click(screen.getByRole('button', { name: 'Find case' }));
    const rows = await screen.findAllByTestId('case-row');
    expect(rows).toHaveLength(1);
    expect(asked).toEqual([null, reference]);
    await person.click(screen.getByRole('button', { name: 'Show all open cases' }));
    expect(await screen.findByText('No open case.')).toBeTruthy();
  });
});
