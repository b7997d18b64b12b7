import Badge from '@mui/material/Badge';
import IconButton from '@mui/material/IconButton';
import SvgIcon from '@mui/material/SvgIcon';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bankflowApi, useMeQuery } from '../api/api';
import {
  lastSeenSeq,
  notificationsApi,
  openNotificationStream,
  subscribeSeen,
  useNotificationHistoryQuery,
  useStreamTicketMutation,
  type Notification,
} from '../api/notifications';
import { useAppDispatch } from '../hooks';
import { visuallyHidden } from './visuallyHidden';

function BellIcon() {
  return (
    <SvgIcon aria-hidden="true">
      <path d="M12 22c1.1 0 2-.9 2-2h-4a2 2 0 0 0 2 2zm6-6v-5c0-3.07-1.64-5.64-4.5-6.32V4a1.5 1.5 0 0 0-3 0v.68C7.63 5.36 6 7.92 6 11v5l-2 2v1h16v-1l-2-2z" />
    </SvgIcon>
  );
}

/** The app bar's bell: how many notifications arrived since the list was last opened, live. */
export function NotificationBell() {
  const { t } = useTranslation();
  const dispatch = useAppDispatch();
  const me = useMeQuery();
  const userId = me.data?.user_id ?? '';
  const history = useNotificationHistoryQuery({ userId, limit: 50 }, { skip: !userId });
  const [live, setLive] = useState<Notification[]>([]);
  const [announcement, setAnnouncement] = useState('');
  const [getTicket] = useStreamTicketMutation();
  const ticketRef = useRef(getTicket);
  ticketRef.current = getTicket;
  const seen = useSyncExternalStore(subscribeSeen, () => (userId ? lastSeenSeq(userId) : 0));

  useEffect(() => {
    if (!userId) return undefined;
    return openNotificationStream({
      ticket: async () => (await ticketRef.current().unwrap()).ticket,
      onNotification: (notification) => {
        setLive((all) => (all.some((n) => n.seq === notification.seq) ? all : [...all, notification]));
        setAnnouncement(t('notifications.arrived', { subject: notification.subject ?? notification.body }));
        dispatch(notificationsApi.util.invalidateTags(['Notifications']));
        // money may have moved: the balances and lists on screen are read again
        dispatch(bankflowApi.util.invalidateTags(['Accounts', 'Transactions']));
      },
      onOpen: () => dispatch(notificationsApi.util.invalidateTags(['Notifications'])),
    });
  }, [userId, dispatch, t]);

  const unread = useMemo(() => {
    const seqs = new Set<number>();
    for (const n of history.data?.items ?? []) if (n.seq > seen) seqs.add(n.seq);
    for (const n of live) if (n.seq > seen) seqs.add(n.seq);
    return seqs.size;
  }, [history.data, live, seen]);

  const label = unread > 0 ? t('notifications.bellUnread', { count: unread }) : t('notifications.bell');
  return (
    <>
      <IconButton color="inherit" component={Link} to="/notifications" aria-label={label} data-testid="notification-bell" data-unread={unread}>
        <Badge badgeContent={unread} max={99} overlap="circular" sx={{ '& .MuiBadge-badge': { bgcolor: '#b71c1c', color: '#fff' } }}>
          <BellIcon />
        </Badge>
      </IconButton>
      <span role="status" style={visuallyHidden}>
        {announcement}
      </span>
    </>
  );
}
