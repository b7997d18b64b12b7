import { bankflowApi, type Movement } from './api';
import type { components } from './schema';

type Schemas = components['schemas'];
export type ExternalRequest = Schemas['ExternalRequestBody'];
export type ScheduleRequest = Schemas['ScheduleBody'];
export type Schedule = Schemas['Schedule'];
export type SchedulePage = Schemas['SchedulePage'];
export type ScheduledRun = Schemas['ScheduledRun'];
export type Frequency = Schemas['Frequency'];
export type PaymentRequest = Schemas['PaymentRequest'];
export type CashRequest = Schemas['CashRequest'];
/** Money in (a deposit at a teller or from a card) or out (a cash withdrawal). */
export type CashKind = 'deposit' | 'withdrawal';
type Transaction = Schemas['Transaction'];

/** Money to and from other banks, cash in and out through the bank's settlement account,
 * transfers that run later or repeat, and card-style payments (authorised now, the funds held;
 * captured — all or part — or voided later). */
const movementsApi = bankflowApi.enhanceEndpoints({ addTagTypes: ['Schedules'] }).injectEndpoints({
  endpoints: (build) => ({
    external: build.mutation<Transaction, Movement<ExternalRequest>>({
      query: ({ body, idempotencyKey }) => ({
        url: 'api/v1/transactions/external',
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
      invalidatesTags: ['Accounts', 'Transactions'],
    }),
    cash: build.mutation<Transaction, Movement<CashRequest> & { kind: CashKind }>({
      query: ({ kind, body, idempotencyKey }) => ({
        url: `api/v1/transactions/${kind}`,
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
      invalidatesTags: ['Accounts', 'Transactions'],
    }),
    authorisePayment: build.mutation<Transaction, Movement<PaymentRequest>>({
      query: ({ body, idempotencyKey }) => ({
        url: 'api/v1/transactions/payment',
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
      invalidatesTags: ['Accounts', 'Transactions'],
    }),
    // Capture and void need no key: the ledger derives each one's id from the authorisation's.
    capturePayment: build.mutation<Transaction, { transactionId: string; amount: string | null }>({
      query: ({ transactionId, amount }) => ({
        url: `api/v1/transactions/${encodeURIComponent(transactionId)}/capture`,
        method: 'POST',
        body: amount === null ? {} : { amount },
      }),
      invalidatesTags: ['Accounts', 'Transactions'],
    }),
    voidPayment: build.mutation<Transaction, string>({
      query: (transactionId) => ({ url: `api/v1/transactions/${encodeURIComponent(transactionId)}/void`, method: 'POST' }),
      invalidatesTags: ['Accounts', 'Transactions'],
    }),
    schedules: build.query<SchedulePage, { cursor?: string | null; limit?: number }>({
      query: ({ cursor, limit = 20 }) => ({
        url: 'api/v1/transactions/scheduled',
        params: cursor ? { limit, cursor } : { limit },
      }),
      providesTags: ['Schedules'],
    }),
    schedule: build.mutation<Schedule, Movement<ScheduleRequest>>({
      query: ({ body, idempotencyKey }) => ({
        url: 'api/v1/transactions/scheduled',
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
      invalidatesTags: ['Schedules'],
    }),
    cancelSchedule: build.mutation<Schedule, string>({
      query: (scheduleId) => ({ url: `api/v1/transactions/scheduled/${encodeURIComponent(scheduleId)}`, method: 'DELETE' }),
      invalidatesTags: ['Schedules'],
    }),
  }),
});

export const {
  useExternalMutation,
  useCashMutation,
  useSchedulesQuery,
  useScheduleMutation,
  useCancelScheduleMutation,
  useAuthorisePaymentMutation,
  useCapturePaymentMutation,
  useVoidPaymentMutation,
} = movementsApi;
