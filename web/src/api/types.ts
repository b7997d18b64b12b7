// Names for the generated OpenAPI types (schema.ts is generated: `npm run gen:api`).
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Account = Schemas['Account'];
export type AccountList = Schemas['AccountList'];
export type Transaction = Schemas['Transaction'];
export type TransactionPage = Schemas['TransactionPage'];
export type TransferRequest = Schemas['TransferRequest'];
export type LoginRequest = Schemas['LoginRequest'];
export type TokenPair = Schemas['TokenPair'];
export type User = Schemas['User'];
export type ErrorBody = Schemas['ErrorBody'];
export type TransactionsOfAccountQuery = NonNullable<
  operations['of_account_api_v1_transactions_account__account_id__get']['parameters']['query']
>;
