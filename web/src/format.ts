/** Amounts are decimal strings from the API: formatted without ever passing through float maths
 * for anything but display (Intl.NumberFormat takes the string as-is where supported). */
export function formatMoney(amount: string, currency: string, locale?: string): string {
  const formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
  // ES2023 Intl accepts a decimal string exactly; the cast keeps TS's lib types happy.
  return formatter.format(amount as unknown as number);
}

/** Dates and times are shown in UTC, with the zone named. */
export function formatDateTime(iso: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** How many decimals a currency's amounts may carry (USD 2, JPY 0, …). */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}
