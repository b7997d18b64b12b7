import Typography from '@mui/material/Typography';
import { useTranslation } from 'react-i18next';
import { Outlet } from 'react-router';

/** The back office's frame, reached only by support and admin (see RequireRole); its pages come
 * in later slices of issue 24. */
export default function AdminShell() {
  const { t } = useTranslation();
  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('admin.title')}
      </Typography>
      <Outlet />
    </>
  );
}
