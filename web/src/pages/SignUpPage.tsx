import { zodResolver } from '@hookform/resolvers/zod';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Navigate, Link as RouterLink, useNavigate } from 'react-router';
import { useLoginMutation } from '../api/api';
import { problemOf, type ApiProblem } from '../api/errors';
import { useRegisterMutation } from '../api/identity';
import { tokensReceived } from '../auth/authSlice';
import { useAppDispatch, useAppSelector } from '../hooks';
import { IdentityProblem, PasswordRules, PublicShell } from './identityShell';
import { signUpSchema, type SignUpValues } from './identityRules';

export default function SignUpPage() {
  const { t } = useTranslation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const signedIn = useAppSelector((state) => state.auth.accessToken !== null);
  const [register, registering] = useRegisterMutation();
  const [login, signingIn] = useLoginMutation();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState(false);
  const form = useForm<SignUpValues>({
    resolver: zodResolver(signUpSchema),
    defaultValues: { email: '', password: '', confirm: '', phone: '' },
  });

  if (signedIn && !done) return <Navigate to="/" replace />;

  const submit = async (values: SignUpValues) => {
    setProblem(null);
    const email = values.email.trim();
    try {
      await register({ email, password: values.password, phone: values.phone.trim() || null }).unwrap();
    } catch (error) {
      setProblem(problemOf(error));
      return;
    }
    setDone(true);
    try {
      // Verifying the emailed code needs a session: sign in with what was just typed.
      const tokens = await login({ email, password: values.password, totp: null }).unwrap();
      dispatch(tokensReceived(tokens));
      void navigate('/verify', { replace: true, state: { email, signedUp: true } });
    } catch {
      void navigate('/login', { replace: true, state: { from: '/verify', signedUp: true } });
    }
  };

  const errors = form.formState.errors;
  const message = (key: string | undefined) => (key ? t(key) : ' ');
  const password = form.watch('password');
  const email = form.watch('email');
  const busy = registering.isLoading || signingIn.isLoading || done;

  return (
    <PublicShell title={t('identity.signUp.title')}>
      <Typography sx={{ mb: 2 }}>{t('identity.signUp.intro')}</Typography>
      {problem && <IdentityProblem problem={problem} title={t('identity.signUp.failed')} />}
      <Box component="form" noValidate onSubmit={form.handleSubmit(submit)} sx={{ display: 'grid', gap: 2 }}>
        <TextField
          label={t('identity.fields.email')}
          type="email"
          autoComplete="email"
          autoFocus
          required
          error={Boolean(errors.email)}
          helperText={message(errors.email?.message)}
          {...form.register('email')}
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
        <PasswordRules id="password-rules" password={password} email={email} />
        <TextField
          label={t('identity.fields.confirmPassword')}
          type="password"
          autoComplete="new-password"
          required
          error={Boolean(errors.confirm)}
          helperText={message(errors.confirm?.message)}
          {...form.register('confirm')}
        />
        <TextField
          label={t('identity.fields.phoneOptional')}
          type="tel"
          autoComplete="tel"
          placeholder="+14155550123"
          error={Boolean(errors.phone)}
          helperText={errors.phone?.message ? t(errors.phone.message) : t('identity.fields.phoneHelp')}
          {...form.register('phone')}
        />
        <Button type="submit" variant="contained" size="large" disabled={busy}>
          {t('identity.signUp.submit')}
        </Button>
      </Box>
      <Typography sx={{ mt: 2 }}>
        {t('identity.signUp.haveAccount')}{' '}
        <Link component={RouterLink} to="/login">
          {t('identity.links.signIn')}
        </Link>
      </Typography>
    </PublicShell>
  );
}
