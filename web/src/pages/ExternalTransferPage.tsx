import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMemo } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { useAccountsOfUserQuery, useMeQuery } from '../api/api';
import { problemOf } from '../api/errors';
import { useExternalMutation, type ExternalRequest } from '../api/movements';
import type { Account } from '../api/types';
import { AccountSelect } from '../components/AccountSelect';
import { AmountFields } from '../components/AmountFields';
import { Loading } from '../components/Loading';
import { useMoneyForm } from '../components/moneyForm';
import { ProblemAlert } from '../components/ProblemAlert';
import { ReceiptActions, RefusedReceipt, ReviewActions } from '../components/ReviewActions';
import { accountName, ReceiptSummary, SummaryRow } from '../components/Summary';
import { currencyDigits, formatMoney } from '../format';
import { isRoutingNumber } from '../routing';
import { amountSchema, hasTooManyDecimals } from '../amounts';

/** A transfer to or from another bank is followed only while a fraud review holds it. */
const UNDER_REVIEW: ReadonlySet<string> = new Set(['PENDING_REVIEW']);

function draftSchema(accounts: Account[]) {
  const byId = new Map(accounts.map((a) => [a.account_id, a]));
  return z
    .object({
      direction: z.enum(['OUT', 'IN']),
      rail: z.enum(['ACH', 'WIRE']),
      account_id: z.string().min(1, { error: 'external.validation.account' }),
      amount: amountSchema,
      name: z.string().trim().min(1, { error: 'external.validation.name' }).max(200),
      routing_number: z
        .string()
        .trim()
        .refine(isRoutingNumber, { error: 'external.validation.routing' }),
      account_number: z
        .string()
        .trim()
        .regex(/^\d{4,17}$/, { error: 'external.validation.accountNumber' }),
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
const EMPTY: Draft = { direction: 'OUT', rail: 'ACH', account_id: '', amount: '', name: '', routing_number: '', account_number: '', description: '' };

/** Money to or from an account at another bank, by ACH or wire: form → review → receipt. */
export default function ExternalTransferPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  const accountsQuery = useAccountsOfUserQuery(me.data?.user_id ?? '', { skip: !me.data });
  const accounts = useMemo(() => (accountsQuery.data?.items ?? []).filter((a) => a.status === 'ACTIVE'), [accountsQuery.data]);
  const schema = useMemo(() => draftSchema(accounts), [accounts]);
  const form = useForm<Draft>({ resolver: zodResolver(schema), defaultValues: EMPTY });
  const [send, { isLoading }] = useExternalMutation();
  const flow = useMoneyForm<ExternalRequest>({
    following: UNDER_REVIEW,
    send: (body, idempotencyKey) => send({ body, idempotencyKey }).unwrap(),
    onRestart: () => form.reset(EMPTY),
  });

  const account = accounts.find((a) => a.account_id === form.watch('account_id'));
  const errors = form.formState.errors;
  const message = (key: string | undefined) =>
    key ? t(key, { currency: account?.currency ?? '', digits: account ? currencyDigits(account.currency) : 2 }) : ' ';

  const review = (draft: Draft) => {
    const from = accounts.find((a) => a.account_id === draft.account_id);
    if (!from) return;
    flow.toReview({
      direction: draft.direction,
      rail: draft.rail,
      account_id: draft.account_id,
      amount: draft.amount.trim(),
      currency: from.currency,
      counterparty: { name: draft.name.trim(), routing_number: draft.routing_number.trim(), account_number: draft.account_number.trim() },
      description: draft.description?.trim() || null,
    });
  };

  const { request, receipt } = flow;
  const summary = (r: ExternalRequest) => {
    const own = accountName(t, accounts.find((a) => a.account_id === r.account_id));
    const other = t('external.counterpartyLine', { name: r.counterparty.name, routing: r.counterparty.routing_number, number: r.counterparty.account_number });
    return r.direction === 'OUT' ? { from: own, to: other } : { from: other, to: own };
  };

  let body;
  if (me.error || accountsQuery.error) {
    body = <ProblemAlert problem={problemOf(me.error ?? accountsQuery.error)} />;
  } else if (!accountsQuery.data) {
    body = <Loading />;
  } else if (accounts.length === 0) {
    body = <Alert severity="info">{t('external.needAccount')}</Alert>;
  } else if (flow.stage === 'form') {
    body = (
      <Box component="form" noValidate onSubmit={form.handleSubmit(review)} sx={{ display: 'grid', gap: 2 }}>
        <Controller
          control={form.control}
          name="direction"
          render={({ field }) => (
            <Box component="fieldset" sx={{ border: 0, p: 0, m: 0 }}>
              <FormLabel component="legend">{t('external.direction')}</FormLabel>
              <RadioGroup row {...field}>
                <FormControlLabel value="OUT" control={<Radio />} label={t('external.directionOut')} />
                <FormControlLabel value="IN" control={<Radio />} label={t('external.directionIn')} />
              </RadioGroup>
            </Box>
          )}
        />
        <Controller
          control={form.control}
          name="rail"
          render={({ field }) => (
            <TextField select label={t('external.rail')} {...field} helperText={t(`external.railHelp.${field.value}`)}>
              <MenuItem value="ACH">{t('external.railName.ACH')}</MenuItem>
              <MenuItem value="WIRE">{t('external.railName.WIRE')}</MenuItem>
            </TextField>
          )}
        />
        <AccountSelect control={form.control} name="account_id" label={t('external.account')} accounts={accounts} error={errors.account_id ? message(errors.account_id.message) : null} />
        <TextField label={t('external.name')} required autoComplete="off" error={Boolean(errors.name)} helperText={message(errors.name?.message)} {...form.register('name')} />
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' }, gap: 2 }}>
          <TextField
            label={t('external.routing')}
            required
            autoComplete="off"
            slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 9 } }}
            error={Boolean(errors.routing_number)}
            helperText={errors.routing_number ? message(errors.routing_number.message) : t('external.routingHelp')}
            {...form.register('routing_number')}
          />
          <TextField
            label={t('external.accountNumber')}
            required
            autoComplete="off"
            slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 17 } }}
            error={Boolean(errors.account_number)}
            helperText={message(errors.account_number?.message)}
            {...form.register('account_number')}
          />
        </Box>
        <AmountFields field={form.register('amount')} error={errors.amount ? message(errors.amount.message) : null} currency={account?.currency ?? ''} />
        <TextField label={t('transfer.description')} autoComplete="off" helperText=" " {...form.register('description')} />
        <Box>
          <Button type="submit" variant="contained" size="large">
            {t('transfer.continue')}
          </Button>
        </Box>
      </Box>
    );
  } else if (flow.stage === 'review' && request) {
    const { from, to } = summary(request);
    body = (
      <Box>
        <Typography variant="h5" component="h2" gutterBottom>
          {t('external.reviewTitle')}
        </Typography>
        <Box component="dl" sx={{ m: 0 }}>
          <SummaryRow label={t('transfer.from')} value={from} />
          <SummaryRow label={t('transfer.to')} value={to} />
          <SummaryRow label={t('external.rail')} value={t(`external.railName.${request.rail}`)} />
          <SummaryRow label={t('transfer.amount')} value={formatMoney(request.amount, request.currency)} testId="review-amount" />
          <SummaryRow label={t('external.fee')} value={formatMoney('0', request.currency)} />
          <SummaryRow label={t('external.when')} value={t(`external.railHelp.${request.rail}`)} />
          {request.description && <SummaryRow label={t('transfer.description')} value={request.description} />}
        </Box>
        <ReviewActions problem={flow.problem} busy={isLoading} confirmLabel={t('external.confirm')} onConfirm={() => void flow.confirm()} onEdit={flow.edit} />
      </Box>
    );
  } else if (receipt && request) {
    const { from, to } = summary(request);
    body = (
      <Box>
        <Typography variant="h5" component="h2" gutterBottom>
          {t('transfer.receiptTitle')}
        </Typography>
        {receipt.status === 'FAILED' ? (
          <RefusedReceipt title={t('transfer.refusedTitle')} failureReason={receipt.failure_reason} />
        ) : receipt.status === 'PENDING_REVIEW' ? (
          <Alert severity="warning" sx={{ mb: 2 }} data-testid="receipt-held">
            {t('transaction.heldForReview')}
          </Alert>
        ) : (
          <Alert severity="info" sx={{ mb: 2 }}>
            {t('external.pendingNote')}
          </Alert>
        )}
        <ReceiptSummary receipt={receipt}>
          <SummaryRow label={t('transfer.from')} value={from} />
          <SummaryRow label={t('transfer.to')} value={to} />
        </ReceiptSummary>
        <ReceiptActions anotherLabel={t('transfer.another')} onAnother={flow.restart} undecided={flow.undecided} />
      </Box>
    );
  }

  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('external.title')}
      </Typography>
      <Paper sx={{ p: { xs: 2, sm: 3 } }}>{body}</Paper>
    </>
  );
}
