// The customer's money pages: statements, history search, one transaction, scheduled transfers.
import { bankflowApi, type Movement } from './api';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Statement = Schemas['Statement'];
export type StatementEntry = Schemas['StatementEntry'];
export type SchedulePage = Schemas['SchedulePage'];
export type Schedule = Schemas['Schedule'];
export type StatusChange = Schemas['StatusChange'];
export type TransactionKind = Schemas['TransactionKind'];
export type TransactionStatus = Schemas['TransactionStatus'];
export type TransactionPageOf = Schemas['TransactionPage'];
export type TransactionOf = Schemas['Transaction'];
export type SearchQuery = NonNullable<operations['search_api_v1_transactions_search_get']['parameters']['query']>;
export type AccountLookup = Schemas['AccountLookup'];
export type Payee = Schemas['Payee'];
export type PayeePage = Schemas['PayeePage'];
export type PayeeCreate = Schemas['PayeeCreate'];
export type PayeeRename = Schemas['PayeeRename'];
export type StatementQuery = NonNullable<
  operations['statement_api_v1_accounts__account_id__statement_get']['parameters']['query']
>;

export const TRANSACTION_KINDS: TransactionKind[] = [
  'TRANSFER',
  'DEPOSIT',
  'WITHDRAWAL',
  'PAYMENT',
  'EXTERNAL_OUT',
  'EXTERNAL_IN',
  'REVERSAL',
];
export const TRANSACTION_STATUSES: TransactionStatus[] = [
  'PENDING',
  'PROCESSING',
  'PENDING_REVIEW',
  'COMPLETED',
  'FAILED',
  'REVERSED',
  'RETURNED',
];

/** Only the parameters that carry a value: the API refuses empty strings for most of them. */
function defined<T extends object>(params: T): Partial<T> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '')) as Partial<T>;
}

export const moneyApi = bankflowApi.enhanceEndpoints({ addTagTypes: ['Statement', 'Schedules', 'Payees'] }).injectEndpoints({
  endpoints: (build) => ({
    statement: build.query<Statement, { accountId: string; from?: string; to?: string }>({
      query: ({ accountId, from, to }) => ({
        url: `api/v1/accounts/${encodeURIComponent(accountId)}/statement`,
        params: defined({ from, to, format: 'json' }),
      }),
      providesTags: ['Statement', 'Transactions'],
    }),
    searchTransactions: build.query<TransactionPageOf, SearchQuery>({
      query: (params) => ({ url: 'api/v1/transactions/search', params: defined(params) }),
      providesTags: ['Transactions'],
    }),
    transaction: build.query<TransactionOf, string>({
      query: (id) => `api/v1/transactions/${encodeURIComponent(id)}`,
      providesTags: ['Transactions'],
    }),
    scheduledTransfers: build.query<SchedulePage, void>({
      query: () => ({ url: 'api/v1/transactions/scheduled', params: { limit: 20 } }),
      providesTags: ['Schedules'],
    }),
    lookupAccount: build.query<AccountLookup, string>({
      query: (number) => ({ url: 'api/v1/accounts/lookup', params: { number } }),
      keepUnusedDataFor: 30,
    }),
    payees: build.query<PayeePage, void>({
      query: () => ({ url: 'api/v1/payees', params: { limit: 200 } }),
      providesTags: ['Payees'],
    }),
    addPayee: build.mutation<Payee, Movement<PayeeCreate>>({
      query: ({ body, idempotencyKey }) => ({
        url: 'api/v1/payees',
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
      invalidatesTags: ['Payees'],
    }),
    renamePayee: build.mutation<Payee, { payeeId: string; body: PayeeRename }>({
      query: ({ payeeId, body }) => ({ url: `api/v1/payees/${encodeURIComponent(payeeId)}`, method: 'PATCH', body }),
      invalidatesTags: ['Payees'],
    }),
    removePayee: build.mutation<Payee, string>({
      query: (payeeId) => ({ url: `api/v1/payees/${encodeURIComponent(payeeId)}`, method: 'DELETE' }),
      invalidatesTags: ['Payees'],
    }),
  }),
});

export const {
  useStatementQuery,
  useSearchTransactionsQuery,
  useLazySearchTransactionsQuery,
  useTransactionQuery,
  useScheduledTransfersQuery,
  useLazyLookupAccountQuery,
  usePayeesQuery,
  useAddPayeeMutation,
  useRenamePayeeMutation,
  useRemovePayeeMutation,
} = moneyApi;

export const ACCOUNT_NUMBER_DIGITS = 14;

/** An account number as typed, without the spaces and dashes people put in. */
export function cleanAccountNumber(typed: string): string {
  return typed.replace(/[\s-]/g, '');
}

/** Whether a BankFlow account number is well formed: 14 digits, ISO 7064 MOD 97-10 check digits. */
export function isAccountNumber(number: string): boolean {
  if (!/^\d{14}$/.test(number)) return false;
  let remainder = 0;
  for (const digit of number) remainder = (remainder * 10 + Number(digit)) % 97;
  return remainder === 1;
}

/** Groups of four for people: 0010 0000 0042 17. */
export function groupedNumber(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** A day (YYYY-MM-DD) in UTC, as the API's dates are. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The day `days` after (or before, when negative) a YYYY-MM-DD day. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return utcDay(date);
}

/** The file name a Content-Disposition header gives, if any. */
export function fileNameOf(disposition: string | null, fallback: string): string {
  const match = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition) : null;
  return match?.[1] ? decodeURIComponent(match[1]) : fallback;
}

/** Hand the browser a file to save, from a Blob (an <a download> on a blob: URL). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/**
 * A file from the API (a statement's PDF or CSV): a plain link cannot carry the access token, so
 * it is fetched with the Authorization header (the store's token, as baseQuery sends it) and then
 * saved from a blob: URL. Throws the API's error body (for problemOf) when refused.
 */
export async function downloadFromApi(path: string, accessToken: string | null, fallbackName: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${window.location.origin}/${path.replace(/^\//, '')}`, {
      headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
    });
  } catch {
    throw { status: 'FETCH_ERROR', error: 'network' };
  }
  if (!response.ok) {
    let data: unknown = null;
    try {
      data = await response.json();
    } catch {
      // not JSON
    }
    throw { status: response.status, data };
  }
  const name = fileNameOf(response.headers.get('Content-Disposition'), fallbackName);
  saveBlob(await response.blob(), name);
  return name;
}
