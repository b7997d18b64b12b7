import Box from '@mui/material/Box';
import Skeleton from '@mui/material/Skeleton';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { problemOf } from '../api/errors';
import { addDays, useStatementQuery, utcDay, type Statement } from '../api/money';
import type { Account } from '../api/types';
import { formatDateTime, formatMoney } from '../format';
import type { BalancePoint } from './BalanceChart';
import { ProblemAlert } from './ProblemAlert';
import { visuallyHidden } from './visuallyHidden';

// Recharts stays out of the initial bundle and out of the dashboard's own chunk.
const BalanceChart = lazy(() => import('./BalanceChart'));


const RANGES = [30, 90] as const;
type Range = (typeof RANGES)[number];

/** The running balance as points: the opening balance on the first day, then every entry. */
export function pointsOf(statement: Statement): BalancePoint[] {
  const points: BalancePoint[] = [
    { at: Date.parse(`${statement.from}T00:00:00Z`), balance: Number(statement.opening_balance), label: statement.opening_balance },
  ];
  for (const entry of statement.entries) {
    points.push({ at: Date.parse(entry.posted_at), balance: Number(entry.running_balance), label: entry.running_balance });
  }
  const end = Math.max(Date.parse(`${statement.to}T23:59:59Z`), points[points.length - 1]?.at ?? 0);
  points.push({ at: end, balance: Number(statement.closing_balance), label: statement.closing_balance });
  return points;
}

function extremes(points: BalancePoint[]): { low: BalancePoint; high: BalancePoint } | null {
  if (points.length === 0) return null;
  let low = points[0] as BalancePoint;
  let high = low;
  for (const point of points) {
    if (point.balance < low.balance) low = point;
    if (point.balance > high.balance) high = point;
  }
  return { low, high };
}

const dayFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const formatDay = (day: string) => dayFormat.format(new Date(`${day}T00:00:00Z`));

export function BalanceHistory({ account }: { account: Account }) {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>(30);
  const to = utcDay(new Date());
  const from = addDays(to, -(range - 1));
  const { data, error, isFetching } = useStatementQuery({ accountId: account.account_id, from, to });
  const points = useMemo(() => (data ? pointsOf(data) : []), [data]);
  const span = extremes(points);
  const headingId = `balance-history-${account.account_id}`;
  const money = (amount: string) => formatMoney(amount, account.currency);

  return (
    <Box component="section" aria-labelledby={headingId} sx={{ mt: 2 }}>
      <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 1, flexWrap: 'wrap', mb: 1 }}>
        <Typography variant="subtitle1" component="h3" id={headingId}>
          {t('money.chart.title')}
        </Typography>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={range}
          onChange={(_, value: Range | null) => value && setRange(value)}
          aria-label={t('money.chart.range')}
        >
          {RANGES.map((days) => (
            <ToggleButton key={days} value={days}>
              {t('money.chart.days', { count: days })}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      </Box>
      {error ? (
        <ProblemAlert problem={problemOf(error)} />
      ) : !data || (isFetching && data.from !== from) ? (
        <Skeleton variant="rectangular" height={180} role="status" aria-label={t('app.loading')} />
      ) : (
        <>
          <Suspense fallback={<Skeleton variant="rectangular" height={180} />}>
            <BalanceChart points={points} currency={account.currency} />
          </Suspense>
          <Typography variant="body2" color="text.secondary" data-testid="balance-summary" sx={{ mt: 1 }}>
            {t('money.chart.summary', {
              from: formatDay(data.from),
              to: formatDay(data.to),
              opening: money(data.opening_balance),
              closing: money(data.closing_balance),
              moneyIn: money(data.money_in),
              moneyOut: money(data.money_out),
            })}
            {span && data.entries.length > 0 && ` ${t('money.chart.extremes', { low: money(span.low.label), high: money(span.high.label) })}`}
          </Typography>
          <Box component="table" sx={visuallyHidden}>
            <caption>{t('money.chart.tableCaption', { from: formatDay(data.from), to: formatDay(data.to) })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('money.chart.when')}</th>
                <th scope="col">{t('money.chart.what')}</th>
                <th scope="col">{t('money.chart.amount')}</th>
                <th scope="col">{t('money.chart.balance')}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>{formatDay(data.from)}</td>
                <td>{t('money.chart.opening')}</td>
                <td />
                <td>{money(data.opening_balance)}</td>
              </tr>
              {data.entries.map((entry, index) => (
                <tr key={`${entry.transaction_id ?? 'entry'}-${index}`}>
                  <td>{formatDateTime(entry.posted_at)}</td>
                  <td>{entry.description}</td>
                  <td>{money(entry.amount)}</td>
                  <td>{money(entry.running_balance)}</td>
                </tr>
              ))}
            </tbody>
          </Box>
        </>
      )}
    </Box>
  );
}
