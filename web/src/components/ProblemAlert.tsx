import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiProblem } from '../api/errors';

/** An API refusal in words: the app's message for its code (the API's own message when the app
 * has none for that code), and the request id for support. Never a raw error. */
export function ProblemAlert({ problem, title, action }: { problem: ApiProblem; title?: string; action?: ReactNode }) {
  const { t } = useTranslation();
  const known = t(`errors.${problem.code}`, { defaultValue: '' });
  const headline = known || problem.message || t('errors.generic');
  return (
    <Alert severity="error" role="alert" action={action} data-code={problem.code}>
      <AlertTitle>{title ?? t('errors.title')}</AlertTitle>
      <Typography component="p" variant="body2">{headline}</Typography>
      {problem.requestId && (
        <Typography component="p" variant="caption" sx={{ mt: 0.5 }}>
          {t('errors.requestId', { id: problem.requestId })}
        </Typography>
      )}
    </Alert>
  );
}
