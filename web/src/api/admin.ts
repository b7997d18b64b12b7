// The back office's endpoints (support/admin), injected into the one RTK Query API.
import { bankflowApi, type Movement } from './api';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Customer = Schemas['Customer'];
export type CustomerPage = Schemas['CustomerPage'];
export type KycStatus = Schemas['KycStatus'];
export type KycState = Schemas['KycState'];
export type CustomerDocument = Schemas['Document'];
export type DocumentList = Schemas['DocumentList'];
export type Account = Schemas['Account'];
export type AccountList = Schemas['AccountList'];
export type AccountLimits = Schemas['AccountLimits'];
export type Transaction = Schemas['Transaction'];
export type TransactionPage = Schemas['TransactionPage'];
export type TransactionKind = Schemas['TransactionKind'];
export type TransactionStatus = Schemas['TransactionStatus'];
export type ReverseRequest = Schemas['ReverseRequest'];
export type FraudCase = Schemas['Case'];
export type CasePage = Schemas['CasePage'];
export type Resolution = Schemas['Resolution'];
export type StoredScore = Schemas['StoredScore'];
export type RuleView = Schemas['RuleView'];
export type RuleList = Schemas['RuleList'];
export type RuleRequest = Schemas['RuleRequest'];
export type RuleChange = Schemas['RuleChange'];
export type ListEntryRequest = Schemas['ListEntryRequest'];
export type ListEntry = Schemas['ListEntry'];
export type ListKind = Schemas['ListKind'];
export type ModelInfo = Schemas['ModelInfo'];
export type ListPage = Schemas['ListPage'];
export type ModelVersion = Schemas['ModelVersion'];
export type ModelVersions = Schemas['ModelVersions'];
export type AdminUser = Schemas['AdminUser'];
export type AdminUserPage = Schemas['AdminUserPage'];
export type FraudListName = 'whitelist' | 'blacklist';
export type User = Schemas['User'];
export type Role = Schemas['RolesRequest']['roles'][number];
export type AuditRecord = Schemas['AuditRecordView'];
export type AuditPage = Schemas['AuditPage'];
export type AuditSearch = NonNullable<operations['search_api_v1_admin_audit_get']['parameters']['query']>;
export type CurrencyTransactionReport = Schemas['CurrencyTransactionReport'];
export type CtrCandidate = Schemas['CtrCandidateView'];
export type SuspiciousActivityReport = Schemas['SuspiciousActivityReport'];
export type SuspiciousCase = Schemas['SuspiciousCaseView'];
export type FlaggedAccount = Schemas['FlaggedAccountView'];
export type KycStatusReport = Schemas['KycStatusReport'];
export type Filing = Schemas['Filing'];
export type ApprovalRequest = Schemas['ApprovalRequestView'];
export type FreezeRequest = Schemas['FreezeRequest'];
export type FreezeReason = NonNullable<FreezeRequest['reason']>;
export type ApprovalPage = Schemas['ApprovalPage'];
export type ApprovalStatus = ApprovalRequest['status'];
export type ApprovalPolicy = Schemas['PolicyView'];
export type ApprovalPolicyList = Schemas['PolicyList'];
export type ApprovalPolicyChange = Schemas['PolicyChange'];
/** A reversal's answer: the reversal (201), or, under four eyes, the request a second admin decides (202). */
export type ReversalAnswer = Transaction | ApprovalRequest;
export function isApprovalRequest(answer: object): answer is ApprovalRequest {
  return 'approval_id' in answer;
}
/** A report's period: business days, both included, in the bank's time zone. */
export interface ReportPeriod {
  from: string;
  to: string;
}
export type ReportName = 'currency-transactions' | 'suspicious-activity' | 'kyc';

export type CustomerSearch = NonNullable<operations['search_api_v1_customers_search_get']['parameters']['query']>;
export type UserSearch = NonNullable<operations['users_api_v1_admin_users_get']['parameters']['query']>;
export type TransactionSearch = NonNullable<operations['search_api_v1_transactions_search_get']['parameters']['query']>;
/** GET /readyz: untyped in the OpenAPI document (a JSON body of probe results). */
export type Readiness = operations['readyz_readyz_get']['responses'][200]['content']['application/json'];
/** GET /api/v1/admin/system/figures: outbox lag, journal commit latency, API error rate. */
export type SystemFigures = Schemas['SystemFigures'];

const enc = encodeURIComponent;

/** The audit search's query string: each action its own `action=` (the API takes the parameter repeated). */
export function auditQueryString(search: AuditSearch): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(search)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
    else params.append(name, String(value));
  }
  return params.toString();
}

/** Drops empty criteria so the API sees only what was asked. */
function criteria<T extends object>(query: T): Partial<T> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')) as Partial<T>;
}

export const adminApi = bankflowApi
  .enhanceEndpoints({ addTagTypes: ['AdminCustomers', 'AdminAccounts', 'AdminTransactions', 'FraudCases', 'FraudRules', 'FraudLists', 'FraudModels', 'AdminUsers', 'Reports', 'Approvals'] })
  .injectEndpoints({
    endpoints: (build) => ({
      searchCustomers: build.query<CustomerPage, CustomerSearch>({
        query: (query) => ({ url: 'api/v1/customers/search', params: criteria(query) }),
        providesTags: ['AdminCustomers'],
      }),
      customer: build.query<Customer, string>({
        query: (id) => `api/v1/customers/${enc(id)}`,
        providesTags: ['AdminCustomers'],
      }),
      customerDocuments: build.query<DocumentList, string>({
        query: (id) => `api/v1/customers/${enc(id)}/documents`,
        providesTags: ['AdminCustomers'],
      }),
      /** A document's bytes as an object URL (the caller revokes it); a mutation so nothing caches it. */
      documentContent: build.mutation<string, { customerId: string; documentId: string }>({
        query: ({ customerId, documentId }) => ({
          url: `api/v1/customers/${enc(customerId)}/documents/${enc(documentId)}/content`,
          method: 'GET',
          responseHandler: async (response) =>
            response.ok ? URL.createObjectURL(await response.blob()) : ((await response.json().catch(() => null)) as unknown),
        }),
      }),
      approveKyc: build.mutation<KycState, string>({
        query: (id) => ({ url: `api/v1/admin/kyc/${enc(id)}/approve`, method: 'POST' }),
        invalidatesTags: ['AdminCustomers'],
      }),
      rejectKyc: build.mutation<KycState, { customerId: string; reason: string }>({
        query: ({ customerId, reason }) => ({ url: `api/v1/admin/kyc/${enc(customerId)}/reject`, method: 'POST', body: { reason } }),
        invalidatesTags: ['AdminCustomers'],
      }),
      userAccounts: build.query<AccountList, string>({
        query: (userId) => `api/v1/accounts/user/${enc(userId)}`,
        providesTags: ['AdminAccounts'],
      }),
      /** The account after the action (200), or, when an admin closes a customer's account under four eyes, the request a second admin decides (202). */
      accountAction: build.mutation<
        Account | ApprovalRequest,
        { accountId: string; action: 'freeze' | 'unfreeze' | 'close'; idempotencyKey: string; freeze?: FreezeRequest }
      >({
        query: ({ accountId, action, idempotencyKey, freeze }) => ({
          url: action === 'close' ? `api/v1/accounts/${enc(accountId)}` : `api/v1/accounts/${enc(accountId)}/${action}`,
          method: action === 'close' ? 'DELETE' : 'POST',
          headers: { 'Idempotency-Key': idempotencyKey },
          ...(freeze ? { body: freeze } : {}),
        }),
        invalidatesTags: ['AdminAccounts', 'Accounts', 'Approvals'],
      }),
      /** The account with its new limits (200), or, above the four-eyes threshold, the request a second admin decides (202). */
      setDailyLimit: build.mutation<Account | ApprovalRequest, { accountId: string; body: AccountLimits }>({
        query: ({ accountId, body }) => ({ url: `api/v1/accounts/${enc(accountId)}/limits`, method: 'PUT', body }),
        invalidatesTags: ['AdminAccounts', 'Accounts', 'Approvals'],
      }),
      searchTransactions: build.query<TransactionPage, TransactionSearch>({
        query: (query) => ({ url: 'api/v1/transactions/search', params: criteria(query) }),
        providesTags: ['AdminTransactions'],
      }),
      reverseTransaction: build.mutation<ReversalAnswer, Movement<ReverseRequest> & { transactionId: string }>({
        query: ({ transactionId, body, idempotencyKey }) => ({
          url: `api/v1/transactions/${enc(transactionId)}/reverse`,
          method: 'POST',
          body,
          headers: { 'Idempotency-Key': idempotencyKey },
        }),
        invalidatesTags: ['AdminTransactions', 'AdminAccounts', 'Accounts', 'Transactions', 'Approvals'],
      }),
      fraudCases: build.query<CasePage, { status?: 'OPEN' | 'RESOLVED'; cursor?: string | null; limit?: number; transactionId?: string | null }>({
        query: ({ status = 'OPEN', cursor, limit = 20, transactionId }) => ({
          url: 'api/v1/fraud/cases',
          params: criteria({ status, cursor, limit, transaction_id: transactionId }),
        }),
        providesTags: ['FraudCases'],
      }),
      fraudScore: build.query<StoredScore, string>({
        query: (transactionId) => `api/v1/fraud/score/${enc(transactionId)}`,
      }),
      resolveCase: build.mutation<FraudCase, { caseId: string; body: Resolution }>({
        query: ({ caseId, body }) => ({ url: `api/v1/fraud/cases/${enc(caseId)}/resolve`, method: 'POST', body }),
        invalidatesTags: ['FraudCases', 'AdminTransactions'],
      }),
      fraudRules: build.query<RuleList, void>({
        query: () => 'api/v1/fraud/rules',
        providesTags: ['FraudRules'],
      }),
      /** The new rule (201), or, under four eyes, the request a second admin decides (202). */
      createRule: build.mutation<RuleView | ApprovalRequest, RuleRequest>({
        query: (body) => ({ url: 'api/v1/fraud/rules', method: 'POST', body }),
        invalidatesTags: ['FraudRules', 'Approvals'],
      }),
      /** The changed rule (200), or, under four eyes, the request a second admin decides (202). */
      updateRule: build.mutation<RuleView | ApprovalRequest, { ruleId: string; body: RuleChange }>({
        query: ({ ruleId, body }) => ({ url: `api/v1/fraud/rules/${enc(ruleId)}`, method: 'PATCH', body }),
        invalidatesTags: ['FraudRules', 'Approvals'],
      }),
      addListEntry: build.mutation<ListEntry, { list: FraudListName; body: ListEntryRequest }>({
        query: ({ list, body }) => ({ url: `api/v1/fraud/${list}`, method: 'POST', body }),
        invalidatesTags: ['FraudLists'],
      }),
      fraudList: build.query<ListPage, { list: FraudListName; cursor?: string | null; limit?: number }>({
        query: ({ list, cursor, limit = 20 }) => ({ url: `api/v1/fraud/${list}`, params: criteria({ cursor, limit }) }),
        providesTags: ['FraudLists'],
      }),
      /** Admin only: the entry is named by its kind and value (a value may hold a slash: one path tail). */
      removeListEntry: build.mutation<ListEntry, { list: FraudListName; kind: ListKind; value: string }>({
        query: ({ list, kind, value }) => ({ url: `api/v1/fraud/${list}/${kind}/${value.split('/').map(enc).join('/')}`, method: 'DELETE' }),
        invalidatesTags: ['FraudLists'],
      }),
      /** A PNG of a model version's training report as an object URL (the caller revokes it). */
      modelReportImage: build.mutation<string, string>({
        query: (url) => ({
          url: url.replace(/^\//, ''),
          method: 'GET',
          responseHandler: async (response) =>
            response.ok ? URL.createObjectURL(await response.blob()) : ((await response.json().catch(() => null)) as unknown),
        }),
      }),
      fraudModel: build.query<ModelInfo, void>({
        query: () => 'api/v1/fraud/model',
        providesTags: ['FraudModels'],
      }),
      fraudModels: build.query<ModelVersions, void>({
        query: () => 'api/v1/fraud/models',
        providesTags: ['FraudModels'],
      }),
      /** Admin only: serve this version (409 model_not_better when its AUC-PR is below the serving one's). */
      /** The version now serving (200), or, under four eyes, the request a second admin decides (202). */
      promoteModel: build.mutation<ModelVersion | ApprovalRequest, { version: string; force?: boolean }>({
        query: ({ version, force = false }) => ({ url: `api/v1/fraud/models/${enc(version)}/promote`, method: 'POST', body: { force } }),
        invalidatesTags: ['FraudModels', 'Approvals'],
      }),
      /** Admin only (support would be refused: the Users page is not offered to support). */
      users: build.query<AdminUserPage, UserSearch>({
        query: (query) => ({ url: 'api/v1/admin/users', params: criteria(query) }),
        providesTags: ['AdminUsers'],
      }),
      adminUser: build.query<AdminUser, string>({
        query: (id) => `api/v1/admin/users/${enc(id)}`,
        providesTags: ['AdminUsers'],
      }),
      setRoles: build.mutation<User | ApprovalRequest, { userId: string; roles: Role[] }>({
        query: ({ userId, roles }) => ({ url: `api/v1/admin/users/${enc(userId)}/roles`, method: 'PUT', body: { roles } }),
        invalidatesTags: ['AdminUsers'],
      }),
      auditRecords: build.query<AuditPage, AuditSearch>({
        query: (search) => `api/v1/admin/audit?${auditQueryString({ ...search, format: 'json' })}`,
        // A trail grows with every action taken elsewhere in the app: always read it afresh.
        keepUnusedDataFor: 0,
      }),
      /** Every matching record as a CSV file, as an object URL (the caller revokes it). */
      auditExport: build.mutation<string, AuditSearch>({
        query: (search) => ({
          url: `api/v1/admin/audit?${auditQueryString({ ...search, cursor: null, limit: undefined, format: 'csv' })}`,
          method: 'GET',
          responseHandler: async (response) =>
            response.ok ? URL.createObjectURL(await response.blob()) : ((await response.json().catch(() => null)) as unknown),
        }),
      }),
      currencyTransactions: build.query<CurrencyTransactionReport, ReportPeriod>({
        query: (period) => ({ url: 'api/v1/admin/reports/currency-transactions', params: period }),
        providesTags: ['Reports'],
      }),
      suspiciousActivity: build.query<SuspiciousActivityReport, ReportPeriod>({
        query: (period) => ({ url: 'api/v1/admin/reports/suspicious-activity', params: period }),
        providesTags: ['Reports'],
      }),
      kycReport: build.query<KycStatusReport, void>({
        query: () => 'api/v1/admin/reports/kyc',
        providesTags: ['Reports'],
      }),
      /** A report as a CSV file, as an object URL (the caller revokes it). */
      reportExport: build.mutation<string, { report: ReportName; period?: ReportPeriod }>({
        query: ({ report, period }) => ({
          url: `api/v1/admin/reports/${report}`,
          params: { ...period, format: 'csv' },
          method: 'GET',
          responseHandler: async (response) =>
            response.ok ? URL.createObjectURL(await response.blob()) : ((await response.json().catch(() => null)) as unknown),
        }),
      }),
      fileSuspiciousActivity: build.mutation<Filing, { caseId: string; reference: string }>({
        query: ({ caseId, reference }) => ({
          url: `api/v1/admin/reports/suspicious-activity/${enc(caseId)}/filing`,
          method: 'POST',
          body: { reference },
        }),
        invalidatesTags: ['Reports'],
      }),
      approvals: build.query<ApprovalPage, { status: ApprovalStatus | null; cursor: string | null }>({
        query: ({ status, cursor }) => ({ url: 'api/v1/admin/approvals', params: criteria({ status, cursor, limit: 25 }) }),
        providesTags: ['Approvals'],
      }),
      approvalPolicies: build.query<ApprovalPolicyList, void>({
        query: () => 'api/v1/admin/approvals/policies',
        providesTags: ['Approvals'],
      }),
      /** Admin: whether an action needs a second person, how long its requests wait, and (amounts only) above what. */
      setApprovalPolicy: build.mutation<ApprovalPolicy, { action: string; body: ApprovalPolicyChange }>({
        query: ({ action, body }) => ({ url: `api/v1/admin/approvals/policies/${enc(action)}`, method: 'PUT', body }),
        invalidatesTags: ['Approvals'],
      }),
      /** Approve or reject a pending request; or settle one whose carrying out was cut off (no body). */
      decideApproval: build.mutation<ApprovalRequest, { approvalId: string; decision: 'approve' | 'reject' | 'settle'; reason: string | null }>({
        query: ({ approvalId, decision, reason }) => ({
          url: `api/v1/admin/approvals/${enc(approvalId)}/${decision}`,
          method: 'POST',
          ...(decision === 'settle' ? {} : { body: reason === null ? {} : { reason } }),
        }),
        // An approval carries the action out: what it changed is read afresh.
        invalidatesTags: ['Approvals', 'AdminTransactions', 'AdminAccounts', 'Accounts', 'Transactions'],
      }),
      readiness: build.query<Readiness, void>({
        // 503 carries the same body (some component failing): show it rather than an error.
        query: () => ({ url: 'readyz', validateStatus: (response) => response.status === 200 || response.status === 503 }),
      }),
      systemFigures: build.query<SystemFigures, void>({
        query: () => 'api/v1/admin/system/figures',
      }),
    }),
  });

export const {
  useSearchCustomersQuery,
  useCustomerQuery,
  useCustomerDocumentsQuery,
  useDocumentContentMutation,
  useApproveKycMutation,
  useRejectKycMutation,
  useUserAccountsQuery,
  useAccountActionMutation,
  useSetDailyLimitMutation,
  useSearchTransactionsQuery,
  useReverseTransactionMutation,
  useFraudCasesQuery,
  useFraudScoreQuery,
  useResolveCaseMutation,
  useFraudRulesQuery,
  useCreateRuleMutation,
  useUpdateRuleMutation,
  useAddListEntryMutation,
  useFraudListQuery,
  useRemoveListEntryMutation,
  useFraudModelQuery,
  useModelReportImageMutation,
  useFraudModelsQuery,
  usePromoteModelMutation,
  useUsersQuery,
  useAdminUserQuery,
  useSetRolesMutation,
  useReadinessQuery,
  useSystemFiguresQuery,
  useAuditRecordsQuery,
  useAuditExportMutation,
  useCurrencyTransactionsQuery,
  useSuspiciousActivityQuery,
  useKycReportQuery,
  useReportExportMutation,
  useFileSuspiciousActivityMutation,
  useApprovalsQuery,
  useApprovalPoliciesQuery,
  useDecideApprovalMutation,
  useSetApprovalPolicyMutation,
} = adminApi;
