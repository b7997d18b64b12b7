import { z } from 'zod';
import { currencyDigits } from './format';

/** An amount field of a money form: a positive decimal string (the API takes "12.34", never a float). */
export const amountSchema = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, { error: 'transfer.validation.amount' })
  .refine((value) => /[1-9]/.test(value), { error: 'transfer.validation.amount' });

/** Whether `amount` has more decimals than `currency` allows (USD 2, JPY 0, …). */
export function hasTooManyDecimals(amount: string, currency: string): boolean {
  return (amount.split('.')[1]?.length ?? 0) > currencyDigits(currency);
}
