import Alert from '@mui/material/Alert';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useTranslation } from 'react-i18next';
import { problemOf } from '../api/errors';
import { useSecurityActivityQuery, type SecurityEvent } from '../api/identity';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../format';
import { CursorPager, useCursorPages } from './admin/common';
import { useDeviceName } from './deviceName';

const PAGE = 10;

/** The signed-in user's own security events from the audit trail, newest first: sign-ins (and
 * failed attempts, with why), MFA and password changes, role changes. */
export function SecurityActivity() {
  const { t, i18n } = useTranslation();
  const pages = useCursorPages();
  const activity = useSecurityActivityQuery({ cursor: pages.cursor, limit: PAGE });
  const deviceName = useDeviceName();
  const describe = (event: SecurityEvent) =>
    event.outcome === 'failure'
      ? t('security.activity.failed', { reason: t(`security.activity.reasons.${event.reason ?? 'other'}`, { defaultValue: t('security.activity.reasons.other') }) })
      : t(`security.activity.actions.${event.action}`, { defaultValue: event.action });
  return (
    <Paper component="section" aria-labelledby="activity-heading" sx={{ p: { xs: 2, sm: 3 }, mt: 3 }}>
      <Typography variant="h5" component="h2" id="activity-heading" gutterBottom>
        {t('security.activity.title')}
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {t('security.activity.intro')}
      </Typography>
      {activity.error ? (
        <ProblemAlert problem={problemOf(activity.error)} />
      ) : !activity.data ? (
        <Loading />
      ) : activity.data.items.length === 0 ? (
        <Alert severity="info">{t('security.activity.none')}</Alert>
      ) : (
        <List aria-labelledby="activity-heading" data-testid="security-activity" disablePadding>
          {activity.data.items.map((event) => (
            <ListItem key={event.seq} divider data-testid="security-event" sx={{ px: 0, display: 'block' }}>
              <Typography sx={{ fontWeight: 600, color: event.outcome === 'failure' ? 'error.main' : undefined }}>{describe(event)}</Typography>
              <Typography variant="body2" color="text.secondary">
                {formatDateTime(event.occurred_at, i18n.language)} · {deviceName(event.user_agent)}
                {event.ip_address ? ` · ${t('security.sessions.from', { address: event.ip_address })}` : ''}
              </Typography>
            </ListItem>
          ))}
        </List>
      )}
      <CursorPager pages={pages} nextCursor={activity.data?.next_cursor} busy={activity.isFetching} />
    </Paper>
  );
}
