import Alert from '@mui/material/Alert';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import Button from '@mui/material/Button';
import Box from '@mui/material/Box';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  useApprovalPoliciesQuery,
  useApprovalsQuery,
  useDecideApprovalMutation,
  useSetApprovalPolicyMutation,
  type ApprovalPolicy,
  type ApprovalRequest,
  type ApprovalStatus,
} from '../../api/admin';
import { problemOf, type ApiProblem } from '../../api/errors';
import { subjectOf } from '../../auth/session';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDateTime } from '../../format';
import { useAppSelector } from '../../hooks';
import { CursorPager, ScrollTable, Section, StatusChip, useCursorPages, useStaff } from './common';

const STATUSES: ApprovalStatus[] = ['PENDING', 'EXECUTED', 'FAILED', 'REJECTED', 'EXPIRED', 'EXECUTING'];
const TONE: Record<ApprovalStatus, 'default' | 'success' | 'info' | 'warning' | 'error'> = {
  PENDING: 'warning',
  EXECUTING: 'info',
  EXECUTED: 'success',
  FAILED: 'error',
  REJECTED: 'default',
  EXPIRED: 'default',
};

type Deciding = { request: ApprovalRequest; decision: 'approve' | 'reject' | 'settle' };
// As the API's STUCK_AFTER_S: an approved request still being carried out this long after its approval was cut off.
const STUCK_AFTER_MS = 10 * 60 * 1000;

function isStuck(request: ApprovalRequest, now: number): boolean {
  return request.status === 'EXECUTING' && request.decided_at !== null && now - Date.parse(request.decided_at) >= STUCK_AFTER_MS;
}

/** What became of a request a checker decided, in a sentence. */
export function outcomeOf(request: ApprovalRequest): { tone: 'success' | 'info' | 'error'; key: string; detail: string } {
  if (request.status === 'EXECUTED') return { tone: 'success', key: 'admin.approvals.executed', detail: request.summary };
  if (request.status === 'REJECTED') return { tone: 'info', key: 'admin.approvals.rejected', detail: request.summary };
  const error = request.result?.error as { message?: string } | undefined;
  const failed = request.result?.status === 'FAILED' ? String(request.result.failure_reason ?? '') : '';
  return { tone: 'error', key: 'admin.approvals.failed', detail: error?.message ?? failed ?? request.summary };
}

const AMOUNT_POLICIES: ReadonlySet<string> = new Set(['account.limits.change']);
const HOURS = /^\d{1,3}(\.\d{1,2})?$/;
const UNITS = /^\d{1,12}$/;
const MIN_EXPIRY_S = 60;
const MAX_EXPIRY_S = 30 * 24 * 3600;

/** An admin's change of one policy: on or off, how long a request waits, and (amounts only) above what. */
function PolicyDialog({ policy, onClose, onSaved }: { policy: ApprovalPolicy; onClose: () => void; onSaved: (action: string) => void }) {
  const { t } = useTranslation();
  const [required, setRequired] = useState(policy.required);
  const [hours, setHours] = useState(String(Math.round(policy.expires_after_s / 36) / 100));
  const [above, setAbove] = useState(policy.above_units === null ? '' : String(policy.above_units));
  const [errors, setErrors] = useState<{ hours?: string; above?: string }>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [save, saving] = useSetApprovalPolicyMutation();
  const amounts = AMOUNT_POLICIES.has(policy.action);

  const confirm = async () => {
    setProblem(null);
    const found: { hours?: string; above?: string } = {};
    const seconds = Math.round(Number(hours.trim()) * 3600);
    if (!HOURS.test(hours.trim()) || seconds < MIN_EXPIRY_S || seconds > MAX_EXPIRY_S) found.hours = t('admin.approvals.hoursInvalid');
    if (amounts && above.trim() !== '' && !UNITS.test(above.trim())) found.above = t('admin.approvals.unitsInvalid');
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    try {
      const body = { required, expires_after_s: seconds, ...(amounts ? { above_units: above.trim() === '' ? null : Number(above.trim()) } : {}) };
      await save({ action: policy.action, body }).unwrap();
      onSaved(policy.action);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  return (
    <ConfirmDialog
      open
      title={t('admin.approvals.changeTitle', { action: policy.action })}
      confirmLabel={t('admin.approvals.save')}
      onConfirm={() => void confirm()}
      onClose={onClose}
      busy={saving.isLoading}
      problem={problem}
    >
      <Box sx={{ display: 'grid', gap: 2, pt: 1 }}>
        <FormControlLabel control={<Switch checked={required} onChange={(e) => setRequired(e.target.checked)} />} label={t('admin.approvals.required')} />
        <TextField
          label={t('admin.approvals.hoursLabel')}
          value={hours}
          onChange={(e) => setHours(e.target.value)}
          error={Boolean(errors.hours)}
          helperText={errors.hours ?? t('admin.approvals.hoursHelp')}
          autoComplete="off"
          slotProps={{ htmlInput: { inputMode: 'decimal' } }}
        />
        {amounts && (
          <TextField
            label={t('admin.approvals.aboveLabel')}
            value={above}
            onChange={(e) => setAbove(e.target.value)}
            error={Boolean(errors.above)}
            helperText={errors.above ?? t('admin.approvals.aboveHelp')}
            autoComplete="off"
            slotProps={{ htmlInput: { inputMode: 'numeric' } }}
          />
        )}
      </Box>
    </ConfirmDialog>
  );
}

function Policies() {
  const { t } = useTranslation();
  const { isAdmin } = useStaff();
  const query = useApprovalPoliciesQuery();
  const [changing, setChanging] = useState<ApprovalPolicy | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  if (query.error) return <ProblemAlert problem={problemOf(query.error)} />;
  if (!query.data) return <Loading />;
  return (
    <>
      {saved && (
        <Alert severity="success" role="status" sx={{ mb: 2 }}>
          {t('admin.approvals.policySaved', { action: saved })}
        </Alert>
      )}
      <ScrollTable label={t('admin.approvals.policies')}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.approvals.action')}</TableCell>
              <TableCell>{t('admin.approvals.required')}</TableCell>
              <TableCell>{t('admin.approvals.checker')}</TableCell>
              <TableCell>{t('admin.approvals.above')}</TableCell>
              <TableCell align="right">{t('admin.approvals.expiresAfter')}</TableCell>
              {isAdmin && <TableCell />}
            </TableRow>
          </TableHead>
          <TableBody>
            {query.data.items.map((policy) => (
              <TableRow key={policy.action} data-testid="policy-row">
                <TableCell>{policy.action}</TableCell>
                <TableCell>{policy.required ? t('admin.yes') : t('admin.no')}</TableCell>
                <TableCell>{policy.checker_role}</TableCell>
                <TableCell>{policy.above_units === null ? t('admin.approvals.everyChange') : t('admin.approvals.units', { units: policy.above_units.toLocaleString('en') })}</TableCell>
                <TableCell align="right">{t('admin.approvals.hours', { hours: Math.round(policy.expires_after_s / 360) / 10 })}</TableCell>
                {isAdmin && (
                  <TableCell>
                    <Button
                      size="small"
                      onClick={() => {
                        setSaved(null);
                        setChanging(policy);
                      }}
                      aria-label={t('admin.approvals.changeNamed', { action: policy.action })}
                    >
                      {t('admin.approvals.change')}
                    </Button>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </ScrollTable>
      {changing && (
        <PolicyDialog
          policy={changing}
          onClose={() => setChanging(null)}
          onSaved={(action) => {
            setChanging(null);
            setSaved(action);
          }}
        />
      )}
    </>
  );
}

function Requests({ status, onDecide }: { status: ApprovalStatus | null; onDecide: (deciding: Deciding) => void }) {
  const { t } = useTranslation();
  const { isAdmin } = useStaff();
  const me = subjectOf(useAppSelector((state) => state.auth.accessToken));
  const pages = useCursorPages();
  const query = useApprovalsQuery({ status, cursor: pages.cursor });
  if (query.error) return <ProblemAlert problem={problemOf(query.error)} />;
  if (!query.data) return <Loading />;
  if (query.data.items.length === 0) return <Alert severity="info">{t('admin.approvals.none')}</Alert>;
  return (
    <>
      <ScrollTable label={t('admin.approvals.requests')}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.approvals.asked')}</TableCell>
              <TableCell>{t('admin.approvals.what')}</TableCell>
              <TableCell>{t('admin.approvals.maker')}</TableCell>
              <TableCell>{t('admin.approvals.status')}</TableCell>
              <TableCell>{t('admin.actions')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {query.data.items.map((request) => {
              const own = request.maker.user_id === me;
              return (
                <TableRow key={request.approval_id} data-testid="approval-row">
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {formatDateTime(request.created_at)}
                    <Typography variant="body2" color="text.secondary">
                      {t('admin.approvals.expires', { at: formatDateTime(request.expires_at) })}
                    </Typography>
                  </TableCell>
                  <TableCell sx={{ overflowWrap: 'anywhere' }}>
                    {request.summary}
                    <Typography variant="body2" color="text.secondary">
                      {request.action} · {request.target_type} {request.target_id}
                    </Typography>
                  </TableCell>
                  <TableCell sx={{ overflowWrap: 'anywhere' }}>
                    {request.maker.email}
                    {request.reason && (
                      <Typography variant="body2" color="text.secondary">
                        {t('admin.approvals.because', { reason: request.reason })}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    <StatusChip tone={TONE[request.status]} label={t(`admin.approvals.statuses.${request.status}`)} />
                    {request.decision_reason && (
                      <Typography variant="body2" sx={{ mt: 0.5 }}>
                        {request.decision_reason}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    {request.status === 'PENDING' && isAdmin && !own && (
                      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
                        <Button size="small" variant="contained" onClick={() => onDecide({ request, decision: 'approve' })}>
                          {t('admin.approvals.approve')}
                        </Button>
                        <Button size="small" variant="outlined" onClick={() => onDecide({ request, decision: 'reject' })}>
                          {t('admin.approvals.reject')}
                        </Button>
                      </Box>
                    )}
                    {isStuck(request, Date.now()) && isAdmin && !own && (
                      <Button size="small" variant="outlined" onClick={() => onDecide({ request, decision: 'settle' })}>
                        {t('admin.approvals.settle')}
                      </Button>
                    )}
                    {request.status === 'PENDING' && own && (
                      <Typography variant="body2" color="text.secondary">
                        {t('admin.approvals.yours')}
                      </Typography>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </ScrollTable>
      <CursorPager pages={pages} nextCursor={query.data.next_cursor} busy={query.isFetching} />
    </>
  );
}

/** Admins and auditors: the four-eyes requests; another admin than the maker approves or rejects. */
export default function ApprovalsPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<ApprovalStatus | ''>('PENDING');
  const [deciding, setDeciding] = useState<Deciding | null>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [decided, setDecided] = useState<ApprovalRequest | null>(null);
  const [decide, { isLoading }] = useDecideApprovalMutation();

  const start = (next: Deciding) => {
    setReason('');
    setReasonError(null);
    setProblem(null);
    setDecided(null);
    setDeciding(next);
  };
  const confirm = async () => {
    if (!deciding) return;
    const text = reason.trim();
    if (deciding.decision === 'reject' && !text) {
      setReasonError(t('admin.approvals.reasonRequired'));
      return;
    }
    setProblem(null);
    try {
      const answer = await decide({ approvalId: deciding.request.approval_id, decision: deciding.decision, reason: text || null }).unwrap();
      setDecided(answer);
      setDeciding(null);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };
  const outcome = decided ? outcomeOf(decided) : null;

  return (
    <>
      <Typography variant="h5" component="h2" gutterBottom>
        {t('admin.approvals.title')}
      </Typography>
      <Typography sx={{ mb: 2 }}>{t('admin.approvals.intro')}</Typography>
      {outcome && (
        <Alert severity={outcome.tone} role="status" sx={{ mb: 2 }} data-testid="approval-outcome">
          {t(outcome.key, { detail: outcome.detail })}
        </Alert>
      )}
      <Section
        title={t('admin.approvals.requests')}
        action={
          <TextField select size="small" label={t('admin.approvals.status')} value={status} onChange={(event) => setStatus(event.target.value as ApprovalStatus | '')} sx={{ minWidth: 180 }}>
            <MenuItem value="">{t('admin.any')}</MenuItem>
            {STATUSES.map((name) => (
              <MenuItem key={name} value={name}>
                {t(`admin.approvals.statuses.${name}`)}
              </MenuItem>
            ))}
          </TextField>
        }
      >
        <Requests key={status} status={status || null} onDecide={start} />
      </Section>
      <Section title={t('admin.approvals.policies')}>
        <Typography sx={{ mb: 2 }}>{t('admin.approvals.policiesIntro')}</Typography>
        <Policies />
      </Section>

      {deciding && (
        <ConfirmDialog
          open
          title={t(`admin.approvals.${deciding.decision}Title`)}
          confirmLabel={t(`admin.approvals.${deciding.decision}Confirm`)}
          onConfirm={() => void confirm()}
          onClose={() => setDeciding(null)}
          busy={isLoading}
          problem={problem}
          danger={deciding.decision === 'approve'}
        >
          <Typography sx={{ mb: 1 }}>{deciding.request.summary}</Typography>
          <Typography sx={{ mb: 2 }} color="text.secondary">
            {t('admin.approvals.askedBy', { email: deciding.request.maker.email, reason: deciding.request.reason ?? '—' })}
          </Typography>
          {deciding.decision === 'settle' ? (
            <Typography sx={{ mb: 2 }}>{t('admin.approvals.settleExplain')}</Typography>
          ) : (
            <TextField
              fullWidth
              autoFocus
              required={deciding.decision === 'reject'}
              label={t(deciding.decision === 'reject' ? 'admin.approvals.rejectReason' : 'admin.approvals.approveReason')}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              error={Boolean(reasonError)}
              helperText={reasonError ?? ' '}
              slotProps={{ htmlInput: { maxLength: 500 } }}
            />
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
