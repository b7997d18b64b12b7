import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { useMeQuery } from '../api/api';
import { problemOf, type ApiProblem } from '../api/errors';
import { useResendVerificationMutation, useVerifyEmailMutation } from '../api/identity';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { IdentityProblem } from './identityShell';
import { codeSchema, type CodeValues } from './identityRules';

export default function VerifyEmailPage() {
  const { t } = useTranslation();
  const location = useLocation();
  const signedUp = Boolean((location.state as { signedUp?: boolean } | null)?.signedUp);
  const me = useMeQuery();
  const [verify, { isLoading }] = useVerifyEmailMutation();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [verified, setVerified] = useState(false);
  const [resend, resendState] = useResendVerificationMutation();
  const [resent, setResent] = useState(false);
  const form = useForm<CodeValues>({ resolver: zodResolver(codeSchema), defaultValues: { code: '' } });

  const submit = async ({ code }: CodeValues) => {
    setProblem(null);
    try {
      await verify({ code: code.trim() }).unwrap();
      setVerified(true);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  const sendAgain = async () => {
    setProblem(null);
    setResent(false);
    try {
      await resend().unwrap();
      setResent(true);
      form.reset();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  let body;
  if (me.error) body = <ProblemAlert problem={problemOf(me.error)} />;
  else if (!me.data) body = <Loading />;
  else if (verified || me.data.email_verified) {
    body = (
      <>
        <Alert severity="success" sx={{ mb: 2 }} data-testid="email-verified">
          {t('identity.verify.done', { email: me.data.email })}
        </Alert>
        <Button variant="contained" component={Link} to={me.data.customer_id ? '/' : '/onboarding'}>
          {me.data.customer_id ? t('identity.verify.toAccounts') : t('identity.verify.toOnboarding')}
        </Button>
      </>
    );
  } else {
    const errors = form.formState.errors;
    body = (
      <>
        {signedUp && (
          <Alert severity="success" sx={{ mb: 2 }}>
            {t('identity.verify.created')}
          </Alert>
        )}
        <Typography sx={{ mb: 1 }}>{t('identity.verify.sent', { email: me.data.email })}</Typography>
        <Typography color="text.secondary" sx={{ mb: 2 }}>
          {t('identity.verify.help')}
        </Typography>
        {problem && <IdentityProblem problem={problem} title={t('identity.verify.failed')} />}
        {resent && (
          <Alert severity="info" sx={{ mb: 2 }} role="status" data-testid="code-resent">
            {t('identity.verify.resent', { email: me.data.email })}
          </Alert>
        )}
        <Box component="form" noValidate onSubmit={form.handleSubmit(submit)} sx={{ display: 'grid', gap: 2, maxWidth: 360 }}>
          <TextField
            label={t('identity.fields.verificationCode')}
            autoComplete="one-time-code"
            autoFocus
            required
            slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 6 } }}
            error={Boolean(errors.code)}
            helperText={errors.code?.message ? t(errors.code.message) : ' '}
            {...form.register('code')}
          />
          <Button type="submit" variant="contained" size="large" disabled={isLoading}>
            {t('identity.verify.submit')}
          </Button>
        </Box>
        <Button variant="text" sx={{ mt: 2 }} disabled={resendState.isLoading} onClick={() => void sendAgain()}>
          {t('identity.verify.resend')}
        </Button>
      </>
    );
  }

  return (
    <Paper sx={{ p: { xs: 2, sm: 4 }, maxWidth: 640 }}>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('identity.verify.title')}
      </Typography>
      {body}
    </Paper>
  );
}
