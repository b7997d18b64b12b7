import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { isRetryable, type ApiProblem } from '../api/errors';
import { ProblemAlert } from './ProblemAlert';

/** The foot of a money form's review: the API's refusal if there was one, confirm (or "Try
 * again" when a retry can succeed, with the same Idempotency-Key) and back to the form. */
export function ReviewActions({
  problem,
  busy,
  confirmLabel,
  onConfirm,
  onEdit,
  size = 'large',
}: {
  problem: ApiProblem | null;
  busy: boolean;
  confirmLabel: string;
  onConfirm: () => void;
  onEdit: () => void;
  size?: 'medium' | 'large';
}) {
  const { t } = useTranslation();
  return (
    <>
      {problem && (
        <Box sx={{ my: 2 }}>
          <ProblemAlert problem={problem} />
        </Box>
      )}
      <Box sx={{ display: 'flex', gap: 2, mt: 2, flexWrap: 'wrap' }}>
        <Button variant="contained" size={size} onClick={onConfirm} disabled={busy}>
          {problem && isRetryable(problem) ? t('transfer.retry') : confirmLabel}
        </Button>
        <Button size={size} onClick={onEdit} disabled={busy}>
          {t('transfer.edit')}
        </Button>
      </Box>
    </>
  );
}

/** A receipt's refusal: the ledger's reason for a movement it answered FAILED, in words. */
export function RefusedReceipt({ title, failureReason }: { title: string; failureReason: string | null | undefined }) {
  return (
    <Box sx={{ mb: 2 }}>
      <ProblemAlert title={title} problem={{ status: 201, code: failureReason ?? 'generic', message: null, requestId: null }} />
    </Box>
  );
}

/** The foot of a receipt: back to the accounts, or another movement of the same kind (not while
 * the one on screen is still being decided). */
export function ReceiptActions({ anotherLabel, onAnother, undecided = false }: { anotherLabel: string; onAnother: () => void; undecided?: boolean }) {
  const { t } = useTranslation();
  return (
    <Box sx={{ display: 'flex', gap: 2, mt: 2, flexWrap: 'wrap' }}>
      <Button variant="contained" component={Link} to="/">
        {t('transfer.toDashboard')}
      </Button>
      <Button onClick={onAnother} disabled={undecided}>
        {anotherLabel}
      </Button>
    </Box>
  );
}
