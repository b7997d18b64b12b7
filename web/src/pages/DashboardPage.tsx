import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import { useLayoutEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAccountsOfUserQuery, useMeQuery, useTransactionsOfAccountQuery } from '../api/api';
import { problemOf } from '../api/errors';
import type { Account, Transaction } from '../api/types';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { BalanceHistory } from '../components/BalanceHistory';
import { StandingNotice, useCustomerStanding } from '../components/CustomerStanding';
import { PendingItems } from '../components/PendingItems';
import { dismissFirstView } from '../firstView/dismiss';
import { formatDateTime, formatMoney } from '../format';
import { subjectOf } from '../auth/session';
import { useAfterFirstPaint, useAppSelector } from '../hooks';
import { kindLabel, statusLabel } from '../components/Summary';

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Box>
      <Typography variant="body2" color="text.secondary" component="dt">
        {label}
      </Typography>
      <Typography variant="h6" component="dd" sx={{ m: 0 }} data-testid={testId}>
        {value}
      </Typography>
    </Box>
  );
}

function Activity({ account }: { account: Account }) {
  const { t } = useTranslation();
  const { data, error, isLoading } = useTransactionsOfAccountQuery({ accountId: account.account_id, limit: 5 });
  if (isLoading) return <Loading />;
  if (error) return <ProblemAlert problem={problemOf(error)} />;
  const items = data?.items ?? [];
  if (items.length === 0) return <Typography color="text.secondary">{t('dashboard.noActivity')}</Typography>;
  const signed = (tx: Transaction) => (tx.from_account_id === account.account_id ? `-${tx.amount}` : tx.amount);
  return (
    <List dense disablePadding>
      {items.map((tx) => (
        <ListItem key={tx.transaction_id} disableGutters divider sx={{ gap: 1, alignItems: 'flex-start' }}>
          <ListItemText
            primary={tx.description || kindLabel(t, tx.kind)}
            secondary={`${formatDateTime(tx.created_at)} · ${statusLabel(t, tx.status)}`}
          />
          <Typography
            component="span"
            sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums', fontWeight: 500 }}
            color={tx.from_account_id === account.account_id ? 'text.primary' : 'success.main'}
          >
            {formatMoney(signed(tx), tx.currency)}
          </Typography>
        </ListItem>
      ))}
    </List>
  );
}

function AccountCard({ account }: { account: Account }) {
  const { t } = useTranslation();
  const painted = useAfterFirstPaint(); // the balances first; the activity and the chart after
  const type = t(`dashboard.type.${account.account_type}`, { defaultValue: account.account_type });
  const title = t('dashboard.accountLabel', { type, number: account.number });
  const headingId = `account-${account.account_id}`;
  return (
    <Card component="section" aria-labelledby={headingId} data-testid="account-card" data-account-id={account.account_id}>
      <CardContent>
        <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
          <Typography variant="h6" component="h2" id={headingId}>
            {title}
          </Typography>
          {account.status && <Chip size="small" label={t(`dashboard.status.${account.status}`, { defaultValue: account.status })} />}
        </Box>
        <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, minmax(0, 1fr))', gap: 1, my: 2 }}>
          <Figure label={t('dashboard.balance')} value={formatMoney(account.balance, account.currency)} testId="balance" />
          <Figure label={t('dashboard.available')} value={formatMoney(account.available_balance, account.currency)} testId="available" />
          <Figure label={t('dashboard.held')} value={formatMoney(account.held, account.currency)} testId="held" />
        </Box>
        {Number(account.overdraft_limit) > 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }} data-testid="overdraft">
            {t('dashboard.overdraft')}: {formatMoney(account.overdraft_limit, account.currency)}
          </Typography>
        )}
        <Divider sx={{ mb: 1 }} />
        <Typography variant="subtitle1" component="h3">
          {t('dashboard.recent')}
        </Typography>
        {painted ? <Activity account={account} /> : <Loading />}
        <Button component={Link} to={`/history?account=${account.account_id}`} size="small" sx={{ mt: 1 }} aria-label={t('money.historyOf', { account: title })}>
          {t('money.history')}
        </Button>
        {painted && <BalanceHistory account={account} />}
      </CardContent>
    </Card>
  );
}

/** Balances younger than this are not asked for again on arriving here: the warm start's are. */
const ACCOUNTS_FRESH_S = 5;

export default function DashboardPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  // The accounts are asked for with /auth/me, not after it: the token names the user.
  const userId = useAppSelector((state) => subjectOf(state.auth.accessToken)) ?? me.data?.user_id ?? '';
  const accounts = useAccountsOfUserQuery(userId, { skip: !userId, refetchOnMountOrArgChange: ACCOUNTS_FRESH_S });
  const problem = me.error ?? accounts.error;
  const standing = useCustomerStanding();
  // The first view (src/firstView) goes in the commit that shows these balances, or the problem:
  // nobody sees the page without them, nor both at once.
  useLayoutEffect(() => {
    if (problem || accounts.data) dismissFirstView();
  }, [problem, accounts.data]);
  return (
    <>
      <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 2, mb: 2, flexWrap: 'wrap' }}>
        <Typography variant="h4" component="h1">
          {t('dashboard.title')}
        </Typography>
        {standing.approved && !standing.loading && (
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
            <Button variant="outlined" component={Link} to="/cash">
              {t('cash.link')}
            </Button>
            <Button variant="contained" component={Link} to="/transfer">
              {t('dashboard.transfer')}
            </Button>
          </Box>
        )}
      </Box>
      <StandingNotice standing={standing} accounts={accounts.data?.items.length ?? 0} />
      {problem ? (
        <ProblemAlert problem={problemOf(problem)} />
      ) : accounts.isLoading || !accounts.data ? (
        <Loading />
      ) : accounts.data.items.length === 0 ? (
        <Alert severity="info">{t('dashboard.empty')}</Alert>
      ) : (
        <>
        <PendingItems accounts={accounts.data.items} />
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'repeat(2, minmax(0, 1fr))' } }}>
          {accounts.data.items.map((account) => (
            <AccountCard key={account.account_id} account={account} />
          ))}
        </Box>
        </>
      )}
    </>
  );
}
