import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMemo, useRef, useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { useAccountsOfUserQuery, useMeQuery } from '../api/api';
import { problemOf, type ApiProblem } from '../api/errors';
import { SubmissionKey, sendWithKey } from '../api/idempotency';
import {
  useCancelScheduleMutation,
  useScheduleMutation,
  useSchedulesQuery,
  type Frequency,
  type Schedule,
  type ScheduleRequest,
} from '../api/movements';
import type { Account } from '../api/types';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { ReviewActions } from '../components/ReviewActions';
import { SummaryRow, accountName, statusLabel } from '../components/Summary';
import { currencyDigits, formatDateTime, formatMoney } from '../format';
import { amountSchema, hasTooManyDecimals } from '../amounts';

const FREQUENCIES: Frequency[] = ['ONCE', 'DAILY', 'WEEKLY', 'MONTHLY'];
const ACCOUNT_NUMBER = /^\d{14}$/;
const BY_NUMBER = 'by-number'; // the "to" choice of an account given by its number

function draftSchema(accounts: Account[]) {
  const byId = new Map(accounts.map((a) => [a.account_id, a]));
  return z
    .object({
      from_account_id: z.string().min(1, { error: 'transfer.validation.from' }),
      to: z.string().min(1, { error: 'scheduled.validation.to' }),
      to_number: z.string().trim(),
      amount: amountSchema,
      frequency: z.enum(['ONCE', 'DAILY', 'WEEKLY', 'MONTHLY']),
      start_day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'scheduled.validation.start' }),
      count: z.string().trim().regex(/^\d{0,3}$/, { error: 'scheduled.validation.count' }),
      description: z.string().max(140).optional(),
    })
    .superRefine((draft, ctx) => {
      const from = byId.get(draft.from_account_id);
      if (draft.to === draft.from_account_id) ctx.addIssue({ code: 'custom', path: ['to'], message: 'transfer.validation.same' });
      if (draft.to === BY_NUMBER && !ACCOUNT_NUMBER.test(draft.to_number)) {
        ctx.addIssue({ code: 'custom', path: ['to_number'], message: 'scheduled.validation.number' });
      }
      if (from && hasTooManyDecimals(draft.amount, from.currency)) {
        ctx.addIssue({ code: 'custom', path: ['amount'], message: 'transfer.validation.decimals' });
      }
      if (draft.start_day < new Date().toISOString().slice(0, 10)) {
        ctx.addIssue({ code: 'custom', path: ['start_day'], message: 'scheduled.validation.past' });
      }
    });
}
type Draft = z.infer<ReturnType<typeof draftSchema>>;
const today = () => new Date().toISOString().slice(0, 10);
const emptyDraft = (): Draft => ({ from_account_id: '', to: '', to_number: '', amount: '', frequency: 'MONTHLY', start_day: today(), count: '', description: '' });

/** The new-schedule form: from one of the customer's accounts to another of theirs or any account number. */
function NewSchedule({ accounts, onDone }: { accounts: Account[]; onDone: () => void }) {
  const { t } = useTranslation();
  const schema = useMemo(() => draftSchema(accounts), [accounts]);
  const form = useForm<Draft>({ resolver: zodResolver(schema), defaultValues: emptyDraft() });
  const [request, setRequest] = useState<ScheduleRequest | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const submission = useRef(new SubmissionKey());
  const [schedule, { isLoading }] = useScheduleMutation();
  const errors = form.formState.errors;
  const from = accounts.find((a) => a.account_id === form.watch('from_account_id'));
  const message = (key: string | undefined) => (key ? t(key, { currency: from?.currency ?? '', digits: from ? currencyDigits(from.currency) : 2 }) : ' ');

  const review = (draft: Draft) => {
    const source = accounts.find((a) => a.account_id === draft.from_account_id);
    if (!source) return;
    const own = draft.to !== BY_NUMBER;
    // A start today runs now; a later day runs at the start of that day (UTC, the bank's zone).
    const start = draft.start_day === today() ? null : `${draft.start_day}T00:00:00Z`;
    setProblem(null);
    setRequest({
      from_account_id: draft.from_account_id,
      ...(own ? { to_account_id: draft.to } : { to_account_number: draft.to_number }),
      amount: draft.amount.trim(),
      currency: source.currency,
      frequency: draft.frequency,
      start_at: start,
      count: draft.frequency !== 'ONCE' && draft.count ? Number(draft.count) : null,
      description: draft.description?.trim() || null,
    });
  };

  const confirm = async () => {
    if (!request) return;
    const outcome = await sendWithKey(submission.current, request, (idempotencyKey) => schedule({ body: request, idempotencyKey }).unwrap());
    if ('problem' in outcome) {
      setProblem(outcome.problem);
      return;
    }
    form.reset(emptyDraft());
    setRequest(null);
    onDone();
  };

  if (request) {
    const to = accounts.find((a) => a.account_id === request.to_account_id);
    return (
      <Box>
        <Typography variant="h6" component="h3" gutterBottom>
          {t('scheduled.reviewTitle')}
        </Typography>
        <Box component="dl" sx={{ m: 0 }}>
          <SummaryRow label={t('transfer.from')} value={accountName(t, from)} />
          <SummaryRow label={t('transfer.to')} value={to ? accountName(t, to) : (request.to_account_number ?? '')} />
          <SummaryRow label={t('transfer.amount')} value={formatMoney(request.amount, request.currency)} testId="schedule-review-amount" />
          <SummaryRow label={t('scheduled.frequency')} value={t(`scheduled.frequencyName.${request.frequency}`)} />
          <SummaryRow label={t('scheduled.start')} value={request.start_at ? formatDateTime(request.start_at) : t('scheduled.now')} />
          {request.count != null && <SummaryRow label={t('scheduled.count')} value={String(request.count)} />}
        </Box>
        <ReviewActions problem={problem} busy={isLoading} confirmLabel={t('scheduled.confirm')} onConfirm={() => void confirm()} onEdit={() => setRequest(null)} size="medium" />
      </Box>
    );
  }

  return (
    <Box component="form" noValidate onSubmit={form.handleSubmit(review)} sx={{ display: 'grid', gap: 2 }}>
      <Controller
        control={form.control}
        name="from_account_id"
        render={({ field }) => (
          <TextField select label={t('transfer.from')} required {...field} error={Boolean(errors.from_account_id)} helperText={message(errors.from_account_id?.message)}>
            {accounts.map((a) => (
              <MenuItem key={a.account_id} value={a.account_id}>
                {accountName(t, a)}
              </MenuItem>
            ))}
          </TextField>
        )}
      />
      <Controller
        control={form.control}
        name="to"
        render={({ field }) => (
          <TextField select label={t('transfer.to')} required {...field} error={Boolean(errors.to)} helperText={message(errors.to?.message)}>
            {accounts.map((a) => (
              <MenuItem key={a.account_id} value={a.account_id}>
                {accountName(t, a)}
              </MenuItem>
            ))}
            <MenuItem value={BY_NUMBER}>{t('scheduled.byNumber')}</MenuItem>
          </TextField>
        )}
      />
      {form.watch('to') === BY_NUMBER && (
        <TextField
          label={t('scheduled.toNumber')}
          required
          autoComplete="off"
          slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 14 } }}
          error={Boolean(errors.to_number)}
          helperText={errors.to_number ? message(errors.to_number.message) : t('scheduled.toNumberHelp')}
          {...form.register('to_number')}
        />
      )}
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' }, gap: 2 }}>
        <TextField
          label={t('transfer.amount')}
          required
          autoComplete="off"
          slotProps={{ htmlInput: { inputMode: 'decimal' } }}
          error={Boolean(errors.amount)}
          helperText={message(errors.amount?.message)}
          {...form.register('amount')}
        />
        <Controller
          control={form.control}
          name="frequency"
          render={({ field }) => (
            <TextField select label={t('scheduled.frequency')} {...field} helperText=" ">
              {FREQUENCIES.map((f) => (
                <MenuItem key={f} value={f}>
                  {t(`scheduled.frequencyName.${f}`)}
                </MenuItem>
              ))}
            </TextField>
          )}
        />
        <TextField
          type="date"
          label={t('scheduled.start')}
          required
          slotProps={{ inputLabel: { shrink: true } }}
          error={Boolean(errors.start_day)}
          helperText={errors.start_day ? message(errors.start_day.message) : t('scheduled.startHelp')}
          {...form.register('start_day')}
        />
        <TextField
          label={t('scheduled.count')}
          autoComplete="off"
          disabled={form.watch('frequency') === 'ONCE'}
          slotProps={{ htmlInput: { inputMode: 'numeric' } }}
          error={Boolean(errors.count)}
          helperText={errors.count ? message(errors.count.message) : t('scheduled.countHelp')}
          {...form.register('count')}
        />
      </Box>
      <TextField label={t('transfer.description')} autoComplete="off" helperText=" " {...form.register('description')} />
      <Box>
        <Button type="submit" variant="contained">
          {t('transfer.continue')}
        </Button>
      </Box>
    </Box>
  );
}

function ScheduleCard({ schedule, accounts, onCancel }: { schedule: Schedule; accounts: Account[]; onCancel: (s: Schedule) => void }) {
  const { t } = useTranslation();
  const from = accounts.find((a) => a.account_id === schedule.from_account_id);
  const to = accounts.find((a) => a.account_id === schedule.to_account_id);
  const headingId = `schedule-${schedule.schedule_id}`;
  return (
    <Card component="section" aria-labelledby={headingId} data-testid="schedule">
      <CardContent>
        <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
          <Typography variant="h6" component="h3" id={headingId}>
            {t('scheduled.cardTitle', { amount: formatMoney(schedule.amount, schedule.currency), frequency: t(`scheduled.frequencyName.${schedule.frequency}`) })}
          </Typography>
          <Chip size="small" label={t(`scheduled.status.${schedule.status}`, { defaultValue: schedule.status })} />
        </Box>
        <Box component="dl" sx={{ m: 0 }}>
          <SummaryRow label={t('transfer.from')} value={accountName(t, from)} />
          <SummaryRow label={t('transfer.to')} value={to ? accountName(t, to) : t('scheduled.otherAccount')} />
          <SummaryRow label={t('scheduled.next')} value={schedule.next_run_at ? formatDateTime(schedule.next_run_at) : t('scheduled.none')} />
          <SummaryRow label={t('scheduled.runs')} value={String(schedule.runs_done)} />
        </Box>
        {schedule.recent_runs.length > 0 && (
          <Box component="ul" sx={{ pl: 2, my: 1 }}>
            {schedule.recent_runs.map((run) => (
              <Typography component="li" variant="body2" key={run.transaction_id}>
                {t('scheduled.runLine', {
                  occurrence: run.occurrence,
                  at: formatDateTime(run.due_at),
                  status: statusLabel(t, run.status),
                })}
                {run.reason ? ` — ${t(`errors.${run.reason}`, { defaultValue: run.reason })}` : ''}
              </Typography>
            ))}
          </Box>
        )}
        {schedule.status === 'ACTIVE' && (
          <Button color="error" onClick={() => onCancel(schedule)}>
            {t('scheduled.cancel')}
          </Button>
        )}
      </CardContent>
    </Card>
  );
}

/** Scheduled transfers: the customer's, with their recent runs; a new one; cancelling one. */
export default function ScheduledPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  const accountsQuery = useAccountsOfUserQuery(me.data?.user_id ?? '', { skip: !me.data });
  const accounts = useMemo(() => (accountsQuery.data?.items ?? []).filter((a) => a.status !== 'CLOSED'), [accountsQuery.data]);
  const [cursor, setCursor] = useState<string | null>(null);
  const schedules = useSchedulesQuery({ cursor });
  const [cancel, { isLoading: cancelling }] = useCancelScheduleMutation();
  const [toCancel, setToCancel] = useState<Schedule | null>(null);
  const [cancelProblem, setCancelProblem] = useState<ApiProblem | null>(null);
  const [created, setCreated] = useState(false);

  const confirmCancel = async () => {
    if (!toCancel) return;
    try {
      await cancel(toCancel.schedule_id).unwrap();
      setToCancel(null);
    } catch (error) {
      setCancelProblem(problemOf(error));
    }
  };

  const problem = me.error ?? accountsQuery.error ?? schedules.error;
  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('scheduled.title')}
      </Typography>
      {problem ? (
        <ProblemAlert problem={problemOf(problem)} />
      ) : !accountsQuery.data || !schedules.data ? (
        <Loading />
      ) : (
        <Box sx={{ display: 'grid', gap: 3 }}>
          <Paper component="section" aria-labelledby="new-schedule" sx={{ p: { xs: 2, sm: 3 } }}>
            <Typography variant="h5" component="h2" id="new-schedule" gutterBottom>
              {t('scheduled.newTitle')}
            </Typography>
            {created && (
              <Alert severity="success" sx={{ mb: 2 }} onClose={() => setCreated(false)}>
                {t('scheduled.created')}
              </Alert>
            )}
            {accounts.length === 0 ? (
              <Alert severity="info">{t('external.needAccount')}</Alert>
            ) : (
              <NewSchedule accounts={accounts} onDone={() => setCreated(true)} />
            )}
          </Paper>
          <Box component="section" aria-labelledby="your-schedules">
            <Typography variant="h5" component="h2" id="your-schedules" gutterBottom>
              {t('scheduled.listTitle')}
            </Typography>
            {schedules.data.items.length === 0 ? (
              <Typography color="text.secondary">{t('scheduled.empty')}</Typography>
            ) : (
              <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'repeat(2, minmax(0, 1fr))' } }}>
                {schedules.data.items.map((s) => (
                  <ScheduleCard key={s.schedule_id} schedule={s} accounts={accounts} onCancel={(one) => { setCancelProblem(null); setToCancel(one); }} />
                ))}
              </Box>
            )}
            <Box sx={{ display: 'flex', gap: 2, mt: 2 }}>
              {cursor && <Button onClick={() => setCursor(null)}>{t('scheduled.first')}</Button>}
              {schedules.data.next_cursor && <Button onClick={() => setCursor(schedules.data?.next_cursor ?? null)}>{t('scheduled.more')}</Button>}
            </Box>
          </Box>
        </Box>
      )}
      <Dialog open={toCancel !== null} onClose={() => setToCancel(null)} aria-labelledby="cancel-title">
        <DialogTitle id="cancel-title">{t('scheduled.cancelTitle')}</DialogTitle>
        <DialogContent>
          <DialogContentText>
            {toCancel && t('scheduled.cancelText', { amount: formatMoney(toCancel.amount, toCancel.currency), frequency: t(`scheduled.frequencyName.${toCancel.frequency}`) })}
          </DialogContentText>
          {cancelProblem && (
            <Box sx={{ mt: 2 }}>
              <ProblemAlert problem={cancelProblem} />
            </Box>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setToCancel(null)}>{t('scheduled.keep')}</Button>
          <Button color="error" variant="contained" onClick={() => void confirmCancel()} disabled={cancelling}>
            {t('scheduled.cancelConfirm')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
