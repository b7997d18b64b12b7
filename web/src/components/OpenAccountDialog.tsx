import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import MenuItem from '@mui/material/MenuItem';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isRetryable, problemOf, type ApiProblem } from '../api/errors';
import { SubmissionKey } from '../api/idempotency';
import { useOpenAccountMutation, type AccountOpen, type OpenedAccount } from '../api/identity';
import { ProblemAlert } from './ProblemAlert';

export const ACCOUNT_CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'JPY'] as const;

/** "Open an account": CHECKING or SAVINGS in a currency (POST /api/v1/accounts, KYC approved). */
export function OpenAccountDialog({ open, onClose }: { open: boolean; onClose: (opened: OpenedAccount | null) => void }) {
  const { t } = useTranslation();
  const [accountType, setAccountType] = useState<AccountOpen['account_type']>('CHECKING');
  const [currency, setCurrency] = useState<string>('USD');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [opened, setOpened] = useState<OpenedAccount | null>(null);
  const submission = useRef(new SubmissionKey());
  const [openAccount, { isLoading }] = useOpenAccountMutation();

  const close = () => {
    const result = opened;
    setOpened(null);
    setProblem(null);
    onClose(result);
  };

  const submit = async () => {
    const body: AccountOpen = { account_type: accountType, currency };
    setProblem(null);
    const idempotencyKey = submission.current.forSubmit(body);
    try {
      const account = await openAccount({ body, idempotencyKey }).unwrap();
      submission.current.settled();
      setOpened(account);
    } catch (error) {
      const found = problemOf(error);
      if (!isRetryable(found)) submission.current.settled();
      setProblem(found);
    }
  };

  const typeName = (type: string) => t(`dashboard.type.${type}`, { defaultValue: type });
  return (
    <Dialog open={open} onClose={close} aria-labelledby="open-account-title" fullWidth maxWidth="xs">
      <DialogTitle id="open-account-title">{t('onboarding.openAccount.title')}</DialogTitle>
      <DialogContent>
        {opened ? (
          <Alert severity="success" data-testid="account-opened">
            {t('onboarding.openAccount.opened', {
              account: t('dashboard.accountLabel', { type: typeName(opened.account_type), number: opened.number }),
              currency: opened.currency,
            })}
          </Alert>
        ) : (
          <Box
            component="form"
            id="open-account-form"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              void submit();
            }}
            sx={{ display: 'grid', gap: 2, pt: 1 }}
          >
            {problem && <ProblemAlert problem={problem} title={t('onboarding.openAccount.failed')} />}
            <FormControl>
              <FormLabel id="account-type-label">{t('onboarding.openAccount.type')}</FormLabel>
              <RadioGroup
                aria-labelledby="account-type-label"
                name="account_type"
                value={accountType}
                onChange={(event) => setAccountType(event.target.value as AccountOpen['account_type'])}
              >
                <FormControlLabel value="CHECKING" control={<Radio />} label={typeName('CHECKING')} />
                <FormControlLabel value="SAVINGS" control={<Radio />} label={typeName('SAVINGS')} />
              </RadioGroup>
            </FormControl>
            <TextField select label={t('onboarding.openAccount.currency')} value={currency} onChange={(event) => setCurrency(event.target.value)}>
              {ACCOUNT_CURRENCIES.map((code) => (
                <MenuItem key={code} value={code}>
                  {code}
                </MenuItem>
              ))}
            </TextField>
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        {opened ? (
          <Button variant="contained" onClick={close}>
            {t('onboarding.openAccount.done')}
          </Button>
        ) : (
          <>
            <Button onClick={close}>{t('onboarding.openAccount.cancel')}</Button>
            <Button type="submit" form="open-account-form" variant="contained" disabled={isLoading}>
              {t('onboarding.openAccount.submit')}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
