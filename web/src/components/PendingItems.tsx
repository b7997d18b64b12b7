import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useScheduledTransfersQuery, useSearchTransactionsQuery } from '../api/money';
import type { Account } from '../api/types';
import { formatDateTime, formatMoney } from '../format';
import { kindLabel, statusLabel } from './Summary';

/** Money not yet settled: transactions pending or held for review, and scheduled transfers to come. */
export function PendingItems({ accounts }: { accounts: Account[] }) {
  const { t } = useTranslation();
  const pending = useSearchTransactionsQuery({ status: 'PENDING', limit: 10 }, { refetchOnMountOrArgChange: true });
  const review = useSearchTransactionsQuery({ status: 'PENDING_REVIEW', limit: 10 }, { refetchOnMountOrArgChange: true });
  const scheduled = useScheduledTransfersQuery(undefined, { refetchOnMountOrArgChange: true });
  const numberOf = (id: string | null) => accounts.find((a) => a.account_id === id)?.number ?? '';
  const held = [...(review.data?.items ?? []), ...(pending.data?.items ?? [])];
  const upcoming = (scheduled.data?.items ?? []).filter((s) => s.status === 'ACTIVE' && s.next_run_at);
  if (held.length === 0 && upcoming.length === 0) return null;
  return (
    <Paper component="section" aria-labelledby="pending-heading" sx={{ p: 2, mb: 2 }} data-testid="pending-items">
      <Typography variant="h6" component="h2" id="pending-heading">
        {t('money.pending.title')}
      </Typography>
      <List dense disablePadding>
        {held.map((tx) => (
          <ListItem key={tx.transaction_id} disableGutters divider sx={{ gap: 1, flexWrap: 'wrap' }}>
            <ListItemText
              primary={tx.description || kindLabel(t, tx.kind)}
              secondary={formatDateTime(tx.created_at)}
            />
            <Chip size="small" color={tx.status === 'PENDING_REVIEW' ? 'warning' : 'default'} label={statusLabel(t, tx.status)} />
            <Typography component="span" sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
              {formatMoney(tx.amount, tx.currency)}
            </Typography>
            {tx.kind === 'PAYMENT' && tx.status === 'PENDING' && (
              <Button size="small" component={Link} to="/payments" aria-label={t('money.pending.finishPaymentNamed', { merchant: tx.counterparty ?? '' })}>
                {t('money.pending.finishPayment')}
              </Button>
            )}
          </ListItem>
        ))}
        {upcoming.map((s) => (
          <ListItem key={s.schedule_id} disableGutters divider sx={{ gap: 1, flexWrap: 'wrap' }}>
            <ListItemText
              primary={s.description || t('money.pending.scheduled', { from: numberOf(s.from_account_id), to: numberOf(s.to_account_id) })}
              secondary={t('money.pending.next', {
                when: formatDateTime(s.next_run_at ?? s.start_at),
                frequency: t(`money.frequency.${s.frequency}`, { defaultValue: s.frequency }),
              })}
            />
            <Chip size="small" label={t('money.pending.scheduledChip')} />
            <Typography component="span" sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
              {formatMoney(s.amount, s.currency)}
            </Typography>
          </ListItem>
        ))}
      </List>
    </Paper>
  );
}
