import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { TFunction } from 'i18next';
import type { Account } from '../api/types';
import { formatMoney } from '../format';

/** One line of a review or receipt: a <dt>/<dd> pair (put it in a <Box component="dl">). */
export function SummaryRow({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '12rem 1fr' }, gap: { xs: 0, sm: 2 }, py: 1 }}>
      <Typography component="dt" color="text.secondary">
        {label}
      </Typography>
      <Typography component="dd" sx={{ m: 0, overflowWrap: 'anywhere' }} data-testid={testId}>
        {value}
      </Typography>
    </Box>
  );
}

/** "Checking ···0001 · $500.00": an account as a choice in a form or a line of a summary. */
export function accountName(t: TFunction, account: Account | undefined): string {
  if (!account) return '';
  const type = t(`dashboard.type.${account.account_type}`, { defaultValue: account.account_type });
  return `${t('dashboard.accountLabel', { type, number: account.number })} · ${formatMoney(account.available_balance, account.currency)}`;
}
