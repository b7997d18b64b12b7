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
import { useAppDispatch } from '../hooks';
import { Loading } from './Loading';

export function Layout() {
  const { t } = useTranslation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [logout, { isLoading }] = useLogoutMutation();

  const signOut = async () => {
    try {
      await logout().unwrap();
    } catch {
      // the session is ended locally whatever the API answered
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
        <Toolbar sx={{ gap: { xs: 0.5, sm: 1 }, px: { xs: 1, sm: 2 }, '& .MuiButton-root': { minWidth: 0, px: { xs: 0.75, sm: 1.5 }, fontSize: { xs: '0.78rem', sm: '0.875rem' } } }}>
          <Typography variant="h6" component="p" sx={{ flexGrow: 1, fontSize: { xs: '1.05rem', sm: '1.25rem' } }}>
            {t('app.name')}
          </Typography>
          <Box
            component="nav"
            aria-label={t('app.mainNav')}
            sx={{ display: 'flex', gap: { xs: 0, sm: 1 }, '& a.active': { textDecoration: 'underline', textUnderlineOffset: '6px', textDecorationThickness: '2px' } }}
          >
            <Button color="inherit" component={NavLink} to="/" end>
              {t('app.nav.dashboard')}
            </Button>
            <Button color="inherit" component={NavLink} to="/transfer">
              {t('app.nav.transfer')}
            </Button>
          </Box>
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
    </Box>
  );
}
