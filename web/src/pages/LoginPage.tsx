import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Navigate, Link as RouterLink, useLocation, useNavigate } from 'react-router';
import { z } from 'zod';
import { useLoginMutation } from '../api/api';
import { problemOf, type ApiProblem } from '../api/errors';
import { tokensReceived } from '../auth/authSlice';
import { takeIdleSignOut } from '../components/IdleSignOut';
import { ProblemAlert } from '../components/ProblemAlert';
import { useAppDispatch, useAppSelector } from '../hooks';

const credentialsSchema = z.object({
  email: z.email({ error: 'login.validation.email' }),
  password: z.string().min(1, { error: 'login.validation.password' }),
});
const totpSchema = z.object({ totp: z.string().regex(/^\d{6}$/, { error: 'login.validation.totp' }) });
type Credentials = z.infer<typeof credentialsSchema>;
type Totp = z.infer<typeof totpSchema>;

export default function LoginPage() {
  const { t } = useTranslation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const location = useLocation();
  const signedIn = useAppSelector((state) => state.auth.accessToken !== null);
  const [login, { isLoading }] = useLoginMutation();
  const [credentials, setCredentials] = useState<Credentials | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const [idle] = useState(takeIdleSignOut);

  const credentialsForm = useForm<Credentials>({ resolver: zodResolver(credentialsSchema), defaultValues: { email: '', password: '' } });
  const totpForm = useForm<Totp>({ resolver: zodResolver(totpSchema), defaultValues: { totp: '' } });

  if (signedIn) return <Navigate to={from} replace />;

  const attempt = async (values: Credentials, totp?: string) => {
    setProblem(null);
    try {
      const tokens = await login({ ...values, totp: totp ?? null }).unwrap();
      dispatch(tokensReceived(tokens));
      void navigate(from, { replace: true });
    } catch (error) {
      const found = problemOf(error);
      if (found.code === 'mfa_required') {
        setCredentials(values);
        return;
      }
      setProblem(found);
    }
  };

  const { errors } = credentialsForm.formState;
  const totpErrors = totpForm.formState.errors;

  return (
    <Box component="main" id="main" sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', p: 2, bgcolor: 'background.default' }}>
      <Paper sx={{ p: { xs: 2.5, sm: 4 }, width: '100%', maxWidth: 420 }} elevation={3}>
        <Typography variant="h4" component="h1" gutterBottom>
          {credentials ? t('login.mfaTitle') : t('login.title')}
        </Typography>
        {idle && !problem && (
          <Alert severity="info" sx={{ mb: 2 }}>
            {t('idle.signedOut')}
          </Alert>
        )}
        {problem && (
          <Box sx={{ mb: 2 }}>
            <ProblemAlert problem={problem} title={t('login.failed')} />
          </Box>
        )}
        {credentials === null ? (
          <Box component="form" noValidate onSubmit={credentialsForm.handleSubmit((values) => attempt(values))} sx={{ display: 'grid', gap: 2 }}>
            <TextField
              label={t('login.email')}
              type="email"
              autoComplete="username"
              autoFocus
              required
              error={Boolean(errors.email)}
              helperText={errors.email?.message ? t(errors.email.message) : ' '}
              {...credentialsForm.register('email')}
            />
            <TextField
              label={t('login.password')}
              type="password"
              autoComplete="current-password"
              required
              error={Boolean(errors.password)}
              helperText={errors.password?.message ? t(errors.password.message) : ' '}
              {...credentialsForm.register('password')}
            />
            <Button type="submit" variant="contained" size="large" disabled={isLoading}>
              {t('login.submit')}
            </Button>
            <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 1, flexWrap: 'wrap' }}>
              <Link component={RouterLink} to="/forgot">
                {t('identity.links.forgot')}
              </Link>
              <span>
                {t('identity.links.noAccount')}{' '}
                <Link component={RouterLink} to="/signup">
                  {t('identity.links.signUp')}
                </Link>
              </span>
            </Box>
          </Box>
        ) : (
          <Box component="form" noValidate onSubmit={totpForm.handleSubmit(({ totp }) => attempt(credentials, totp))} sx={{ display: 'grid', gap: 2 }}>
            <Typography>{t('login.mfaHelp')}</Typography>
            <TextField
              label={t('login.totp')}
              autoComplete="one-time-code"
              autoFocus
              required
              slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 6 } }}
              error={Boolean(totpErrors.totp)}
              helperText={totpErrors.totp?.message ? t(totpErrors.totp.message) : ' '}
              {...totpForm.register('totp')}
            />
            <Button type="submit" variant="contained" size="large" disabled={isLoading}>
              {t('login.verify')}
            </Button>
            <Button
              onClick={() => {
                setCredentials(null);
                setProblem(null);
                totpForm.reset();
              }}
            >
              {t('login.back')}
            </Button>
          </Box>
        )}
      </Paper>
    </Box>
  );
}
