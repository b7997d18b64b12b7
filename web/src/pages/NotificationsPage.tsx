import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMeQuery } from '../api/api';
import { problemOf, type ApiProblem } from '../api/errors';
import {
  ALWAYS_ON,
  CATEGORIES,
  CHANNELS,
  lastSeenSeq,
  markSeen,
  useNotificationHistoryQuery,
  useNotificationPreferencesQuery,
  useSetNotificationPreferencesMutation,
} from '../api/notifications';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../format';

/** The message without its signature, at most a few lines. */
function summaryOf(body: string): string {
  const text = (body.split(/\n-- ?\n/)[0] ?? body).trim();
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

function HistoryChunk({
  userId,
  cursor,
  seenBefore,
  last,
  onMore,
  onNewest,
}: {
  userId: string;
  cursor: string | null;
  seenBefore: number;
  last: boolean;
  onMore: (cursor: string) => void;
  onNewest?: (seq: number) => void;
}) {
  const { t } = useTranslation();
  const { data, error, isFetching } = useNotificationHistoryQuery({ userId, limit: 20, cursor });
  const newest = data?.items[0]?.seq;
  useEffect(() => {
    if (newest !== undefined) onNewest?.(newest);
  }, [newest, onNewest]);
  if (error) return <ProblemAlert problem={problemOf(error)} />;
  if (!data) return <Loading />;
  if (cursor === null && data.items.length === 0) return <Alert severity="info">{t('notifications.none')}</Alert>;
  return (
    <>
      {data.items.map((n) => (
        <ListItem key={n.notification_id} divider sx={{ gap: 1, alignItems: 'flex-start' }} data-testid="notification-item">
          <ListItemText
            primary={n.subject ?? n.body}
            secondary={
              <>
                {n.subject && (
                  <Typography component="span" variant="body2" sx={{ display: 'block', whiteSpace: 'pre-line', overflowWrap: 'anywhere' }}>
                    {summaryOf(n.body)}
                  </Typography>
                )}
                <Typography component="span" variant="caption" color="text.secondary">
                  {t('notifications.channelOf', {
                    channel: t(`notifications.channel.${n.channel}`, { defaultValue: n.channel }),
                    when: formatDateTime(n.created_at),
                  })}
                </Typography>
              </>
            }
          />
          {n.seq > seenBefore && <Chip size="small" color="primary" label={t('notifications.new')} />}
        </ListItem>
      ))}
      {last && data.next_cursor && (
        <ListItem sx={{ justifyContent: 'center' }}>
          <Button onClick={() => onMore(data.next_cursor ?? '')} disabled={isFetching}>
            {t('notifications.more')}
          </Button>
        </ListItem>
      )}
    </>
  );
}

function PreferencesForm() {
  const { t } = useTranslation();
  const { data, error } = useNotificationPreferencesQuery();
  const [save, { isLoading }] = useSetNotificationPreferencesMutation();
  const [draft, setDraft] = useState<Record<string, Record<string, boolean>> | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (data) setDraft(structuredClone(data.channels));
  }, [data]);
  if (error) return <ProblemAlert problem={problemOf(error)} />;
  if (!data || !draft) return <Loading />;
  const changes: Record<string, Record<string, boolean>> = {};
  for (const category of CATEGORIES) {
    for (const channel of CHANNELS) {
      const now = draft[category]?.[channel] ?? false;
      if (now !== (data.channels[category]?.[channel] ?? false)) (changes[category] ??= {})[channel] = now;
    }
  }
  const dirty = Object.keys(changes).length > 0;
  const submit = async () => {
    setProblem(null);
    setSaved(false);
    try {
      await save({ channels: changes }).unwrap();
      setSaved(true);
    } catch (e) {
      setProblem(problemOf(e));
    }
  };
  return (
    <>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        {t('notifications.preferences.help')}
      </Typography>
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-labelledby="preferences-heading">
          <TableHead>
            <TableRow>
              <TableCell component="th" scope="col">
                {t('notifications.preferences.category')}
              </TableCell>
              {CHANNELS.map((channel) => (
                <TableCell key={channel} component="th" scope="col" align="center">
                  {t(`notifications.channel.${channel}`)}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {CATEGORIES.map((category) => (
              <TableRow key={category}>
                <TableCell component="th" scope="row">
                  {t(`notifications.category.${category}`)}
                </TableCell>
                {CHANNELS.map((channel) => {
                  const fixed = ALWAYS_ON.has(`${category}/${channel}`);
                  return (
                    <TableCell key={channel} align="center" padding="checkbox">
                      <Checkbox
                        checked={fixed || (draft[category]?.[channel] ?? false)}
                        disabled={fixed}
                        onChange={(event) =>
                          setDraft((d) => ({ ...d, [category]: { ...(d?.[category] ?? {}), [channel]: event.target.checked } }))
                        }
                        slotProps={{
                          input: {
                            'aria-label': t('notifications.preferences.toggle', {
                              category: t(`notifications.category.${category}`),
                              channel: t(`notifications.channel.${channel}`),
                            }),
                          },
                        }}
                      />
                    </TableCell>
                  );
                })}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      {!data.push_token_registered && (
        <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
          {t('notifications.preferences.pushNote')}
        </Typography>
      )}
      <Box aria-live="polite" sx={{ mt: 2 }}>
        {problem && <ProblemAlert problem={problem} />}
        {saved && !dirty && <Alert severity="success">{t('notifications.preferences.saved')}</Alert>}
      </Box>
      <Button variant="contained" sx={{ mt: 2 }} onClick={() => void submit()} disabled={!dirty || isLoading}>
        {t('notifications.preferences.save')}
      </Button>
    </>
  );
}

export default function NotificationsPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  const userId = me.data?.user_id ?? '';
  // What was unread when the page opened stays marked "New" while it is open.
  const [seenBefore, setSeenBefore] = useState<number | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  useEffect(() => {
    if (userId && seenBefore === null) setSeenBefore(lastSeenSeq(userId));
  }, [userId, seenBefore]);
  const onNewest = (seq: number) => {
    if (userId) markSeen(userId, seq);
  };

  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('notifications.title')}
      </Typography>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '3fr 2fr' }, alignItems: 'start' }}>
        <Paper component="section" aria-labelledby="notifications-list-heading" sx={{ p: 2 }}>
          <Typography variant="h6" component="h2" id="notifications-list-heading">
            {t('notifications.listTitle')}
          </Typography>
          <Typography variant="body2" color="text.secondary">
            {t('notifications.unreadHelp')}
          </Typography>
          {me.error ? (
            <ProblemAlert problem={problemOf(me.error)} />
          ) : !userId || seenBefore === null ? (
            <Loading />
          ) : (
            <List aria-labelledby="notifications-list-heading" data-testid="notification-list">
              {cursors.map((cursor, index) => (
                <HistoryChunk
                  key={cursor ?? 'first'}
                  userId={userId}
                  cursor={cursor}
                  seenBefore={seenBefore}
                  last={index === cursors.length - 1}
                  onMore={(next) => setCursors((all) => [...all, next])}
                  onNewest={index === 0 ? onNewest : undefined}
                />
              ))}
            </List>
          )}
        </Paper>
        <Paper component="section" aria-labelledby="preferences-heading" sx={{ p: 2 }}>
          <Typography variant="h6" component="h2" id="preferences-heading">
            {t('notifications.preferences.title')}
          </Typography>
          <PreferencesForm />
        </Paper>
      </Box>
    </>
  );
}
