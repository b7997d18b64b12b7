import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { amountSchema, hasTooManyDecimals, toMinorUnits } from '../amounts';
import { problemOf, type ApiProblem } from '../api/errors';
import { useSearchTransactionsQuery } from '../api/money';
import { useCapturePaymentMutation, useVoidPaymentMutation } from '../api/movements';
import type { Account, Transaction } from '../api/types';
import { currencyDigits, formatDateTime, formatMoney } from '../format';
import { ConfirmDialog } from './ConfirmDialog';
import { Loading } from './Loading';
import { ProblemAlert } from './ProblemAlert';
import { accountName, kindLabel } from './Summary';

/** How many open authorisations the page lists (the oldest hold expires first anyway). */
const LISTED_AUTHORISATIONS = 50;

type Action = { kind: 'capture' | 'void'; payment: Transaction };

const OPEN_AUTHORISATIONS = { kind: 'PAYMENT', status: 'PENDING', limit: LISTED_AUTHORISATIONS } as const;

/** What is wrong with a capture amount, as a message key, or null: more than zero, no more than
 * was authorised, and no more decimals than the currency has. */
export function captureAmountProblem(amount: string, payment: Transaction): string | null {
  if (!amountSchema.safeParse(amount).success) return 'transfer.validation.amount';
  if (hasTooManyDecimals(amount.trim(), payment.currency)) return 'transfer.validation.decimals';
  const tooMuch = toMinorUnits(amount, payment.currency) > toMinorUnits(payment.amount, payment.currency);
  return tooMuch ? 'payments.validation.captureTooMuch' : null;
}

/** The customer's payments authorised and not yet finished, each with capture (all or part) and void. */
export function OpenAuthorisations({ accounts }: { accounts: Account[] }) {
  const { t } = useTranslation();
  const open = useSearchTransactionsQuery(OPEN_AUTHORISATIONS, { refetchOnMountOrArgChange: true });
  // Payments captured or voided here: they leave the list the moment the bank says so, not when
  // the refetch the mutation causes comes back.
  const [finished, setFinished] = useState<ReadonlySet<string>>(new Set());
  const [action, setAction] = useState<Action | null>(null);
  const [amount, setAmount] = useState('');
  const [amountError, setAmountError] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [capture, captureState] = useCapturePaymentMutation();
  const [voidPayment, voidState] = useVoidPaymentMutation();
  const busy = captureState.isLoading || voidState.isLoading;

  const start = (kind: Action['kind'], payment: Transaction) => {
    setAction({ kind, payment });
    setAmount(payment.amount);
    setAmountError(null);
    setProblem(null);
    setDone(null);
  };

  const finish = async () => {
    if (!action) return;
    const { payment } = action;
    setProblem(null);
    try {
      if (action.kind === 'capture') {
        const invalid = captureAmountProblem(amount, payment);
        setAmountError(invalid);
        if (invalid) return;
        const whole = amount.trim() === payment.amount;
        const captured = await capture({ transactionId: payment.transaction_id, amount: whole ? null : amount.trim() }).unwrap();
        setDone(t('payments.captured', { amount: formatMoney(captured.captured_amount ?? captured.amount, captured.currency), merchant: payment.counterparty ?? '' }));
      } else {
        await voidPayment(payment.transaction_id).unwrap();
        setDone(t('payments.voided', { amount: formatMoney(payment.amount, payment.currency), merchant: payment.counterparty ?? '' }));
      }
      setFinished((before) => new Set(before).add(payment.transaction_id));
      setAction(null);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  const items = (open.data?.items ?? []).filter((payment) => !finished.has(payment.transaction_id));
  return (
    <Paper component="section" aria-labelledby="authorisations-heading" sx={{ p: { xs: 2, sm: 3 } }} data-testid="open-authorisations">
      <Typography variant="h5" component="h2" id="authorisations-heading" gutterBottom>
        {t('payments.openTitle')}
      </Typography>
      {done && (
        <Alert severity="success" sx={{ mb: 2 }} role="status">
          {done}
        </Alert>
      )}
      {open.error ? (
        <ProblemAlert problem={problemOf(open.error)} />
      ) : !open.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <Typography color="text.secondary">{t('payments.noneOpen')}</Typography>
      ) : (
        <List disablePadding>
          {items.map((payment) => {
            const merchant = payment.counterparty ?? kindLabel(t, 'PAYMENT');
            return (
              <ListItem key={payment.transaction_id} divider disableGutters sx={{ gap: 1, flexWrap: 'wrap' }} data-testid="authorisation-row">
                <ListItemText
                  primary={`${merchant} · ${formatMoney(payment.amount, payment.currency)}`}
                  secondary={`${formatDateTime(payment.created_at)} · ${accountName(t, accounts.find((a) => a.account_id === payment.from_account_id))}`}
                />
                <Box sx={{ display: 'flex', gap: 1 }}>
                  <Button size="small" variant="outlined" onClick={() => start('capture', payment)} aria-label={t('payments.captureNamed', { merchant })}>
                    {t('payments.capture')}
                  </Button>
                  <Button size="small" onClick={() => start('void', payment)} aria-label={t('payments.voidNamed', { merchant })}>
                    {t('payments.void')}
                  </Button>
                </Box>
              </ListItem>
            );
          })}
        </List>
      )}
      {action && (
        <ConfirmDialog
          open
          title={action.kind === 'capture' ? t('payments.captureTitle', { merchant: action.payment.counterparty ?? '' }) : t('payments.voidTitle', { merchant: action.payment.counterparty ?? '' })}
          confirmLabel={action.kind === 'capture' ? t('payments.captureConfirm') : t('payments.voidConfirm')}
          onConfirm={() => void finish()}
          onClose={() => setAction(null)}
          busy={busy}
          problem={problem}
          danger={action.kind === 'void'}
        >
          {action.kind === 'capture' ? (
            <>
              <Typography gutterBottom>{t('payments.captureBody', { amount: formatMoney(action.payment.amount, action.payment.currency) })}</Typography>
              <TextField
                label={t('payments.captureAmount', { currency: action.payment.currency })}
                value={amount}
                onChange={(event) => setAmount(event.target.value)}
                autoFocus
                fullWidth
                autoComplete="off"
                slotProps={{ htmlInput: { inputMode: 'decimal' } }}
                error={Boolean(amountError)}
                helperText={amountError ? t(amountError, { currency: action.payment.currency, digits: currencyDigits(action.payment.currency) }) : t('payments.captureHelp')}
                sx={{ mt: 1 }}
              />
            </>
          ) : (
            <Typography>{t('payments.voidBody', { amount: formatMoney(action.payment.amount, action.payment.currency) })}</Typography>
          )}
        </ConfirmDialog>
      )}
    </Paper>
  );
}
