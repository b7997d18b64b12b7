import type { ApprovalRequest } from '../api/admin';
import type { Account, Transaction, User } from '../api/types';

export const user: User = {
  user_id: '0f9b2c58-1111-4c4c-9a9a-000000000001',
  email: 'ada@example.com',
  phone: null,
  roles: ['customer'],
  customer_id: '0f9b2c58-2222-4c4c-9a9a-000000000002',
  email_verified: true,
  mfa_enabled: false,
};

function account(id: string, number: string, type: string, balance: string): Account {
  return {
    account_id: id,
    number,
    customer_id: user.customer_id ?? null,
    account_type: type,
    currency: 'USD',
    status: 'ACTIVE',
    balance,
    available_balance: balance,
    held: '0.00',
    overdraft_limit: '0.00',
    daily_outgoing_limit: '10000.00',
    opened_at: '2026-01-02T03:04:05Z',
  };
}

export const checking = account('0f9b2c58-3333-4c4c-9a9a-000000000003', '1000000001', 'CHECKING', '500.00');
export const savings = account('0f9b2c58-4444-4c4c-9a9a-000000000004', '1000000002', 'SAVINGS', '0.00');

export function unauthorized() {
  return { error: { code: 'unauthorized', message: 'the access token has expired', request_id: 'req-401' } };
}

/** A transaction as the API answers it: a completed deposit into checking unless told otherwise. */
export function transactionOf(fields: Partial<Transaction> = {}): Transaction {
  return {
    transaction_id: '0f9b2c58-5555-4c4c-9a9a-000000000005',
    kind: 'DEPOSIT',
    status: 'COMPLETED',
    failure_reason: null,
    from_account_id: null,
    to_account_id: checking.account_id,
    amount: '10.00',
    captured_amount: null,
    currency: 'USD',
    description: null,
    counterparty: null,
    reversal_of: null,
    fraud: null,
    created_at: '2026-03-04T05:06:07Z',
    updated_at: '2026-03-04T05:06:07Z',
    ...fields,
  };
}

/** A four-eyes request as the API answers it (202, or in the inbox): a pending reversal by
 * another admin unless told otherwise. */
export function approvalRequest(changes: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    approval_id: '0f9b2c58-8888-4c4c-9a9a-000000000008',
    action: 'transaction.reverse',
    target_type: 'transaction',
    target_id: '0f9b2c58-7777-4c4c-9a9a-000000000007',
    parameters: {},
    summary: 'Reverse the deposit of 30.00 USD',
    maker: { user_id: '0f9b2c58-1111-4c4c-9a9a-000000000001', email: 'maker@bankflow.local', roles: ['admin'] },
    reason: null,
    status: 'PENDING',
    created_at: '2026-03-04T05:06:07Z',
    expires_at: '2026-03-05T05:06:07Z',
    checker_user_id: null,
    decided_at: null,
    decision_reason: null,
    result: null,
    ...changes,
  };
}
