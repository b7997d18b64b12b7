// The customer identity endpoints: sign-up, email verification, password reset, MFA, sessions, the
// customer profile, identity documents, KYC and opening an account (deployments/routes_auth.py,
// routes_customers.py, routes_accounts.py).
import { bankflowApi, type Movement } from './api';
import type { components } from './schema';

type Schemas = components['schemas'];
export type RegisterRequest = Schemas['RegisterRequest'];
export type Registered = Schemas['Registered'];
export type ForgotRequest = Schemas['ForgotRequest'];
export type ResetRequest = Schemas['ResetRequest'];
export type CodeRequest = Schemas['CodeRequest'];
export type MfaSetup = Schemas['MfaSetup'];
export type StatusAnswer = Schemas['Status'];
export type IdentityUser = Schemas['User'];
export type AuthSession = Schemas['AuthSession'];
export type SessionList = Schemas['SessionList'];
export type SecurityEvent = Schemas['SecurityEvent'];
export type SecurityEventPage = Schemas['SecurityEventPage'];
export type CustomerCreate = Schemas['CustomerCreate'];
export type Customer = Schemas['Customer'];
export type Address = Schemas['Address'];
export type KycState = Schemas['KycState'];
export type KycStatus = Schemas['KycStatus'];
export type CustomerDocument = Schemas['Document'];
export type DocumentList = Schemas['DocumentList'];
export type DocumentKind = Schemas['DocumentKind'];
export type AccountOpen = Schemas['AccountOpen'];
export type OpenedAccount = Schemas['Account'];

export const DOCUMENT_KINDS: readonly DocumentKind[] = ['passport', 'driver_licence', 'national_id', 'utility_bill', 'bank_statement'];
/** What the API accepts (models/customers.py: MAX_DOCUMENT_BYTES and the sniffed types). */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
export const DOCUMENT_TYPES: readonly string[] = ['application/pdf', 'image/png', 'image/jpeg'];

export interface DocumentUpload {
  customerId: string;
  kind: DocumentKind;
  file: File;
}

const customerPath = (customerId: string) => `api/v1/customers/${encodeURIComponent(customerId)}`;

export const identityApi = bankflowApi.enhanceEndpoints({ addTagTypes: ['Customer', 'Kyc', 'Documents', 'Sessions'] }).injectEndpoints({
  endpoints: (build) => ({
    register: build.mutation<Registered, RegisterRequest>({
      query: (body) => ({ url: 'api/v1/auth/register', method: 'POST', body }),
    }),
    verifyEmail: build.mutation<IdentityUser, CodeRequest>({
      query: (body) => ({ url: 'api/v1/auth/verify', method: 'POST', body }),
      invalidatesTags: ['Me'],
    }),
    resendVerification: build.mutation<StatusAnswer, void>({
      query: () => ({ url: 'api/v1/auth/verify/resend', method: 'POST' }),
    }),
    sessions: build.query<SessionList, void>({
      query: () => 'api/v1/auth/sessions',
      providesTags: ['Sessions'],
    }),
    securityActivity: build.query<SecurityEventPage, { cursor: string | null; limit: number }>({
      query: ({ cursor, limit }) => ({ url: 'api/v1/auth/activity', params: cursor ? { cursor, limit } : { limit } }),
      providesTags: ['Sessions'],
    }),
    endSession: build.mutation<StatusAnswer, string>({
      query: (sessionId) => ({ url: `api/v1/auth/sessions/${encodeURIComponent(sessionId)}`, method: 'DELETE' }),
      invalidatesTags: ['Sessions'],
    }),
    // Nothing to refetch afterwards: this session ends too, and the caller signs out locally.
    logoutEverywhere: build.mutation<StatusAnswer, void>({
      query: () => ({ url: 'api/v1/auth/logout-all', method: 'POST' }),
    }),
    forgotPassword: build.mutation<StatusAnswer, ForgotRequest>({
      query: (body) => ({ url: 'api/v1/auth/forgot', method: 'POST', body }),
    }),
    resetPassword: build.mutation<StatusAnswer, ResetRequest>({
      query: (body) => ({ url: 'api/v1/auth/reset', method: 'POST', body }),
    }),
    mfaSetup: build.mutation<MfaSetup, void>({
      query: () => ({ url: 'api/v1/auth/mfa/setup', method: 'POST' }),
    }),
    mfaEnable: build.mutation<IdentityUser, CodeRequest>({
      query: (body) => ({ url: 'api/v1/auth/mfa/enable', method: 'POST', body }),
      invalidatesTags: ['Me'],
    }),
    mfaDisable: build.mutation<IdentityUser, CodeRequest>({
      query: (body) => ({ url: 'api/v1/auth/mfa/disable', method: 'POST', body }),
      invalidatesTags: ['Me'],
    }),
    createCustomer: build.mutation<Customer, CustomerCreate>({
      query: (body) => ({ url: 'api/v1/customers', method: 'POST', body }),
      invalidatesTags: ['Me', 'Customer', 'Kyc'],
    }),
    customer: build.query<Customer, string>({
      query: (customerId) => customerPath(customerId),
      providesTags: ['Customer'],
    }),
    documents: build.query<DocumentList, string>({
      query: (customerId) => `${customerPath(customerId)}/documents`,
      providesTags: ['Documents'],
    }),
    uploadDocument: build.mutation<CustomerDocument, DocumentUpload>({
      query: ({ customerId, kind, file }) => {
        const body = new FormData();
        body.append('kind', kind);
        body.append('file', file, file.name);
        return { url: `${customerPath(customerId)}/documents`, method: 'POST', body };
      },
      invalidatesTags: ['Documents'],
    }),
    submitKyc: build.mutation<KycState, string>({
      query: (customerId) => ({ url: `${customerPath(customerId)}/kyc`, method: 'POST' }),
      invalidatesTags: ['Kyc', 'Customer', 'Documents'],
    }),
    kycStatus: build.query<KycState, string>({
      query: (customerId) => `${customerPath(customerId)}/kyc/status`,
      providesTags: ['Kyc'],
    }),
    openAccount: build.mutation<OpenedAccount, Movement<AccountOpen>>({
      query: ({ body, idempotencyKey }) => ({
        url: 'api/v1/accounts',
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
      invalidatesTags: ['Accounts'],
    }),
  }),
});

export const {
  useRegisterMutation,
  useVerifyEmailMutation,
  useResendVerificationMutation,
  useSessionsQuery,
  useSecurityActivityQuery,
  useEndSessionMutation,
  useLogoutEverywhereMutation,
  useForgotPasswordMutation,
  useResetPasswordMutation,
  useMfaSetupMutation,
  useMfaEnableMutation,
  useMfaDisableMutation,
  useCreateCustomerMutation,
  useCustomerQuery,
  useDocumentsQuery,
  useUploadDocumentMutation,
  useSubmitKycMutation,
  useKycStatusQuery,
  useOpenAccountMutation,
} = identityApi;
