// Pieces the identity pages share: the frame of the signed-out pages, the password checklist and
// an API refusal that also names the field the API refused (its validation message).
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiProblem } from '../api/errors';
import { ProblemAlert } from '../components/ProblemAlert';
import { passwordChecks, type PasswordChecks } from './identityRules';
import { visuallyHidden } from '../components/visuallyHidden';

export function PublicShell({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box component="main" id="main" sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', p: 2, bgcolor: 'background.default' }}>
      <Paper sx={{ p: { xs: 2.5, sm: 4 }, width: '100%', maxWidth: 480 }} elevation={3}>
        <Typography variant="h4" component="h1" gutterBottom>
          {title}
        </Typography>
        {children}
      </Paper>
    </Box>
  );
}

/** The API's refusal; for a validation error also the API's own words (which field, and why). */
export function IdentityProblem({ problem, title }: { problem: ApiProblem; title?: string }) {
  const { t } = useTranslation();
  return (
    <Box sx={{ mb: 2 }}>
      <ProblemAlert problem={problem} title={title} />
      {problem.code === 'validation_error' && problem.message && (
        <Typography variant="body2" sx={{ mt: 1 }} data-testid="problem-detail">
          {t('identity.apiSaid', { message: problem.message })}
        </Typography>
      )}
    </Box>
  );
}

const RULES: (keyof PasswordChecks)[] = ['length', 'mix', 'notCommon', 'notEmail', 'varied'];

/** The API's password strength rules, each marked met or not as the person types. */
export function PasswordRules({ id, password, email }: { id: string; password: string; email: string }) {
  const { t } = useTranslation();
  const checks = passwordChecks(password, email);
  return (
    <Box id={id} sx={{ mt: -1 }}>
      <Typography variant="body2" component="p" color="text.secondary">
        {t('identity.password.rulesTitle')}
      </Typography>
      <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
        {RULES.map((rule) => (
          <Typography
            component="li"
            variant="body2"
            key={rule}
            data-met={checks[rule] && password !== '' ? 'true' : 'false'}
            sx={{ color: checks[rule] && password !== '' ? 'success.main' : 'text.secondary' }}
          >
            {t(`identity.password.rules.${rule}`)}
            <Box component="span" sx={visuallyHidden}>
              {' '}
              {checks[rule] && password !== '' ? t('identity.password.met') : t('identity.password.notMet')}
            </Box>
            {checks[rule] && password !== '' && (
              <span aria-hidden="true"> ✓</span>
            )}
          </Typography>
        ))}
      </Box>
    </Box>
  );
}
