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
import Checkbox from '@mui/material/Checkbox';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import { useMemo, useRef, useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { z } from 'zod';
import { useAccountsOfUserQuery, useMeQuery, useTransferMutation } from '../api/api';
import { problemOf, type ApiProblem } from '../api/errors';
import { SubmissionKey } from '../api/idempotency';
import {
  groupedNumber,
  useAddPayeeMutation,
  usePayeesQuery,
  type AccountLookup,
  type Payee,
} from '../api/money';
import { RecipientLookup } from '../components/RecipientLookup';
import type { Account, TransferRequest } from '../api/types';
import { useMoneyForm, type MoneyStage } from '../components/moneyForm';
import { AccountSelect } from '../components/AccountSelect';
import { AmountFields } from '../components/AmountFields';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { ReceiptActions, RefusedReceipt, ReviewActions } from '../components/ReviewActions';
import { currencyDigits, formatMoney } from '../format';
import { accountName, ReceiptSummary, SummaryRow } from '../components/Summary';
import { amountSchema, hasTooManyDecimals } from '../amounts';

const STAGES: readonly MoneyStage[] = ['form', 'review', 'receipt'];
/** Whom the money goes to: another of the customer's accounts, someone else by number, a saved payee. */
type Mode = 'own' | 'other' | 'payee';
const MODES: Mode[] = ['own', 'other', 'payee'];
/** A transfer not decided yet: its receipt follows it until it is. */
const UNDECIDED = new Set(['PENDING', 'PROCESSING', 'PENDING_REVIEW']);

function draftSchema(accounts: Account[], payees: Payee[], recipient: AccountLookup | null) {
  const byId = new Map(accounts.map((a) => [a.account_id, a]));
  return z
    .object({
      mode: z.enum(MODES),
      from_account_id: z.string().min(1, { error: 'transfer.validation.from' }),
      to_account_id: z.string(),
      recipient_number: z.string(),
      payee_id: z.string(),
      amount: amountSchema,
      description: z.string().max(140).optional(),
    })
    .superRefine((draft, ctx) => {
      const from = byId.get(draft.from_account_id);
      if (draft.mode === 'own') {
        const to = byId.get(draft.to_account_id);
        if (!draft.to_account_id) {
          ctx.addIssue({ code: 'custom', path: ['to_account_id'], message: 'transfer.validation.to' });
        } else if (draft.from_account_id && draft.from_account_id === draft.to_account_id) {
          ctx.addIssue({ code: 'custom', path: ['to_account_id'], message: 'transfer.validation.same' });
        } else if (from && to && from.currency !== to.currency) {
          ctx.addIssue({ code: 'custom', path: ['to_account_id'], message: 'transfer.validation.currency' });
        }
      } else if (draft.mode === 'other') {
        if (!recipient || recipient.number !== draft.recipient_number) {
          ctx.addIssue({ code: 'custom', path: ['recipient_number'], message: 'sendTo.validation.confirm' });
        } else if (from && from.currency !== recipient.currency) {
          ctx.addIssue({ code: 'custom', path: ['recipient_number'], message: 'sendTo.validation.currency' });
        }
      } else {
        const payee = payees.find((p) => p.payee_id === draft.payee_id);
        if (!payee) {
          ctx.addIssue({ code: 'custom', path: ['payee_id'], message: 'sendTo.validation.payee' });
        } else if (from && from.currency !== payee.currency) {
          ctx.addIssue({ code: 'custom', path: ['payee_id'], message: 'sendTo.validation.currency' });
        }
      }
      if (from && hasTooManyDecimals(draft.amount, from.currency)) {
        ctx.addIssue({ code: 'custom', path: ['amount'], message: 'transfer.validation.decimals' });
      }
    });
}
type Draft = z.infer<ReturnType<typeof draftSchema>>;

export default function TransferPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  const accountsQuery = useAccountsOfUserQuery(me.data?.user_id ?? '', { skip: !me.data });
  const accounts = useMemo(() => (accountsQuery.data?.items ?? []).filter((a) => a.status !== 'CLOSED'), [accountsQuery.data]);
  const [params] = useSearchParams();
  const payeesQuery = usePayeesQuery();
  const payees = useMemo(() => payeesQuery.data?.items ?? [], [payeesQuery.data]);
  const [recipient, setRecipient] = useState<AccountLookup | null>(null);
  const schema = useMemo(() => draftSchema(accounts, payees, recipient), [accounts, payees, recipient]);
  const blank = (): Draft => ({
    mode: params.get('payee') ? 'payee' : params.get('to') === 'someone' ? 'other' : 'own',
    from_account_id: '',
    to_account_id: '',
    recipient_number: '',
    payee_id: params.get('payee') ?? '',
    amount: '',
    description: '',
  });
  const form = useForm<Draft>({ resolver: zodResolver(schema), defaultValues: blank() });
  const mode = form.watch('mode');
  const [savePayee, setSavePayee] = useState(false);
  const [nickname, setNickname] = useState('');
  /** whom the review and the receipt name, when it is not one of the customer's own accounts */
  const [payeeShown, setPayeeShown] = useState<string | null>(null);
  const [payeeOutcome, setPayeeOutcome] = useState<{ saved: Payee } | { problem: ApiProblem } | null>(null);
  const payeeSubmission = useRef(new SubmissionKey());
  const [addPayee] = useAddPayeeMutation();
  const [transfer, { isLoading }] = useTransferMutation();
  // A transfer held for review (or not settled yet) is followed until it is decided.
  const flow = useMoneyForm<TransferRequest>({
    following: UNDECIDED,
    send: (body, idempotencyKey) => transfer({ body, idempotencyKey }).unwrap(),
    onDone: () => {
      if (mode === 'other' && savePayee) void saveAsPayee();
    },
    onRestart: () => {
      form.reset({ ...blank(), mode });
      setRecipient(null);
      setSavePayee(false);
      setNickname('');
      setPayeeShown(null);
      setPayeeOutcome(null);
    },
  });

  const fromId = form.watch('from_account_id');
  const fromAccount = accounts.find((a) => a.account_id === fromId);


  const review = (draft: Draft) => {
    const from = accounts.find((a) => a.account_id === draft.from_account_id);
    if (!from) return;
    const common = { from_account_id: draft.from_account_id, amount: draft.amount.trim(), currency: from.currency, description: draft.description?.trim() || null };
    if (draft.mode === 'own') {
      setPayeeShown(null);
      flow.toReview({ ...common, to_account_id: draft.to_account_id });
    } else {
      const payee = payees.find((p) => p.payee_id === draft.payee_id);
      const to = draft.mode === 'payee' && payee ? { name: payee.holder_name, number: payee.account_number } : { name: recipient?.holder_name ?? '', number: draft.recipient_number };
      const shown = t('sendTo.recipient', { name: to.name, number: groupedNumber(to.number) });
      setPayeeShown(draft.mode === 'payee' && payee ? `${payee.nickname} (${shown})` : shown);
      flow.toReview({ ...common, to_account_number: to.number });
    }
  };

  const saveAsPayee = async () => {
    if (!recipient) return;
    const body = { nickname: nickname.trim() || recipient.holder_name, account_number: recipient.number };
    try {
      const saved = await addPayee({ body, idempotencyKey: payeeSubmission.current.forSubmit(body) }).unwrap();
      payeeSubmission.current.settled();
      setPayeeOutcome({ saved });
    } catch (error) {
      payeeSubmission.current.settled();
      setPayeeOutcome({ problem: problemOf(error) });
    }
  };

  const { stage, request, receipt, undecided } = flow;

  const errors = form.formState.errors;
  const payeeChosen = payees.find((p) => p.payee_id === form.watch('payee_id'));
  const message = (key: string | undefined) => {
    if (!key) return ' ';
    // the recipient's currency for the recipient's messages, the paying account's otherwise
    const theirs = key.startsWith('sendTo.') ? (mode === 'payee' ? payeeChosen?.currency : recipient?.currency) : undefined;
    return t(key, { currency: theirs ?? fromAccount?.currency ?? '', digits: fromAccount ? currencyDigits(fromAccount.currency) : 2 });
  };

  let body;
  if (me.error || accountsQuery.error) {
    body = <ProblemAlert problem={problemOf(me.error ?? accountsQuery.error)} />;
  } else if (!accountsQuery.data) {
    body = <Loading />;
  } else if (accounts.length === 0) {
    body = <Alert severity="info">{t('dashboard.empty')}</Alert>;
  } else if (stage === 'form') {
    body = (
      <Box component="form" noValidate onSubmit={form.handleSubmit(review)} sx={{ display: 'grid', gap: 2 }}>
        <Controller
          control={form.control}
          name="mode"
          render={({ field }) => (
            <FormControl component="fieldset">
              <FormLabel component="legend">{t('sendTo.mode.label')}</FormLabel>
              <RadioGroup row {...field} onChange={(event) => { field.onChange(event.target.value as Mode); form.clearErrors(); }}>
                {MODES.map((m) => (
                  <FormControlLabel key={m} value={m} control={<Radio />} label={t(`sendTo.mode.${m}`)} />
                ))}
              </RadioGroup>
            </FormControl>
          )}
        />
        <AccountSelect control={form.control} name="from_account_id" label={t('transfer.from')} accounts={accounts} error={errors.from_account_id ? message(errors.from_account_id.message) : null} />
        {mode === 'own' &&
          (accounts.length < 2 ? (
            <Alert severity="info">{t('transfer.needTwoAccounts')}</Alert>
          ) : (
            <AccountSelect control={form.control} name="to_account_id" label={t('transfer.to')} accounts={accounts} error={errors.to_account_id ? message(errors.to_account_id.message) : null} />
          ))}
        {mode === 'other' && (
          <>
            <RecipientLookup
              confirmed={recipient}
              onConfirmed={(found) => {
                setRecipient(found);
                form.setValue('recipient_number', found?.number ?? '');
                if (found) form.clearErrors('recipient_number');
              }}
              ownNumbers={accounts.map((a) => a.number)}
              error={errors.recipient_number?.message ? message(errors.recipient_number.message) : undefined}
            />
            {recipient && (
              <Box sx={{ display: 'grid', gap: 1 }}>
                <FormControlLabel
                  control={<Checkbox checked={savePayee} onChange={(event) => setSavePayee(event.target.checked)} />}
                  label={t('sendTo.savePayee')}
                />
                {savePayee && (
                  <TextField
                    label={t('payees.nickname')}
                    value={nickname}
                    onChange={(event) => setNickname(event.target.value)}
                    autoComplete="off"
                    helperText={t('payees.nicknameHelp')}
                    slotProps={{ htmlInput: { maxLength: 64 } }}
                  />
                )}
              </Box>
            )}
          </>
        )}
        {mode === 'payee' &&
          (payeesQuery.data && payees.length === 0 ? (
            <Alert severity="info" action={<Button color="inherit" size="small" component={Link} to="/payees">{t('payees.add')}</Button>}>
              {t('payees.none')}
            </Alert>
          ) : (
            <Controller
              control={form.control}
              name="payee_id"
              render={({ field }) => (
                <TextField select label={t('sendTo.payee')} required {...field} error={Boolean(errors.payee_id)} helperText={message(errors.payee_id?.message)}>
                  {payees.map((p) => (
                    <MenuItem key={p.payee_id} value={p.payee_id}>
                      {`${p.nickname} · ${t('sendTo.recipient', { name: p.holder_name, number: groupedNumber(p.account_number) })}`}
                    </MenuItem>
                  ))}
                </TextField>
              )}
            />
          ))}
        <AmountFields field={form.register('amount')} error={errors.amount ? message(errors.amount.message) : null} currency={fromAccount?.currency ?? ''} />
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
          <SummaryRow label={t('transfer.from')} value={accountName(t, from)} />
          {payeeShown ? (
            <SummaryRow label={t('sendTo.to')} value={payeeShown} testId="review-to" />
          ) : (
            <SummaryRow label={t('transfer.to')} value={accountName(t, to)} testId="review-to" />
          )}
          <SummaryRow label={t('transfer.amount')} value={formatMoney(request.amount, request.currency)} testId="review-amount" />
          <SummaryRow label={t('transfer.currency')} value={request.currency} />
          {request.description && <SummaryRow label={t('transfer.description')} value={request.description} />}
        </Box>
        <ReviewActions problem={flow.problem} busy={isLoading} confirmLabel={t('transfer.confirm')} onConfirm={() => void flow.confirm()} onEdit={flow.edit} />
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
          <RefusedReceipt title={t('transfer.refusedTitle')} failureReason={receipt.failure_reason} />
        )}
        {receipt.status === 'PENDING_REVIEW' && (
          <Alert severity="warning" sx={{ mb: 2 }} data-testid="receipt-held">
            {t('transaction.heldForReview')}
          </Alert>
        )}
        {undecided && receipt.status !== 'PENDING_REVIEW' && (
          <Alert severity="info" sx={{ mb: 2 }}>
            {t('sendTo.settling')}
          </Alert>
        )}
        <ReceiptSummary receipt={receipt}>
          <SummaryRow label={t('transfer.from')} value={accountName(t, accounts.find((a) => a.account_id === receipt.from_account_id))} />
          {payeeShown ? (
            <SummaryRow label={t('sendTo.to')} value={payeeShown} />
          ) : (
            <SummaryRow label={t('transfer.to')} value={accountName(t, accounts.find((a) => a.account_id === receipt.to_account_id))} />
          )}
        </ReceiptSummary>
        {payeeOutcome && 'saved' in payeeOutcome && (
          <Alert severity="success" sx={{ mt: 2 }}>
            {t('payees.saved', { nickname: payeeOutcome.saved.nickname })}
          </Alert>
        )}
        {payeeOutcome && 'problem' in payeeOutcome && (
          <Box sx={{ mt: 2 }}>
            <ProblemAlert problem={payeeOutcome.problem} />
          </Box>
        )}
        <ReceiptActions anotherLabel={t('transfer.another')} onAnother={flow.restart} />
      </Box>
    );
  }

  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t(mode === 'own' ? 'transfer.title' : `sendTo.mode.title_${mode}`)}
      </Typography>
      <Stepper activeStep={STAGES.indexOf(stage)} alternativeLabel sx={{ mb: 3 }}>
        {STAGES.map((s) => (
          <Step key={s}>
            <StepLabel>{t(`transfer.steps.${s}`)}</StepLabel>
          </Step>
        ))}
      </Stepper>
      <Paper sx={{ p: { xs: 2, sm: 3 } }}>{body}</Paper>
      <Box component="nav" aria-label={t('transfer.moreWays')} sx={{ display: 'flex', gap: 1, mt: 2, flexWrap: 'wrap' }}>
        <Button component={Link} to="/transfer/external">
          {t('transfer.toOtherBank')}
        </Button>
        <Button component={Link} to="/scheduled">
          {t('transfer.scheduled')}
        </Button>
        <Button component={Link} to="/payments">
          {t('payments.title')}
        </Button>
        <Button component={Link} to="/cash">
          {t('cash.link')}
        </Button>
      </Box>
    </>
  );
}
