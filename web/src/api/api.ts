import { createApi } from '@reduxjs/toolkit/query/react';
import { baseQuery } from './baseQuery';
import { accountsOfUserPath, ME_PATH } from './paths';
import type {
  AccountList,
  LoginRequest,
  TokenPair,
  Transaction,
  TransactionPage,
  TransferRequest,
  User,
} from './types';

/** A money movement: its body and the Idempotency-Key of the submission it belongs to. */
export interface Movement<Body> {
  body: Body;
  idempotencyKey: string;
}

/** The paths of the reads a signed-in start sends early (warmStart.ts). */

export const bankflowApi = createApi({
  reducerPath: 'api',
  baseQuery,
  tagTypes: ['Accounts', 'Transactions', 'Me'],
  endpoints: (build) => ({
    login: build.mutation<TokenPair, LoginRequest>({
      query: (body) => ({ url: 'api/v1/auth/login', method: 'POST', body }),
    }),
    logout: build.mutation<{ status: string }, void>({
      query: () => ({ url: 'api/v1/auth/logout', method: 'POST' }),
    }),
    me: build.query<User, void>({
      query: () => ME_PATH,
      providesTags: ['Me'],
    }),
    accountsOfUser: build.query<AccountList, string>({
      query: accountsOfUserPath,
      providesTags: ['Accounts'],
    }),
    transactionsOfAccount: build.query<TransactionPage, { accountId: string; limit?: number }>({
      query: ({ accountId, limit = 5 }) => ({
        url: `api/v1/transactions/account/${encodeURIComponent(accountId)}`,
        params: { limit },
      }),
      providesTags: ['Transactions'],
    }),
    transfer: build.mutation<Transaction, Movement<TransferRequest>>({
      query: ({ body, idempotencyKey }) => ({
        url: 'api/v1/transactions/transfer',
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
      invalidatesTags: ['Accounts', 'Transactions'],
    }),
  }),
});

export const {
  useLoginMutation,
  useLogoutMutation,
  useMeQuery,
  useAccountsOfUserQuery,
  useTransactionsOfAccountQuery,
  useTransferMutation,
} = bankflowApi;
