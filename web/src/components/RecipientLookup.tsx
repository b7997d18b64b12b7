import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import { useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { problemOf, type ApiProblem } from '../api/errors';
import { cleanAccountNumber, groupedNumber, isAccountNumber, useLazyLookupAccountQuery, type AccountLookup } from '../api/money';
import { ProblemAlert } from './ProblemAlert';

/**
 * Another customer's account by number: it is looked up (GET /accounts/lookup), and the holder's
 * name is shown for the customer to confirm before it can be paid or saved. Nothing is confirmed
 * until they say it is the person they mean.
 */
export function RecipientLookup({
  confirmed,
  onConfirmed,
  ownNumbers = [],
  error,
  initialNumber = '',
}: {
  confirmed: AccountLookup | null;
  onConfirmed: (recipient: AccountLookup | null) => void;
  ownNumbers?: string[];
  /** a message from the surrounding form (e.g. "confirm the recipient first") */
  error?: string;
  initialNumber?: string;
}) {
  const { t } = useTranslation();
  const [typed, setTyped] = useState(initialNumber);
  const [found, setFound] = useState<AccountLookup | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [lookup, { isFetching }] = useLazyLookupAccountQuery();

  const find = async () => {
    const number = cleanAccountNumber(typed);
    setFound(null);
    setProblem(null);
    onConfirmed(null);
    if (!isAccountNumber(number)) {
      setInvalid(t('sendTo.validation.number'));
      return;
    }
    if (ownNumbers.includes(number)) {
      setInvalid(t('sendTo.validation.own'));
      return;
    }
    setInvalid(null);
    try {
      setFound(await lookup(number, true).unwrap());
    } catch (e) {
      setProblem(problemOf(e));
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter') {
      event.preventDefault(); // find the account, do not submit the surrounding form
      void find();
    }
  };

  if (confirmed) {
    return (
      <Alert
        severity="success"
        data-testid="recipient-confirmed"
        action={
          <Button
            color="inherit"
            size="small"
            onClick={() => {
              onConfirmed(null);
              setFound(null);
            }}
          >
            {t('sendTo.change')}
          </Button>
        }
      >
        {t('sendTo.paying', { name: confirmed.holder_name, number: groupedNumber(confirmed.number), currency: confirmed.currency })}
      </Alert>
    );
  }

  const message = invalid ?? error;
  return (
    <Box sx={{ display: 'grid', gap: 1 }}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: { xs: 'wrap', sm: 'nowrap' } }}>
        <TextField
          label={t('sendTo.number')}
          value={typed}
          onChange={(event) => {
            setTyped(event.target.value);
            setFound(null);
            setInvalid(null);
            setProblem(null);
          }}
          onKeyDown={onKeyDown}
          required
          fullWidth
          autoComplete="off"
          slotProps={{ htmlInput: { inputMode: 'numeric', spellCheck: false } }}
          error={Boolean(message)}
          helperText={message ?? t('sendTo.numberHelp')}
        />
        <Button variant="outlined" size="large" onClick={() => void find()} disabled={isFetching} sx={{ minHeight: 56, flexShrink: 0 }}>
          {t('sendTo.find')}
        </Button>
      </Box>
      <Box aria-live="polite">
        {problem && <ProblemAlert problem={problem} />}
        {found && (
          <Alert
            severity="info"
            data-testid="recipient-found"
            action={
              <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
                <Button color="inherit" variant="outlined" size="small" onClick={() => onConfirmed(found)}>
                  {t('sendTo.confirm')}
                </Button>
                <Button
                  color="inherit"
                  size="small"
                  onClick={() => {
                    setFound(null);
                    setTyped('');
                  }}
                >
                  {t('sendTo.notThem')}
                </Button>
              </Box>
            }
            sx={{ flexWrap: { xs: 'wrap', sm: 'nowrap' }, '& .MuiAlert-action': { ml: { xs: 0, sm: 'auto' }, pl: { xs: 0, sm: 2 } } }}
          >
            <AlertTitle>{t('sendTo.foundTitle')}</AlertTitle>
            {t('sendTo.found', { name: found.holder_name, number: groupedNumber(found.number), currency: found.currency })}
          </Alert>
        )}
      </Box>
    </Box>
  );
}
