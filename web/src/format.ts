// Making an Intl formatter costs far more than using one (it loads locale data): a dashboard
// formats hundreds of amounts and dates, so each (locale, currency) gets one, kept.
const MAX_FORMATTERS = 64; // locales × currencies a session meets; beyond that, start again
const moneyFormatters = new Map<string, Intl.NumberFormat>();
const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function kept<F>(cache: Map<string, F>, key: string, make: () => F): F {
  let formatter = cache.get(key);
  if (formatter === undefined) {
    if (cache.size >= MAX_FORMATTERS) cache.clear();
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter;
}

function moneyFormatter(currency: string, locale?: string): Intl.NumberFormat {
  return kept(moneyFormatters, `${locale ?? ''}|${currency}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency }));
}

/** Amounts are decimal strings from the API: formatted without ever passing through float maths
 * for anything but display (Intl.NumberFormat takes the string as-is where supported). */
export function formatMoney(amount: string, currency: string, locale?: string): string {
  // ES2023 Intl accepts a decimal string exactly; the cast keeps TS's lib types happy.
  return moneyFormatter(currency, locale).format(amount as unknown as number);
}

/** Dates and times are shown in UTC, with the zone named. */
export function formatDateTime(iso: string, locale?: string): string {
  const formatter = kept(
    dateFormatters,
    locale ?? '',
    () =>
      new Intl.DateTimeFormat(locale, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        timeZone: 'UTC',
        timeZoneName: 'short',
      }),
  );
  return formatter.format(new Date(iso));
}

/** How many decimals a currency's amounts may carry (USD 2, JPY 0, …). */
export function currencyDigits(currency: string): number {
  try {
    return moneyFormatter(currency, 'en').resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}
