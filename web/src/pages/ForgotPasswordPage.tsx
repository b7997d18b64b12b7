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
import { Link as RouterLink } from 'react-router';
import { problemOf, type ApiProblem } from '../api/errors';
import { useForgotPasswordMutation } from '../api/identity';
import { IdentityProblem, PublicShell } from './identityShell';
import { forgotSchema, type ForgotValues } from './identityRules';

export default function ForgotPasswordPage() {
  const { t } = useTranslation();
  const [forgot, { isLoading }] = useForgotPasswordMutation();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm<ForgotValues>({ resolver: zodResolver(forgotSchema), defaultValues: { email: '' } });

  const submit = async ({ email }: ForgotValues) => {
    setProblem(null);
    try {
      await forgot({ email: email.trim() }).unwrap();
      setSentTo(email.trim());
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  const errors = form.formState.errors;
  return (
    <PublicShell title={t('identity.forgot.title')}>
      {sentTo ? (
        <>
          {/* The same answer whether or not the address has an account. */}
          <Alert severity="info" sx={{ mb: 2 }} data-testid="forgot-sent">
            {t('identity.forgot.sent', { email: sentTo })}
          </Alert>
          <Button variant="contained" component={RouterLink} to="/reset" state={{ email: sentTo }}>
            {t('identity.forgot.haveCode')}
          </Button>
        </>
      ) : (
        <>
          <Typography sx={{ mb: 2 }}>{t('identity.forgot.intro')}</Typography>
          {problem && <IdentityProblem problem={problem} />}
          <Box component="form" noValidate onSubmit={form.handleSubmit(submit)} sx={{ display: 'grid', gap: 2 }}>
            <TextField
              label={t('identity.fields.email')}
              type="email"
              autoComplete="email"
              autoFocus
              required
              error={Boolean(errors.email)}
              helperText={errors.email?.message ? t(errors.email.message) : ' '}
              {...form.register('email')}
            />
            <Button type="submit" variant="contained" size="large" disabled={isLoading}>
              {t('identity.forgot.submit')}
            </Button>
          </Box>
        </>
      )}
      <Typography sx={{ mt: 2 }}>
        <Link component={RouterLink} to="/login">
          {t('identity.links.backToSignIn')}
        </Link>
      </Typography>
    </PublicShell>
  );
}
