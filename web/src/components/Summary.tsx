import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Transaction } from '../api/types';
import { formatDateTime, formatMoney } from '../format';

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

/** A transaction's status as the reader's language names it (the code itself if it has no name). */
export function statusLabel(t: TFunction, status: string): string {
  return t(`transaction.status.${status}`, { defaultValue: status });
}

/** A transaction's kind as the reader's language names it (the code itself if it has no name). */
export function kindLabel(t: TFunction, kind: string): string {
  return t(`transaction.kind.${kind}`, { defaultValue: kind });
}

/** "Checking ···0001 · $500.00": an account as a choice in a form or a line of a summary. */
export function accountName(t: TFunction, account: Account | undefined): string {
  if (!account) return '';
  const type = t(`dashboard.type.${account.account_type}`, { defaultValue: account.account_type });
  return `${t('dashboard.accountLabel', { type, number: account.number })} · ${formatMoney(account.available_balance, account.currency)}`;
}

/** A receipt's lines: status, reference and amount, then the page's own (`children`), then the date. */
export function ReceiptSummary({ receipt, children }: { receipt: Transaction; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Box component="dl" sx={{ m: 0 }} aria-live="polite">
      <SummaryRow label={t('transfer.status')} value={statusLabel(t, receipt.status)} testId="receipt-status" />
      <SummaryRow label={t('transfer.reference')} value={receipt.transaction_id} testId="receipt-reference" />
      <SummaryRow label={t('transfer.amount')} value={formatMoney(receipt.amount, receipt.currency)} />
      {children}
      <SummaryRow label={t('transfer.date')} value={formatDateTime(receipt.created_at)} />
    </Box>
  );
}
