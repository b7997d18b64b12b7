import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useMeQuery } from '../api/api';
import { problemOf, type ApiProblem } from '../api/errors';
import {
  useEndSessionMutation,
  useLogoutEverywhereMutation,
  useMfaDisableMutation,
  useMfaEnableMutation,
  useMfaSetupMutation,
  useSessionsQuery,
  type AuthSession,
  type MfaSetup,
} from '../api/identity';
import { signedOut } from '../auth/authSlice';
import { Loading } from '../components/Loading';
import { formatDateTime } from '../format';
import { useAppDispatch } from '../hooks';
import { ProblemAlert } from '../components/ProblemAlert';
import { useDeviceName } from './deviceName';
import { IdentityProblem } from './identityShell';
import { SecurityActivity } from './SecurityActivity';
import { codeSchema, type CodeValues } from './identityRules';

/** The otpauth:// URI as a QR code (a data: URL image; the CSP allows data: images). */
function QrCode({ uri, alt }: { uri: string; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(uri, { margin: 2, width: 220, errorCorrectionLevel: 'M' })
      .then((url) => {
        if (live) setSrc(url);
      })
      .catch(() => setSrc(null));
    return () => {
      live = false;
    };
  }, [uri]);
  if (!src) return <Box sx={{ width: 220, height: 220 }} />;
  // White behind the code in both schemes: scanners need the contrast.
  return <Box component="img" src={src} alt={alt} width={220} height={220} sx={{ bgcolor: '#fff', borderRadius: 1 }} data-testid="mfa-qr" />;
}

function CodeForm({ label, submitLabel, busy, onCode }: { label: string; submitLabel: string; busy: boolean; onCode: (code: string) => Promise<void> }) {
  const { t } = useTranslation();
  const form = useForm<CodeValues>({ resolver: zodResolver(codeSchema), defaultValues: { code: '' } });
  const errors = form.formState.errors;
  return (
    <Box
      component="form"
      noValidate
      onSubmit={form.handleSubmit(async ({ code }) => {
        await onCode(code.trim());
        form.reset();
      })}
      sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}
    >
      <TextField
        label={label}
        autoComplete="one-time-code"
        required
        slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 6 } }}
        error={Boolean(errors.code)}
        helperText={errors.code?.message ? t(errors.code.message) : ' '}
        {...form.register('code')}
      />
      <Button type="submit" variant="contained" disabled={busy} sx={{ mt: 1 }}>
        {submitLabel}
      </Button>
    </Box>
  );
}

function TwoStep({ enabled }: { enabled: boolean }) {
  const { t } = useTranslation();
  const [setupMfa, setupState] = useMfaSetupMutation();
  const [enableMfa, enableState] = useMfaEnableMutation();
  const [disableMfa, disableState] = useMfaDisableMutation();
  const [setup, setSetup] = useState<MfaSetup | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const run = async (action: () => Promise<unknown>, done: string) => {
    setProblem(null);
    setNotice(null);
    try {
      await action();
      setNotice(done);
      return true;
    } catch (error) {
      setProblem(problemOf(error));
      return false;
    }
  };

  return (
    <Paper component="section" aria-labelledby="mfa-heading" sx={{ p: { xs: 2, sm: 3 }, mb: 3 }}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap', mb: 1 }}>
        <Typography variant="h5" component="h2" id="mfa-heading">
          {t('security.mfa.title')}
        </Typography>
        <Chip
          size="small"
          color={enabled ? 'success' : 'default'}
          label={enabled ? t('security.mfa.on') : t('security.mfa.off')}
          data-testid="mfa-state"
        />
      </Box>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {t('security.mfa.intro')}
      </Typography>
      {notice && (
        <Alert severity="success" sx={{ mb: 2 }} role="status">
          {notice}
        </Alert>
      )}
      {problem && <IdentityProblem problem={problem} />}
      {enabled ? (
        <>
          <Typography sx={{ mb: 2 }}>{t('security.mfa.disableHelp')}</Typography>
          <CodeForm
            label={t('security.mfa.code')}
            submitLabel={t('security.mfa.disable')}
            busy={disableState.isLoading}
            onCode={async (code) => {
              await run(() => disableMfa({ code }).unwrap(), t('security.mfa.disabled'));
            }}
          />
        </>
      ) : setup ? (
        <Box sx={{ display: 'grid', gap: 2 }}>
          <Typography>{t('security.mfa.scan')}</Typography>
          <QrCode uri={setup.otpauth_uri} alt={t('security.mfa.qrAlt')} />
          <Box>
            <Typography variant="body2" color="text.secondary" id="mfa-secret-label">
              {t('security.mfa.manual')}
            </Typography>
            <Typography
              component="code"
              aria-labelledby="mfa-secret-label"
              data-testid="mfa-secret"
              sx={{ fontFamily: 'monospace', fontSize: '1.1rem', letterSpacing: '0.08em', overflowWrap: 'anywhere', display: 'block' }}
            >
              {setup.secret}
            </Typography>
          </Box>
          <CodeForm
            label={t('security.mfa.code')}
            submitLabel={t('security.mfa.enable')}
            busy={enableState.isLoading}
            onCode={async (code) => {
              if (await run(() => enableMfa({ code }).unwrap(), t('security.mfa.enabled'))) setSetup(null);
            }}
          />
        </Box>
      ) : (
        <Button
          variant="contained"
          disabled={setupState.isLoading}
          onClick={() =>
            void run(async () => {
              setSetup(await setupMfa().unwrap());
            }, '').then(() => setNotice(null))
          }
        >
          {t('security.mfa.setUp')}
        </Button>
      )}
    </Paper>
  );
}

type Confirming = { kind: 'one'; session: AuthSession } | { kind: 'all' } | null;

function Sessions() {
  const { t, i18n } = useTranslation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const sessions = useSessionsQuery();
  const [endSession, endState] = useEndSessionMutation();
  const [logoutEverywhere, everywhereState] = useLogoutEverywhereMutation();
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const deviceName = useDeviceName();
  const when = (iso: string) => formatDateTime(iso, i18n.language);

  const confirm = async () => {
    if (!confirming) return;
    setProblem(null);
    setNotice(null);
    try {
      if (confirming.kind === 'one') {
        await endSession(confirming.session.session_id).unwrap();
        setNotice(t('security.sessions.signedOut'));
        setConfirming(null);
      } else {
        await logoutEverywhere().unwrap();
        dispatch(signedOut());
        void navigate('/login', { replace: true });
      }
    } catch (error) {
      setConfirming(null);
      setProblem(problemOf(error));
    }
  };

  const items = sessions.data?.items ?? [];
  const busy = endState.isLoading || everywhereState.isLoading;
  return (
    <Paper component="section" aria-labelledby="sessions-heading" sx={{ p: { xs: 2, sm: 3 } }}>
      <Typography variant="h5" component="h2" id="sessions-heading" gutterBottom>
        {t('security.sessions.title')}
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {t('security.sessions.intro')}
      </Typography>
      {notice && (
        <Alert severity="success" sx={{ mb: 2 }} role="status">
          {notice}
        </Alert>
      )}
      {problem && <ProblemAlert problem={problem} />}
      {sessions.error ? (
        <ProblemAlert problem={problemOf(sessions.error)} />
      ) : !sessions.data ? (
        <Loading />
      ) : (
        <List aria-labelledby="sessions-heading" data-testid="sessions" disablePadding sx={{ mb: 2 }}>
          {items.map((session) => (
            <ListItem
              key={session.session_id}
              divider
              data-testid="session"
              sx={{ px: 0, gap: 2, flexWrap: 'wrap', justifyContent: 'space-between', alignItems: 'flex-start' }}
            >
              <Box sx={{ minWidth: 0 }}>
                <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
                  <Typography component="span" sx={{ fontWeight: 600, overflowWrap: 'anywhere' }} title={session.user_agent ?? undefined}>
                    {deviceName(session.user_agent)}
                  </Typography>
                  {session.current && <Chip size="small" color="primary" label={t('security.sessions.thisDevice')} data-testid="this-device" />}
                </Box>
                <Typography variant="body2" color="text.secondary">
                  {t('security.sessions.created', { when: when(session.created_at) })}
                  {session.last_used_at ? ` · ${t('security.sessions.lastUsed', { when: when(session.last_used_at) })}` : ''}
                </Typography>
                {session.ip_address && (
                  <Typography variant="body2" color="text.secondary">
                    {t('security.sessions.from', { address: session.ip_address })}
                  </Typography>
                )}
              </Box>
              {!session.current && (
                <Button
                  variant="outlined"
                  color="error"
                  disabled={busy}
                  aria-label={t('security.sessions.signOutLabel', { device: deviceName(session.user_agent), when: when(session.created_at) })}
                  onClick={() => setConfirming({ kind: 'one', session })}
                >
                  {t('security.sessions.signOut')}
                </Button>
              )}
            </ListItem>
          ))}
        </List>
      )}
      <Typography sx={{ mb: 1 }}>{t('security.sessions.everywhereHelp')}</Typography>
      <Button variant="outlined" color="error" disabled={busy} onClick={() => setConfirming({ kind: 'all' })} sx={{ mb: 2 }}>
        {t('security.sessions.everywhere')}
      </Button>
      <Typography variant="body2" color="text.secondary">
        {t('security.sessions.idle')}
      </Typography>
      <Dialog open={confirming !== null} onClose={() => setConfirming(null)} aria-labelledby="end-session-title" aria-describedby="end-session-body">
        {confirming && (
          <>
            <DialogTitle id="end-session-title">
              {confirming.kind === 'one' ? t('security.sessions.confirmTitle') : t('security.sessions.everywhereTitle')}
            </DialogTitle>
            <DialogContent>
              <DialogContentText id="end-session-body">
                {confirming.kind === 'one'
                  ? t('security.sessions.confirmBody', { device: deviceName(confirming.session.user_agent), when: when(confirming.session.created_at) })
                  : t('security.sessions.everywhereBody')}
              </DialogContentText>
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirming(null)}>{t('security.sessions.cancel')}</Button>
              <Button variant="contained" color="error" disabled={busy} onClick={() => void confirm()}>
                {confirming.kind === 'one' ? t('security.sessions.signOut') : t('security.sessions.everywhere')}
              </Button>
            </DialogActions>
          </>
        )}
      </Dialog>
    </Paper>
  );
}

export default function SecurityPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('security.title')}
      </Typography>
      {me.error ? (
        <ProblemAlert problem={problemOf(me.error)} />
      ) : !me.data ? (
        <Loading />
      ) : (
        <>
          <TwoStep enabled={me.data.mfa_enabled ?? false} />
          <Sessions />
          <SecurityActivity />
        </>
      )}
    </>
  );
}
