import Box from '@mui/material/Box';
import TextField from '@mui/material/TextField';
import type { UseFormRegisterReturn } from 'react-hook-form';
import { useTranslation } from 'react-i18next';

/** A money form's amount (typed as a decimal string) beside its currency, which is the chosen
 * account's and so shown, not asked. `error` is the amount's message already in words. */
export function AmountFields({ field, error, currency }: { field: UseFormRegisterReturn; error: string | null; currency: string }) {
  const { t } = useTranslation();
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '2fr 1fr' }, gap: 2 }}>
      <TextField
        label={t('transfer.amount')}
        required
        autoComplete="off"
        slotProps={{ htmlInput: { inputMode: 'decimal' } }}
        error={Boolean(error)}
        helperText={error ?? ' '}
        {...field}
      />
      <TextField label={t('transfer.currency')} value={currency} slotProps={{ htmlInput: { readOnly: true } }} helperText=" " />
    </Box>
  );
}
