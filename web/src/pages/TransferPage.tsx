import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Step from '@mui/material/Step';
import StepLabel from '@mui/material/StepLabel';
import Stepper from '@mui/material/Stepper';
import TextField from '@mui/material/TextField';
import MenuItem from '@mui/material/MenuItem';
import Typography from '@mui/material/Typography';
import { useMemo, useRef, useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { z } from 'zod';
import { useAccountsOfUserQuery, useMeQuery, useTransferMutation } from '../api/api';
import { isRetryable, problemOf, type ApiProblem } from '../api/errors';
import { SubmissionKey } from '../api/idempotency';
import type { Account, Transaction, TransferRequest } from '../api/types';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { currencyDigits, formatDateTime, formatMoney } from '../format';

type Stage = 'form' | 'review' | 'receipt';
const STAGES: Stage[] = ['form', 'review', 'receipt'];

function draftSchema(accounts: Account[]) {
  const byId = new Map(accounts.map((a) => [a.account_id, a]));
  return z
    .object({
      from_account_id: z.string().min(1, { error: 'transfer.validation.from' }),
      to_account_id: z.string().min(1, { error: 'transfer.validation.to' }),
      amount: z
        .string()
        .trim()
        .regex(/^\d+(\.\d+)?$/, { error: 'transfer.validation.amount' })
        .refine((value) => /[1-9]/.test(value), { error: 'transfer.validation.amount' }),
      description: z.string().max(140).optional(),
    })
    .superRefine((draft, ctx) => {
      const from = byId.get(draft.from_account_id);
      const to = byId.get(draft.to_account_id);
      if (draft.from_account_id && draft.from_account_id === draft.to_account_id) {
        ctx.addIssue({ code: 'custom', path: ['to_account_id'], message: 'transfer.validation.same' });
      } else if (from && to && from.currency !== to.currency) {
        ctx.addIssue({ code: 'custom', path: ['to_account_id'], message: 'transfer.validation.currency' });
      }
      const decimals = draft.amount.split('.')[1]?.length ?? 0;
      if (from && decimals > currencyDigits(from.currency)) {
        ctx.addIssue({ code: 'custom', path: ['amount'], message: 'transfer.validation.decimals' });
      }
    });
}
type Draft = z.infer<ReturnType<typeof draftSchema>>;

function accountName(t: (key: string, options?: Record<string, unknown>) => string, account: Account | undefined): string {
  if (!account) return '';
  const type = t(`dashboard.type.${account.account_type}`, { defaultValue: account.account_type });
  return `${t('dashboard.accountLabel', { type, number: account.number })} · ${formatMoney(account.available_balance, account.currency)}`;
}

function Row({ label, value, testId }: { label: string; value: string; testId?: string }) {
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

export default function TransferPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  const accountsQuery = useAccountsOfUserQuery(me.data?.user_id ?? '', { skip: !me.data });
  const accounts = useMemo(() => (accountsQuery.data?.items ?? []).filter((a) => a.status !== 'CLOSED'), [accountsQuery.data]);
  const schema = useMemo(() => draftSchema(accounts), [accounts]);
  const form = useForm<Draft>({
    resolver: zodResolver(schema),
    defaultValues: { from_account_id: '', to_account_id: '', amount: '', description: '' },
  });
  const [stage, setStage] = useState<Stage>('form');
  const [request, setRequest] = useState<TransferRequest | null>(null);
  const [receipt, setReceipt] = useState<Transaction | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const submission = useRef(new SubmissionKey());
  const [transfer, { isLoading }] = useTransferMutation();

  const fromId = form.watch('from_account_id');
  const fromAccount = accounts.find((a) => a.account_id === fromId);

  const review = (draft: Draft) => {
    const from = accounts.find((a) => a.account_id === draft.from_account_id);
    if (!from) return;
    setProblem(null);
    setRequest({
      from_account_id: draft.from_account_id,
      to_account_id: draft.to_account_id,
      amount: draft.amount.trim(),
      currency: from.currency,
      description: draft.description?.trim() || null,
    });
    setStage('review');
  };

  const confirm = async () => {
    if (!request) return;
    setProblem(null);
    // The key of this submission: the same on a retry, a new one for other content.
    const idempotencyKey = submission.current.forSubmit(request);
    try {
      const done = await transfer({ body: request, idempotencyKey }).unwrap();
      submission.current.settled();
      setReceipt(done);
      setStage('receipt');
    } catch (error) {
      const found = problemOf(error);
      if (!isRetryable(found)) submission.current.settled();
      setProblem(found);
    }
  };

  const restart = () => {
    form.reset({ from_account_id: '', to_account_id: '', amount: '', description: '' });
    setRequest(null);
    setReceipt(null);
    setProblem(null);
    setStage('form');
  };

  const errors = form.formState.errors;
  const message = (key: string | undefined) =>
    key ? t(key, { currency: fromAccount?.currency ?? '', digits: fromAccount ? currencyDigits(fromAccount.currency) : 2 }) : ' ';

  let body;
  if (me.error || accountsQuery.error) {
    body = <ProblemAlert problem={problemOf(me.error ?? accountsQuery.error)} />;
  } else if (!accountsQuery.data) {
    body = <Loading />;
  } else if (accounts.length < 2) {
    body = <Alert severity="info">{t('transfer.needTwoAccounts')}</Alert>;
  } else if (stage === 'form') {
    body = (
      <Box component="form" noValidate onSubmit={form.handleSubmit(review)} sx={{ display: 'grid', gap: 2 }}>
        <Controller
          control={form.control}
          name="from_account_id"
          render={({ field }) => (
            <TextField select label={t('transfer.from')} required {...field} error={Boolean(errors.from_account_id)} helperText={message(errors.from_account_id?.message)}>
              {accounts.map((a) => (
                <MenuItem key={a.account_id} value={a.account_id}>
                  {accountName(t, a)}
                </MenuItem>
              ))}
            </TextField>
          )}
        />
        <Controller
          control={form.control}
          name="to_account_id"
          render={({ field }) => (
            <TextField select label={t('transfer.to')} required {...field} error={Boolean(errors.to_account_id)} helperText={message(errors.to_account_id?.message)}>
              {accounts.map((a) => (
                <MenuItem key={a.account_id} value={a.account_id}>
                  {accountName(t, a)}
                </MenuItem>
              ))}
            </TextField>
          )}
        />
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '2fr 1fr' }, gap: 2 }}>
          <TextField
            label={t('transfer.amount')}
            required
            autoComplete="off"
            slotProps={{ htmlInput: { inputMode: 'decimal' } }}
            error={Boolean(errors.amount)}
            helperText={message(errors.amount?.message)}
            {...form.register('amount')}
          />
          <TextField label={t('transfer.currency')} value={fromAccount?.currency ?? ''} slotProps={{ htmlInput: { readOnly: true } }} helperText=" " />
        </Box>
        <TextField label={t('transfer.description')} autoComplete="off" helperText=" " {...form.register('description')} />
        <Box>
          <Button type="submit" variant="contained" size="large">
            {t('transfer.continue')}
          </Button>
        </Box>
      </Box>
    );
  } else if (stage === 'review' && request) {
    const from = accounts.find((a) => a.account_id === request.from_account_id);
    const to = accounts.find((a) => a.account_id === request.to_account_id);
    body = (
      <Box>
        <Typography variant="h5" component="h2" gutterBottom>
          {t('transfer.reviewTitle')}
        </Typography>
        <Box component="dl" sx={{ m: 0 }}>
          <Row label={t('transfer.from')} value={accountName(t, from)} />
          <Row label={t('transfer.to')} value={accountName(t, to)} />
          <Row label={t('transfer.amount')} value={formatMoney(request.amount, request.currency)} testId="review-amount" />
          <Row label={t('transfer.currency')} value={request.currency} />
          {request.description && <Row label={t('transfer.description')} value={request.description} />}
        </Box>
        {problem && (
          <Box sx={{ my: 2 }}>
            <ProblemAlert problem={problem} />
          </Box>
        )}
        <Box sx={{ display: 'flex', gap: 2, mt: 2, flexWrap: 'wrap' }}>
          <Button variant="contained" size="large" onClick={() => void confirm()} disabled={isLoading}>
            {problem && isRetryable(problem) ? t('transfer.retry') : t('transfer.confirm')}
          </Button>
          <Button size="large" onClick={() => setStage('form')} disabled={isLoading}>
            {t('transfer.edit')}
          </Button>
        </Box>
      </Box>
    );
  } else if (receipt) {
    const refused = receipt.status === 'FAILED';
    body = (
      <Box>
        <Typography variant="h5" component="h2" gutterBottom>
          {t('transfer.receiptTitle')}
        </Typography>
        {refused && (
          <Box sx={{ mb: 2 }}>
            <ProblemAlert
              title={t('transfer.refusedTitle')}
              problem={{ status: 201, code: receipt.failure_reason ?? 'generic', message: null, requestId: null }}
            />
          </Box>
        )}
        <Box component="dl" sx={{ m: 0 }}>
          <Row label={t('transfer.status')} value={t(`transaction.status.${receipt.status}`, { defaultValue: receipt.status })} testId="receipt-status" />
          <Row label={t('transfer.reference')} value={receipt.transaction_id} testId="receipt-reference" />
          <Row label={t('transfer.amount')} value={formatMoney(receipt.amount, receipt.currency)} />
          <Row label={t('transfer.from')} value={accountName(t, accounts.find((a) => a.account_id === receipt.from_account_id))} />
          <Row label={t('transfer.to')} value={accountName(t, accounts.find((a) => a.account_id === receipt.to_account_id))} />
          <Row label={t('transfer.date')} value={formatDateTime(receipt.created_at)} />
        </Box>
        <Box sx={{ display: 'flex', gap: 2, mt: 2, flexWrap: 'wrap' }}>
          <Button variant="contained" component={Link} to="/">
            {t('transfer.toDashboard')}
          </Button>
          <Button onClick={restart}>{t('transfer.another')}</Button>
        </Box>
      </Box>
    );
  }

  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('transfer.title')}
      </Typography>
      <Stepper activeStep={STAGES.indexOf(stage)} alternativeLabel sx={{ mb: 3 }}>
        {STAGES.map((s) => (
          <Step key={s}>
            <StepLabel>{t(`transfer.steps.${s}`)}</StepLabel>
          </Step>
        ))}
      </Stepper>
      <Paper sx={{ p: { xs: 2, sm: 3 } }}>{body}</Paper>
    </>
  );
}
