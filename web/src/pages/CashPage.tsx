import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import Paper from '@mui/material/Paper';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMemo } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { z } from 'zod';
import { amountSchema, hasTooManyDecimals } from '../amounts';
import { useAccountsOfUserQuery, useMeQuery } from '../api/api';
import { problemOf } from '../api/errors';
import { useCashMutation, type CashKind, type CashRequest } from '../api/movements';
import type { Account } from '../api/types';
import { AccountSelect } from '../components/AccountSelect';
import { AmountFields } from '../components/AmountFields';
import { Loading } from '../components/Loading';
import { useMoneyForm } from '../components/moneyForm';
import { ProblemAlert } from '../components/ProblemAlert';
import { ReceiptActions, RefusedReceipt, ReviewActions } from '../components/ReviewActions';
import { accountName, ReceiptSummary, SummaryRow } from '../components/Summary';
import { currencyDigits, formatMoney } from '../format';

const KINDS: readonly CashKind[] = ['deposit', 'withdrawal'];
/** A deposit or withdrawal is followed only while a fraud review holds it. */
const UNDER_REVIEW: ReadonlySet<string> = new Set(['PENDING_REVIEW']);

function draftSchema(accounts: Account[]) {
  const byId = new Map(accounts.map((a) => [a.account_id, a]));
  return z
    .object({
      kind: z.enum(['deposit', 'withdrawal']),
      account_id: z.string().min(1, { error: 'cash.validation.account' }),
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
type Reviewed = { kind: CashKind; body: CashRequest };

function kindFrom(value: string | null): CashKind {
  return value === 'withdrawal' ? 'withdrawal' : 'deposit';
}

/** Cash in and out through the bank's settlement account: a deposit at a teller or from a card,
 * or a cash withdrawal (which the daily limit and the available balance bound). */
export default function CashPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const me = useMeQuery();
  const accountsQuery = useAccountsOfUserQuery(me.data?.user_id ?? '', { skip: !me.data });
  const accounts = useMemo(() => (accountsQuery.data?.items ?? []).filter((a) => a.status === 'ACTIVE'), [accountsQuery.data]);
  const schema = useMemo(() => draftSchema(accounts), [accounts]);
  const empty: Draft = { kind: kindFrom(params.get('kind')), account_id: params.get('account') ?? '', amount: '', description: '' };
  const form = useForm<Draft>({ resolver: zodResolver(schema), defaultValues: empty });
  const [move, { isLoading }] = useCashMutation();
  const flow = useMoneyForm<Reviewed>({
    following: UNDER_REVIEW,
    send: ({ kind, body }, idempotencyKey) => move({ kind, body, idempotencyKey }).unwrap(),
    onRestart: () => form.reset({ ...empty, kind: form.getValues('kind') }),
  });

  const account = accounts.find((a) => a.account_id === form.watch('account_id'));
  const errors = form.formState.errors;
  const message = (key: string | undefined) =>
    key ? t(key, { currency: account?.currency ?? '', digits: account ? currencyDigits(account.currency) : 2 }) : ' ';
  const nameOf = (accountId: string | null) => accountName(t, accounts.find((a) => a.account_id === accountId));

  const review = (draft: Draft) => {
    const chosen = accounts.find((a) => a.account_id === draft.account_id);
    if (!chosen) return;
    flow.toReview({
      kind: draft.kind,
      body: { account_id: chosen.account_id, amount: draft.amount.trim(), currency: chosen.currency, description: draft.description?.trim() || null },
    });
  };

  const { request, receipt } = flow;
  let body;
  if (me.error || accountsQuery.error) {
    body = <ProblemAlert problem={problemOf(me.error ?? accountsQuery.error)} />;
  } else if (!accountsQuery.data) {
    body = <Loading />;
  } else if (accounts.length === 0) {
    body = <Alert severity="info">{t('cash.needAccount')}</Alert>;
  } else if (flow.stage === 'form') {
    const kind = form.watch('kind');
    body = (
      <Box component="form" noValidate onSubmit={form.handleSubmit(review)} sx={{ display: 'grid', gap: 2 }}>
        <Controller
          control={form.control}
          name="kind"
          render={({ field }) => (
            <FormControl>
              <FormLabel id="cash-kind">{t('cash.kind')}</FormLabel>
              <RadioGroup row aria-labelledby="cash-kind" {...field}>
                {KINDS.map((k) => (
                  <FormControlLabel key={k} value={k} control={<Radio />} label={t(`cash.kind_${k}`)} />
                ))}
              </RadioGroup>
            </FormControl>
          )}
        />
        <AccountSelect control={form.control} name="account_id" label={t(`cash.account_${kind}`)} accounts={accounts} error={errors.account_id ? message(errors.account_id.message) : null} />
        <AmountFields field={form.register('amount')} error={errors.amount ? message(errors.amount.message) : null} currency={account?.currency ?? ''} />
        <TextField label={t('transfer.description')} autoComplete="off" helperText=" " {...form.register('description')} />
        <Box>
          <Button type="submit" variant="contained" size="large">
            {t('cash.continue')}
          </Button>
        </Box>
      </Box>
    );
  } else if (flow.stage === 'review' && request) {
    body = (
      <Box>
        <Typography variant="h5" component="h2" gutterBottom>
          {t(`cash.reviewTitle_${request.kind}`)}
        </Typography>
        <Box component="dl" sx={{ m: 0 }}>
          <SummaryRow label={t(`cash.account_${request.kind}`)} value={nameOf(request.body.account_id)} testId="review-account" />
          <SummaryRow label={t('transfer.amount')} value={formatMoney(request.body.amount, request.body.currency)} testId="review-amount" />
          <SummaryRow label={t('external.fee')} value={formatMoney('0', request.body.currency)} />
          {request.body.description && <SummaryRow label={t('transfer.description')} value={request.body.description} />}
        </Box>
        <Alert severity="info" sx={{ mt: 2 }}>
          {t(`cash.note_${request.kind}`)}
        </Alert>
        <ReviewActions problem={flow.problem} busy={isLoading} confirmLabel={t(`cash.confirm_${request.kind}`)} onConfirm={() => void flow.confirm()} onEdit={flow.edit} />
      </Box>
    );
  } else if (receipt && request) {
    const accountId = request.kind === 'deposit' ? receipt.to_account_id : receipt.from_account_id;
    body = (
      <Box>
        <Typography variant="h5" component="h2" gutterBottom>
          {t(`cash.receiptTitle_${request.kind}`)}
        </Typography>
        {receipt.status === 'FAILED' && (
          <RefusedReceipt title={t('cash.refusedTitle')} failureReason={receipt.failure_reason} />
        )}
        {receipt.status === 'PENDING_REVIEW' && (
          <Alert severity="warning" sx={{ mb: 2 }} data-testid="receipt-held">
            {t('cash.underReview')}
          </Alert>
        )}
        <ReceiptSummary receipt={receipt}>
          <SummaryRow label={t(`cash.account_${request.kind}`)} value={nameOf(accountId)} />
        </ReceiptSummary>
        <ReceiptActions anotherLabel={t('cash.another')} onAnother={flow.restart} undecided={flow.undecided} />
      </Box>
    );
  }

  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('cash.title')}
      </Typography>
      <Paper sx={{ p: { xs: 2, sm: 3 } }}>{body}</Paper>
    </>
  );
}
