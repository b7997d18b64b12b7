import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useLocation } from 'react-router';
import { problemOf, type ApiProblem } from '../api/errors';
import { useResetPasswordMutation } from '../api/identity';
import { signedOut } from '../auth/authSlice';
import { useAppDispatch } from '../hooks';
import { IdentityProblem, PasswordRules, PublicShell } from './identityShell';
import { resetSchema, type ResetValues } from './identityRules';

export default function ResetPasswordPage() {
  const { t } = useTranslation();
  const dispatch = useAppDispatch();
  const location = useLocation();
  const knownEmail = (location.state as { email?: string } | null)?.email ?? '';
  const [reset, { isLoading }] = useResetPasswordMutation();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState(false);
  const form = useForm<ResetValues>({
    resolver: zodResolver(resetSchema),
    defaultValues: { email: knownEmail, token: '', password: '', confirm: '' },
  });

  const submit = async (values: ResetValues) => {
    setProblem(null);
    try {
      await reset({ email: values.email.trim(), token: values.token.trim(), new_password: values.password }).unwrap();
      // The API signed out every session, this tab's too.
      dispatch(signedOut());
      setDone(true);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  const errors = form.formState.errors;
  const message = (key: string | undefined) => (key ? t(key) : ' ');
  if (done) {
    return (
      <PublicShell title={t('identity.reset.doneTitle')}>
        <Alert severity="success" sx={{ mb: 2 }} data-testid="reset-done">
          {t('identity.reset.done')}
        </Alert>
        <Button variant="contained" component={RouterLink} to="/login" replace>
          {t('identity.links.signIn')}
        </Button>
      </PublicShell>
    );
  }
  return (
    <PublicShell title={t('identity.reset.title')}>
      <Typography sx={{ mb: 2 }}>{t('identity.reset.intro')}</Typography>
      {problem && <IdentityProblem problem={problem} title={t('identity.reset.failed')} />}
      <Box component="form" noValidate onSubmit={form.handleSubmit(submit)} sx={{ display: 'grid', gap: 2 }}>
        <TextField
          label={t('identity.fields.email')}
          type="email"
          autoComplete="username"
          required
          autoFocus={!knownEmail}
          error={Boolean(errors.email)}
          helperText={message(errors.email?.message)}
          {...form.register('email')}
        />
        <TextField
          label={t('identity.fields.resetCode')}
          autoComplete="one-time-code"
          required
          autoFocus={Boolean(knownEmail)}
          error={Boolean(errors.token)}
          helperText={errors.token?.message ? t(errors.token.message) : t('identity.reset.codeHelp')}
          {...form.register('token')}
        />
        <TextField
          label={t('identity.fields.newPassword')}
          type="password"
          autoComplete="new-password"
          required
          error={Boolean(errors.password)}
          helperText={message(errors.password?.message)}
          slotProps={{ htmlInput: { 'aria-describedby': 'password-rules' } }}
          {...form.register('password')}
        />
        <PasswordRules id="password-rules" password={form.watch('password')} email={form.watch('email')} />
        <TextField
          label={t('identity.fields.confirmPassword')}
          type="password"
          autoComplete="new-password"
          required
          error={Boolean(errors.confirm)}
          helperText={message(errors.confirm?.message)}
          {...form.register('confirm')}
        />
        <Button type="submit" variant="contained" size="large" disabled={isLoading}>
          {t('identity.reset.submit')}
        </Button>
      </Box>
      <Typography sx={{ mt: 2 }}>
        <Link component={RouterLink} to="/forgot">
          {t('identity.reset.needCode')}
        </Link>
        {' · '}
        <Link component={RouterLink} to="/login">
          {t('identity.links.backToSignIn')}
        </Link>
      </Typography>
    </PublicShell>
  );
}
