import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMemo } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { amountSchema, hasTooManyDecimals } from '../amounts';
import { useAccountsOfUserQuery, useMeQuery } from '../api/api';
import { problemOf } from '../api/errors';
import { useAuthorisePaymentMutation, type PaymentRequest } from '../api/movements';
import type { Account } from '../api/types';
import { AccountSelect } from '../components/AccountSelect';
import { AmountFields } from '../components/AmountFields';
import { Loading } from '../components/Loading';
import { useMoneyForm } from '../components/moneyForm';
import { OpenAuthorisations } from '../components/OpenAuthorisations';
import { ProblemAlert } from '../components/ProblemAlert';
import { ReceiptActions, RefusedReceipt, ReviewActions } from '../components/ReviewActions';
import { accountName, ReceiptSummary, SummaryRow } from '../components/Summary';
import { currencyDigits, formatMoney } from '../format';

/** An authorisation is followed only while a fraud review holds it: PENDING is its resting state. */
const UNDER_REVIEW: ReadonlySet<string> = new Set(['PENDING_REVIEW']);

function draftSchema(accounts: Account[]) {
  const byId = new Map(accounts.map((a) => [a.account_id, a]));
  return z
    .object({
      account_id: z.string().min(1, { error: 'payments.validation.account' }),
      merchant: z.string().trim().min(1, { error: 'payments.validation.merchant' }).max(200, { error: 'payments.validation.merchantLength' }),
      amount: amountSchema,
      description: z.string().max(140).optional(),
    })
    .superRefine((draft, ctx) => {
      const account = byId.get(draft.account_id);
      if (account && hasTooManyDecimals(draft.amount, account.currency)) {
        ctx.addIssue({ code: 'custom', path: ['amount'], message: 'transfer.validation.decimals' });
      }
    });
}
type Draft = z.infer<ReturnType<typeof draftSchema>>;
const EMPTY: Draft = { account_id: '', merchant: '', amount: '', description: '' };

/** Pay a merchant in two steps: authorise now (the funds are held), then capture or void. */
export default function PaymentsPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  const accountsQuery = useAccountsOfUserQuery(me.data?.user_id ?? '', { skip: !me.data });
  const accounts = useMemo(() => (accountsQuery.data?.items ?? []).filter((a) => a.status === 'ACTIVE'), [accountsQuery.data]);
  const schema = useMemo(() => draftSchema(accounts), [accounts]);
  const form = useForm<Draft>({ resolver: zodResolver(schema), defaultValues: EMPTY });
  const [authorise, { isLoading }] = useAuthorisePaymentMutation();
  const flow = useMoneyForm<PaymentRequest>({
    following: UNDER_REVIEW,
    send: (body, idempotencyKey) => authorise({ body, idempotencyKey }).unwrap(),
    onRestart: () => form.reset(EMPTY),
  });

  const account = accounts.find((a) => a.account_id === form.watch('account_id'));
  const errors = form.formState.errors;
  const message = (key: string | undefined) =>
    key ? t(key, { currency: account?.currency ?? '', digits: account ? currencyDigits(account.currency) : 2 }) : ' ';
  const nameOf = (accountId: string | null) => accountName(t, accounts.find((a) => a.account_id === accountId));

  const review = (draft: Draft) => {
    const from = accounts.find((a) => a.account_id === draft.account_id);
    if (!from) return;
    flow.toReview({
      account_id: draft.account_id,
      merchant: draft.merchant.trim(),
      amount: draft.amount.trim(),
      currency: from.currency,
      description: draft.description?.trim() || null,
    });
  };

  const { request, receipt } = flow;
  let body;
  if (me.error || accountsQuery.error) {
    body = <ProblemAlert problem={problemOf(me.error ?? accountsQuery.error)} />;
  } else if (!accountsQuery.data) {
    body = <Loading />;
  } else if (accounts.length === 0) {
    body = <Alert severity="info">{t('payments.needAccount')}</Alert>;
  } else if (flow.stage === 'form') {
    body = (
      <Box component="form" noValidate onSubmit={form.handleSubmit(review)} sx={{ display: 'grid', gap: 2 }}>
        <AccountSelect control={form.control} name="account_id" label={t('payments.account')} accounts={accounts} error={errors.account_id ? message(errors.account_id.message) : null} />
        <TextField label={t('payments.merchant')} required autoComplete="off" error={Boolean(errors.merchant)} helperText={message(errors.merchant?.message)} {...form.register('merchant')} />
        <AmountFields field={form.register('amount')} error={errors.amount ? message(errors.amount.message) : null} currency={account?.currency ?? ''} />
        <TextField label={t('transfer.description')} autoComplete="off" helperText=" " {...form.register('description')} />
        <Box>
          <Button type="submit" variant="contained" size="large">
            {t('payments.continue')}
          </Button>
        </Box>
      </Box>
    );
  } else if (flow.stage === 'review' && request) {
    body = (
      <Box>
        <Typography variant="h5" component="h2" gutterBottom>
          {t('payments.reviewTitle')}
        </Typography>
        <Box component="dl" sx={{ m: 0 }}>
          <SummaryRow label={t('transfer.from')} value={nameOf(request.account_id)} />
          <SummaryRow label={t('payments.merchant')} value={request.merchant} testId="review-merchant" />
          <SummaryRow label={t('transfer.amount')} value={formatMoney(request.amount, request.currency)} testId="review-amount" />
          <SummaryRow label={t('external.fee')} value={formatMoney('0', request.currency)} />
          {request.description && <SummaryRow label={t('transfer.description')} value={request.description} />}
        </Box>
        <Alert severity="info" sx={{ mt: 2 }}>
          {t('payments.holdNote')}
        </Alert>
        <ReviewActions problem={flow.problem} busy={isLoading} confirmLabel={t('payments.confirm')} onConfirm={() => void flow.confirm()} onEdit={flow.edit} />
      </Box>
    );
  } else if (receipt) {
    body = (
      <Box>
        <Typography variant="h5" component="h2" gutterBottom>
          {t('payments.receiptTitle')}
        </Typography>
        {receipt.status === 'FAILED' && (
          <RefusedReceipt title={t('payments.refusedTitle')} failureReason={receipt.failure_reason} />
        )}
        {receipt.status === 'PENDING_REVIEW' && (
          <Alert severity="warning" sx={{ mb: 2 }} data-testid="receipt-held">
            {t('payments.underReview')}
          </Alert>
        )}
        {receipt.status === 'PENDING' && (
          <Alert severity="success" sx={{ mb: 2 }}>
            {t('payments.authorised')}
          </Alert>
        )}
        <ReceiptSummary receipt={receipt}>
          <SummaryRow label={t('payments.merchant')} value={receipt.counterparty ?? ''} />
          <SummaryRow label={t('transfer.from')} value={nameOf(receipt.from_account_id)} />
        </ReceiptSummary>
        <ReceiptActions anotherLabel={t('payments.another')} onAnother={flow.restart} undecided={flow.undecided} />
      </Box>
    );
  }

  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('payments.title')}
      </Typography>
      <Paper sx={{ p: { xs: 2, sm: 3 }, mb: 3 }}>{body}</Paper>
      <OpenAuthorisations accounts={accounts} />
    </>
  );
}
