import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Container from '@mui/material/Container';
import Link from '@mui/material/Link';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useLogoutMutation } from '../api/api';
import { signedOut } from '../auth/authSlice';
import { rolesOf } from '../auth/session';
import { useAppDispatch, useAppSelector } from '../hooks';
import { IDLE_SIGN_OUT_KEY, IdleSignOut } from './IdleSignOut';
import { Loading } from './Loading';
import { NotificationBell } from './NotificationBell';

export function Layout() {
  const { t } = useTranslation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [logout, { isLoading }] = useLogoutMutation();
  const roles = rolesOf(useAppSelector((state) => state.auth.accessToken));
  const staff = roles.includes('admin') || roles.includes('support') || roles.includes('auditor');

  const signOut = async (idle = false) => {
    try {
      await logout().unwrap();
    } catch {
      // the session is ended locally whatever the API answered
    }
    if (idle) {
      try {
        sessionStorage.setItem(IDLE_SIGN_OUT_KEY, '1'); // the login page says why (the route's state is RequireAuth's)
      } catch {
        // storage unavailable: no explanation, still signed out
      }
    }
    dispatch(signedOut());
    void navigate('/login', { replace: true });
  };

  return (
    <Box sx={{ minHeight: '100vh', bgcolor: 'background.default' }}>
      <Link
        href="#main"
        sx={{
          position: 'absolute',
          left: 8,
          top: -48,
          zIndex: 2000,
          p: 1,
          bgcolor: 'background.paper',
          '&:focus': { top: 8 },
        }}
      >
        {t('app.skipToContent')}
      </Link>
      <AppBar position="static" component="header">
        <Toolbar sx={{ flexWrap: { xs: 'wrap', md: 'nowrap' }, rowGap: 0, gap: { xs: 0.5, sm: 1 }, px: { xs: 1, sm: 2 }, '& .MuiButton-root': { minWidth: 0, px: { xs: 0.75, sm: 1.5 }, fontSize: { xs: '0.78rem', sm: '0.875rem' } } }}>
          <Typography variant="h6" component="p" sx={{ flexGrow: 1, fontSize: { xs: '1.05rem', sm: '1.25rem' } }}>
            {t('app.name')}
          </Typography>
          <Box
            component="nav"
            aria-label={t('app.mainNav')}
            sx={{ display: 'flex', gap: { xs: 0, sm: 1 }, order: { xs: 3, md: 0 }, width: { xs: '100%', md: 'auto' }, overflowX: 'auto', whiteSpace: 'nowrap', pb: { xs: 0.5, md: 0 }, '& > *': { flexShrink: 0 }, '& a.active': { textDecoration: 'underline', textUnderlineOffset: '6px', textDecorationThickness: '2px' } }}
          >
            <Button color="inherit" component={NavLink} to="/" end>
              {t('app.nav.dashboard')}
            </Button>
            <Button color="inherit" component={NavLink} to="/transfer">
              {t('app.nav.transfer')}
            </Button>
            <Button color="inherit" component={NavLink} to="/history">
              {t('history.nav')}
            </Button>
            <Button color="inherit" component={NavLink} to="/payees">
              {t('payees.nav')}
            </Button>
            {roles.includes('customer') && (
              <Button color="inherit" component={NavLink} to="/onboarding">
                {t('identity.nav.onboarding')}
              </Button>
            )}
            <Button color="inherit" component={NavLink} to="/security">
              {t('identity.nav.security')}
            </Button>
            {staff && (
              <Button color="inherit" component={NavLink} to="/admin">
                {t('identity.nav.backOffice')}
              </Button>
            )}
          </Box>
          <NotificationBell />
          <Button color="inherit" variant="outlined" onClick={() => void signOut()} disabled={isLoading}>
            {t('app.signOut')}
          </Button>
        </Toolbar>
      </AppBar>
      <Container component="main" id="main" tabIndex={-1} maxWidth="lg" sx={{ py: 3, px: { xs: 1.5, sm: 3 } }}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </Container>
      <IdleSignOut onSignOut={() => void signOut(true)} />
    </Box>
  );
}
