import Box from '@mui/material/Box';
import CircularProgress from '@mui/material/CircularProgress';
import { useTranslation } from 'react-i18next';

export function Loading() {
  const { t } = useTranslation();
  return (
    <Box role="status" sx={{ display: 'flex', justifyContent: 'center', alignItems: 'center', gap: 2, p: 4 }}>
      <CircularProgress size={24} aria-hidden="true" />
      <span>{t('app.loading')}</span>
    </Box>
  );
}
