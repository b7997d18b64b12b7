import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import type { Theme } from '@mui/material/styles';
import { useId, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiProblem } from '../api/errors';
import { ProblemAlert } from './ProblemAlert';

// MUI's error.main under white text falls short of 4.5:1 in the dark scheme: darker red, or light red under dark text.
const dangerSx = (theme: Theme) => ({
  bgcolor: '#b71c1c',
  color: '#fff',
  '&:hover': { bgcolor: '#8e1616' },
  ...theme.applyStyles('dark', { bgcolor: '#ef9a9a', color: 'rgba(0, 0, 0, 0.87)', '&:hover': { bgcolor: '#e57373' } }),
});

/**
 * A confirmation: what is about to happen (children), the API's refusal if there was one, and
 * confirm/cancel. When `onSubmit` is a form submission the dialog is a <form> (Enter confirms).
 */
export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  onConfirm,
  onClose,
  busy,
  problem,
  children,
  danger,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  problem?: ApiProblem | null;
  children: ReactNode;
  danger?: boolean;
}) {
  const { t } = useTranslation();
  const titleId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onConfirm();
  };
  return (
    <Dialog open={open} onClose={busy ? undefined : onClose} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <Box component="form" noValidate onSubmit={submit}>
        <DialogTitle id={titleId}>{title}</DialogTitle>
        <DialogContent>
          {children}
          {problem && (
            <Box sx={{ mt: 2 }}>
              <ProblemAlert problem={problem} />
            </Box>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={busy}>
            {t('app.cancel')}
          </Button>
          <Button type="submit" variant="contained" color={danger ? 'error' : 'primary'} disabled={busy} sx={danger ? dangerSx : undefined}>
            {confirmLabel}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}
