import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

export default function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('app.notFound.title')}
      </Typography>
      <Typography sx={{ mb: 2 }}>{t('app.notFound.body')}</Typography>
      <Button variant="contained" component={Link} to="/">
        {t('app.notFound.home')}
      </Button>
    </>
  );
}
