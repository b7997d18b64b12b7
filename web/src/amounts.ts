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

/** A decimal amount string in the currency's minor units ("12.5" USD → 1250n), exactly (no float);
 * only for an amount that passed amountSchema and has no more decimals than the currency has. */
export function toMinorUnits(amount: string, currency: string): bigint {
  const digits = currencyDigits(currency);
  const [whole = '0', fraction = ''] = amount.trim().split('.');
  return BigInt(whole + fraction.padEnd(digits, '0'));
}
