import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useParams } from 'react-router';
import {
  useAccountActionMutation,
  useCustomerQuery,
  useSearchTransactionsQuery,
  isApprovalRequest,
  useSetDailyLimitMutation,
  useUserAccountsQuery,
  type Account,
  type FreezeReason,
} from '../../api/admin';
import { isRetryable, problemOf, type ApiProblem } from '../../api/errors';
import { SubmissionKey } from '../../api/idempotency';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { currencyDigits, formatDateTime, formatMoney } from '../../format';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { AccountStatusChip, Field, fullName, Hidden, KycChip, ScrollTable, Section, useStaff } from './common';
import { kindLabel, statusLabel } from '../../components/Summary';

type Action = 'freeze' | 'unfreeze' | 'close' | 'limit' | 'overdraft';
/** The actions that set an amount: the dialog asks for it. */
const AMOUNT_ACTIONS: ReadonlySet<Action> = new Set(['limit', 'overdraft']);
const FREEZE_REASONS: readonly FreezeReason[] = ['fraud', 'customer_request', 'legal_order', 'other'];
const LIMIT = /^\d+(\.\d+)?$/;

function accountLabel(t: (key: string, options?: Record<string, unknown>) => string, account: Account): string {
  const type = t(`dashboard.type.${account.account_type}`, { defaultValue: account.account_type });
  return t('dashboard.accountLabel', { type, number: account.number });
}

function RecentTransactions({ account }: { account: Account }) {
  const { t } = useTranslation();
  const query = useSearchTransactionsQuery({ account_id: account.account_id, limit: 10 });
  const label = t('admin.customerDetail.recentOf', { account: accountLabel(t, account) });
  if (query.error) return <ProblemAlert problem={problemOf(query.error)} />;
  if (!query.data) return <Loading />;
  return (
    <Box sx={{ mb: 2 }}>
      <Typography variant="subtitle1" component="h4" gutterBottom>
        {label}
      </Typography>
      {query.data.items.length === 0 ? (
        <Typography color="text.secondary">{t('dashboard.noActivity')}</Typography>
      ) : (
        <ScrollTable label={label}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.tx.date')}</TableCell>
                <TableCell>{t('admin.tx.kind')}</TableCell>
                <TableCell>{t('admin.tx.status')}</TableCell>
                <TableCell align="right">{t('admin.tx.amount')}</TableCell>
                <TableCell>{t('admin.tx.description')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {query.data.items.map((tx) => {
                const outgoing = tx.from_account_id === account.account_id;
                return (
                  <TableRow key={tx.transaction_id}>
                    <TableCell>{formatDateTime(tx.created_at)}</TableCell>
                    <TableCell>{kindLabel(t, tx.kind)}</TableCell>
                    <TableCell>{statusLabel(t, tx.status)}</TableCell>
                    <TableCell align="right">
                      {outgoing ? '−' : '+'}
                      {formatMoney(tx.amount, tx.currency)}
                    </TableCell>
                    <TableCell>{tx.description ?? tx.counterparty ?? '—'}</TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </ScrollTable>
      )}
    </Box>
  );
}

/** A customer as staff see them: profile (SSN last four only), accounts and their actions, activity. */
export default function CustomerDetailPage() {
  const { t } = useTranslation();
  const { customerId = '' } = useParams();
  const { isAdmin } = useStaff();
  const customer = useCustomerQuery(customerId);
  const accounts = useUserAccountsQuery(customer.data?.user_id ?? '', { skip: !customer.data });
  const [pending, setPending] = useState<{ action: Action; account: Account } | null>(null);
  const [limit, setLimit] = useState('');
  const [limitError, setLimitError] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [freezeReason, setFreezeReason] = useState<FreezeReason>('other');
  const [freezeNote, setFreezeNote] = useState('');
  const submission = useRef(new SubmissionKey());
  const [act, acting] = useAccountActionMutation();
  const [setDailyLimit, limiting] = useSetDailyLimitMutation();

  const start = (action: Action, account: Account) => {
    setProblem(null);
    setLimitError(null);
    setDone(null);
    setLimit(action === 'overdraft' ? account.overdraft_limit : account.daily_outgoing_limit);
    setFreezeReason('other');
    setFreezeNote('');
    setPending({ action, account });
  };

  const confirm = async () => {
    if (!pending) return;
    const { action, account } = pending;
    setProblem(null);
    try {
      if (action === 'limit' || action === 'overdraft') {
        const text = limit.trim();
        const decimals = text.split('.')[1]?.length ?? 0;
        if (!LIMIT.test(text)) return setLimitError(t('admin.customerDetail.limitInvalid'));
        if (decimals > currencyDigits(account.currency))
          return setLimitError(t('transfer.validation.decimals', { currency: account.currency, digits: currencyDigits(account.currency) }));
        const body = action === 'overdraft' ? { overdraft_limit: text } : { daily_outgoing_limit: text };
        const answer = await setDailyLimit({ accountId: account.account_id, body }).unwrap();
        if (isApprovalRequest(answer)) {
          setDone(t('admin.customerDetail.limitAsked', { summary: answer.summary }));
          setPending(null);
          return;
        }
      } else {
        // The same key on a retry of this very action (a timeout, a 503), a new one otherwise.
        const idempotencyKey = submission.current.forSubmit({ action, account: account.account_id });
        try {
          const freeze = action === 'freeze' ? { reason: freezeReason, note: freezeNote.trim() || null } : undefined;
          const answer = await act({ accountId: account.account_id, action, idempotencyKey, freeze }).unwrap();
          submission.current.settled();
          if (isApprovalRequest(answer)) {
            setDone(t(`admin.customerDetail.${action}Asked`, { summary: answer.summary }));
            setPending(null);
            return;
          }
        } catch (error) {
          if (!isRetryable(problemOf(error))) submission.current.settled();
          throw error;
        }
      }
      setDone(t(`admin.customerDetail.done.${action}`, { account: accountLabel(t, account) }));
      setPending(null);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  if (customer.error) return <ProblemAlert problem={problemOf(customer.error)} />;
  if (!customer.data) return <Loading />;
  const c = customer.data;
  const list = accounts.data?.items ?? [];

  return (
    <>
      <Link component={RouterLink} to="/admin/customers">
        {t('admin.customerDetail.back')}
      </Link>
      <Typography variant="h5" component="h2" gutterBottom sx={{ mt: 1 }}>
        {fullName(c)}
      </Typography>
      {done && (
        <Alert severity="success" role="status" sx={{ mb: 2 }}>
          {done}
        </Alert>
      )}
      <Section title={t('admin.customer.profile')}>
        <Box component="dl" sx={{ m: 0 }}>
          <Field label={t('admin.customer.email')}>{c.email}</Field>
          <Field label={t('admin.customer.phone')}>{c.phone ?? '—'}</Field>
          <Field label={t('admin.customer.dateOfBirth')}>{c.date_of_birth}</Field>
          <Field label={t('admin.customer.ssn')} testId="ssn">
            {t('admin.customer.ssnMasked', { last4: c.ssn_last4 })}
          </Field>
          <Field label={t('admin.customer.address')}>
            {[c.address.line1, c.address.line2, c.address.city, c.address.region, c.address.postal_code, c.address.country].filter(Boolean).join(', ')}
          </Field>
          <Field label={t('admin.customer.kyc')}>
            <KycChip status={c.kyc_status} />
            {c.kyc_status === 'SUBMITTED' && (
              <Link component={RouterLink} to={`/admin/kyc/${c.customer_id}`} sx={{ ml: 1 }}>
                {t('admin.customerDetail.toReview')}
              </Link>
            )}
          </Field>
          {c.kyc_reason && <Field label={t('admin.customer.kycReason')}>{c.kyc_reason}</Field>}
          <Field label={t('admin.customer.since')}>{formatDateTime(c.created_at)}</Field>
        </Box>
      </Section>

      <Section title={t('admin.customerDetail.accounts')}>
        {accounts.error && <ProblemAlert problem={problemOf(accounts.error)} />}
        {!accounts.data && !accounts.error && <Loading />}
        {accounts.data && list.length === 0 && <Typography color="text.secondary">{t('admin.customerDetail.noAccounts')}</Typography>}
        {list.length > 0 && (
          <ScrollTable label={t('admin.customerDetail.accounts')}>
            <Table size="small">
              <TableHead>
                <TableRow>
                  <TableCell>{t('admin.customerDetail.account')}</TableCell>
                  <TableCell>{t('admin.tx.status')}</TableCell>
                  <TableCell align="right">{t('dashboard.balance')}</TableCell>
                  <TableCell align="right">{t('dashboard.available')}</TableCell>
                  <TableCell align="right">{t('admin.customerDetail.dailyLimit')}</TableCell>
                  <TableCell align="right">{t('admin.customerDetail.overdraftLimit')}</TableCell>
                  <TableCell>
                    <Hidden>{t('admin.actions')}</Hidden>
                  </TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {list.map((a) => {
                  const name = accountLabel(t, a);
                  const closed = a.status === 'CLOSED';
                  return (
                    <TableRow key={a.account_id} data-testid="account-row" data-account-id={a.account_id}>
                      <TableCell>{name}</TableCell>
                      <TableCell>
                        <AccountStatusChip status={a.status} />
                      </TableCell>
                      <TableCell align="right">{formatMoney(a.balance, a.currency)}</TableCell>
                      <TableCell align="right">{formatMoney(a.available_balance, a.currency)}</TableCell>
                      <TableCell align="right">{formatMoney(a.daily_outgoing_limit, a.currency)}</TableCell>
                      <TableCell align="right">{formatMoney(a.overdraft_limit, a.currency)}</TableCell>
                      <TableCell>
                        {!closed && (
                          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'nowrap' }}>
                            {a.status === 'FROZEN' ? (
                              <Button size="small" variant="outlined" onClick={() => start('unfreeze', a)} aria-label={t('admin.customerDetail.unfreezeNamed', { account: name })}>
                                {t('admin.customerDetail.unfreeze')}
                              </Button>
                            ) : (
                              <Button size="small" variant="outlined" onClick={() => start('freeze', a)} aria-label={t('admin.customerDetail.freezeNamed', { account: name })}>
                                {t('admin.customerDetail.freeze')}
                              </Button>
                            )}
                            {isAdmin && (
                              <Button size="small" onClick={() => start('limit', a)} aria-label={t('admin.customerDetail.limitNamed', { account: name })}>
                                {t('admin.customerDetail.limit')}
                              </Button>
                            )}
                            {isAdmin && (
                              <Button size="small" onClick={() => start('overdraft', a)} aria-label={t('admin.customerDetail.overdraftNamed', { account: name })}>
                                {t('admin.customerDetail.overdraft')}
                              </Button>
                            )}
                            {isAdmin && (
                              <Button size="small" color="error" onClick={() => start('close', a)} aria-label={t('admin.customerDetail.closeNamed', { account: name })}>
                                {t('admin.customerDetail.close')}
                              </Button>
                            )}
                          </Box>
                        )}
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </ScrollTable>
        )}
      </Section>

      {list.length > 0 && (
        <Section title={t('admin.customerDetail.recent')}>
          {list.map((a) => (
            <RecentTransactions key={a.account_id} account={a} />
          ))}
        </Section>
      )}

      {pending && (
        <ConfirmDialog
          open
          title={t(`admin.customerDetail.confirm.${pending.action}`, { account: accountLabel(t, pending.account) })}
          confirmLabel={t(`admin.customerDetail.confirmButton.${pending.action}`)}
          onConfirm={() => void confirm()}
          onClose={() => setPending(null)}
          busy={acting.isLoading || limiting.isLoading}
          problem={problem}
          danger={pending.action === 'close' || pending.action === 'freeze'}
        >
          <Typography sx={{ mb: 2 }}>
            {t(`admin.customerDetail.explain.${pending.action}`, {
              name: fullName(c),
              balance: formatMoney(pending.account.balance, pending.account.currency),
            })}
          </Typography>
          {pending.action === 'freeze' && (
            <Box sx={{ display: 'grid', gap: 2 }}>
              <TextField
                select
                label={t('admin.customerDetail.freezeReason')}
                value={freezeReason}
                onChange={(event) => setFreezeReason(event.target.value as FreezeReason)}
                helperText={t('admin.customerDetail.freezeReasonHelp')}
              >
                {FREEZE_REASONS.map((reason) => (
                  <MenuItem key={reason} value={reason}>
                    {t(`admin.customerDetail.freezeReasons.${reason}`)}
                  </MenuItem>
                ))}
              </TextField>
              <TextField
                label={t('admin.customerDetail.freezeNote')}
                value={freezeNote}
                onChange={(event) => setFreezeNote(event.target.value)}
                autoComplete="off"
                multiline
                minRows={2}
                slotProps={{ htmlInput: { maxLength: 500 } }}
              />
            </Box>
          )}
          {AMOUNT_ACTIONS.has(pending.action) && (
            <TextField
              label={t(pending.action === 'overdraft' ? 'admin.customerDetail.newOverdraft' : 'admin.customerDetail.newLimit', {
                currency: pending.account.currency,
              })}
              required
              fullWidth
              autoFocus
              autoComplete="off"
              value={limit}
              onChange={(event) => {
                setLimit(event.target.value);
                setLimitError(null);
              }}
              error={Boolean(limitError)}
              helperText={limitError ?? t('admin.customerDetail.limitHelp')}
              slotProps={{ htmlInput: { inputMode: 'decimal' } }}
            />
          )}
        </ConfirmDialog>
      )}
      <Typography variant="caption" color="text.secondary" component="p">
        {t('admin.customerDetail.id', { id: c.customer_id })}
      </Typography>
    </>
  );
}
