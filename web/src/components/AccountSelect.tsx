import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { useTranslation } from 'react-i18next';
import { Controller, type Control, type FieldValues, type Path } from 'react-hook-form';
import type { Account } from '../api/types';
import { accountName } from './Summary';

/** A money form's choice of one of the customer's accounts, named with its available balance. */
export function AccountSelect<T extends FieldValues>({
  control,
  name,
  label,
  accounts,
  error,
}: {
  control: Control<T>;
  name: Path<T>;
  label: string;
  accounts: readonly Account[];
  /** The field's message, already in words (null: no error). */
  error: string | null;
}) {
  const { t } = useTranslation();
  return (
    <Controller
      control={control}
      name={name}
      render={({ field }) => (
        <TextField select label={label} required {...field} error={error !== null} helperText={error ?? ' '}>
          {accounts.map((a) => (
            <MenuItem key={a.account_id} value={a.account_id}>
              {accountName(t, a)}
            </MenuItem>
          ))}
        </TextField>
      )}
    />
  );
}
