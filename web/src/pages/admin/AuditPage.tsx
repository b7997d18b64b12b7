import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuditExportMutation, useAuditRecordsQuery, type AuditRecord, type AuditSearch } from '../../api/admin';
import { problemOf, type ApiProblem } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDateTime } from '../../format';
import { CursorPager, Hidden, ScrollTable, Section, StatusChip, shortId, useCursorPages } from './common';

const PAGE = 25;
/** The actions the trail records (models/audit.py AuditAction), offered as a filter. */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.mfa.enable',
  'auth.mfa.disable',
  'auth.password.reset',
  'user.roles.change',
  'customer.kyc.decide',
  'customer.document.upload',
  'customer.document.view',
  'account.freeze',
  'account.unfreeze',
  'account.close',
  'account.limits.change',
  'transaction.reverse',
  'fraud.rule.create',
  'fraud.rule.change',
  'fraud.list.add',
  'fraud.list.remove',
  'fraud.case.resolve',
  'fraud.model.promote',
  'notification.admin.send',
  'compliance.sar.file',
  'approval.request',
  'approval.approve',
  'approval.reject',
  'approval.settle',
  'approval.policy.change',
] as const;

interface Filters {
  action: string;
  actor: string;
  targetType: string;
  targetId: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { action: '', actor: '', targetType: '', targetId: '', from: '', to: '' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A datetime-local value (the browser's local time) as an ISO instant with its zone, or null. */
function instant(local: string): string | null {
  if (!local) return null;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** The API's search for what the form says. */
export function auditSearchOf(filters: Filters, cursor: string | null): AuditSearch {
  return {
    action: filters.action ? [filters.action] : null,
    actor: filters.actor.trim() || null,
    target_type: filters.targetType.trim() || null,
    target_id: filters.targetId.trim() || null,
    from: instant(filters.from),
    to: instant(filters.to),
    limit: PAGE,
    cursor,
  };
}

/** "field: before → after" for each changed field, as the record keeps them (masked already). */
export function describeChanges(record: AuditRecord): string {
  const before = record.changes.before ?? {};
  const after = record.changes.after ?? {};
  const show = (value: unknown) => (value === undefined ? '—' : value === null ? 'none' : Array.isArray(value) ? value.join(', ') : String(value));
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .map((name) => (name in before ? `${name}: ${show(before[name])} → ${show(after[name])}` : `${name}: ${show(after[name])}`))
    .join('; ');
}

function Records({ filters }: { filters: Filters }) {
  const { t } = useTranslation();
  const pages = useCursorPages();
  const query = useAuditRecordsQuery(auditSearchOf(filters, pages.cursor));
  if (query.error) return <ProblemAlert problem={problemOf(query.error)} />;
  if (!query.data) return <Loading />;
  if (query.data.items.length === 0) return <Alert severity="info">{t('admin.audit.none')}</Alert>;
  return (
    <>
      <ScrollTable label={t('admin.audit.results')}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.audit.seq')}</TableCell>
              <TableCell>{t('admin.audit.when')}</TableCell>
              <TableCell>{t('admin.audit.action')}</TableCell>
              <TableCell>{t('admin.audit.outcome')}</TableCell>
              <TableCell>{t('admin.audit.actor')}</TableCell>
              <TableCell>{t('admin.audit.target')}</TableCell>
              <TableCell>{t('admin.audit.changes')}</TableCell>
              <TableCell>{t('admin.audit.from')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {query.data.items.map((record) => (
              <TableRow key={record.seq} data-testid="audit-row">
                <TableCell>{record.seq}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(record.occurred_at)}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{record.action}</TableCell>
                <TableCell>
                  <StatusChip tone={record.outcome === 'success' ? 'success' : 'error'} label={t(`admin.audit.outcomes.${record.outcome}`)} />
                  {record.reason && (
                    <Typography variant="body2" sx={{ mt: 0.5 }}>
                      {record.reason}
                    </Typography>
                  )}
                </TableCell>
                <TableCell>
                  <span title={record.actor.user_id ?? undefined}>{record.actor.user_id ? shortId(record.actor.user_id) : t('admin.audit.nobody')}</span>
                  <Typography variant="body2" color="text.secondary">
                    {record.actor.roles.join(', ')}
                  </Typography>
                </TableCell>
                <TableCell>
                  {record.target_type}
                  {record.target_id && (
                    <Typography variant="body2" color="text.secondary" title={record.target_id} sx={{ overflowWrap: 'anywhere' }}>
                      {UUID.test(record.target_id) ? shortId(record.target_id) : record.target_id}
                    </Typography>
                  )}
                </TableCell>
                <TableCell sx={{ overflowWrap: 'anywhere', minWidth: 200 }}>{describeChanges(record)}</TableCell>
                <TableCell sx={{ overflowWrap: 'anywhere' }}>
                  {record.origin.ip_address ?? '—'}
                  <Hidden>{t('admin.audit.requestId')}</Hidden>
                  <Typography variant="body2" color="text.secondary">
                    {record.origin.request_id ?? ''}
                  </Typography>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </ScrollTable>
      <CursorPager pages={pages} nextCursor={query.data.next_cursor} busy={query.isFetching} />
    </>
  );
}

/** Admins and auditors: who did what, searched by action, actor, target and time; exported as CSV. */
export default function AuditPage() {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const [searches, setSearches] = useState(0);
  const [exportTrail, { isLoading: exporting }] = useAuditExportMutation();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const actorInvalid = draft.actor.trim() !== '' && !UUID.test(draft.actor.trim());

  const set = (name: keyof Filters) => (event: { target: { value: string } }) => setDraft((d) => ({ ...d, [name]: event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (actorInvalid) return;
    setProblem(null);
    setApplied(draft);
    setSearches((n) => n + 1); // a new search starts at the first page
  };
  const download = async () => {
    setProblem(null);
    try {
      const url = await exportTrail(auditSearchOf(applied, null)).unwrap();
      const link = document.createElement('a');
      link.href = url;
      link.download = `audit-${new Date().toISOString().slice(0, 10)}.csv`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  return (
    <>
      <Typography variant="h5" component="h2" gutterBottom>
        {t('admin.audit.title')}
      </Typography>
      <Typography sx={{ mb: 2 }}>{t('admin.audit.intro')}</Typography>
      <Section title={t('admin.audit.search')}>
        <Box
          component="form"
          role="search"
          aria-label={t('admin.audit.search')}
          noValidate
          onSubmit={submit}
          sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'repeat(3, 1fr)' }, alignItems: 'start' }}
        >
          <TextField select label={t('admin.audit.action')} value={draft.action} onChange={set('action')} helperText=" ">
            <MenuItem value="">{t('admin.any')}</MenuItem>
            {AUDIT_ACTIONS.map((action) => (
              <MenuItem key={action} value={action}>
                {action}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            label={t('admin.audit.actorId')}
            value={draft.actor}
            onChange={set('actor')}
            error={actorInvalid}
            helperText={actorInvalid ? t('admin.audit.actorInvalid') : t('admin.audit.actorHelp')}
            autoComplete="off"
            slotProps={{ htmlInput: { maxLength: 36 } }}
          />
          <TextField label={t('admin.audit.targetType')} value={draft.targetType} onChange={set('targetType')} helperText={t('admin.audit.targetTypeHelp')} slotProps={{ htmlInput: { maxLength: 64 } }} />
          <TextField label={t('admin.audit.targetId')} value={draft.targetId} onChange={set('targetId')} helperText=" " autoComplete="off" slotProps={{ htmlInput: { maxLength: 200 } }} />
          <TextField label={t('admin.audit.since')} type="datetime-local" value={draft.from} onChange={set('from')} helperText=" " slotProps={{ inputLabel: { shrink: true } }} />
          <TextField label={t('admin.audit.until')} type="datetime-local" value={draft.to} onChange={set('to')} helperText=" " slotProps={{ inputLabel: { shrink: true } }} />
          <Box sx={{ display: 'flex', gap: 1 }}>
            <Button type="submit" variant="contained">
              {t('admin.audit.submit')}
            </Button>
            <Button
              onClick={() => {
                setDraft(NO_FILTERS);
                setApplied(NO_FILTERS);
                setSearches((n) => n + 1);
              }}
            >
              {t('admin.clear')}
            </Button>
          </Box>
        </Box>
      </Section>
      <Section
        title={t('admin.audit.results')}
        action={
          <Button variant="outlined" onClick={() => void download()} disabled={exporting}>
            {t('admin.audit.export')}
          </Button>
        }
      >
        {problem && <ProblemAlert problem={problem} />}
        <Records key={searches} filters={applied} />
      </Section>
    </>
  );
}
