import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import {
  isApprovalRequest,
  useReverseTransactionMutation,
  useSearchTransactionsQuery,
  type ReversalAnswer,
  type Transaction,
  type TransactionKind,
  type TransactionSearch,
  type TransactionStatus,
} from '../../api/admin';
import { isRetryable, problemOf, type ApiProblem } from '../../api/errors';
import { SubmissionKey } from '../../api/idempotency';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDateTime, formatMoney } from '../../format';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CursorPager, Field, Hidden, ScrollTable, Section, useCursorPages, useStaff } from './common';
import { kindLabel, statusLabel } from '../../components/Summary';

const PAGE = 25;
const KINDS: TransactionKind[] = ['TRANSFER', 'DEPOSIT', 'WITHDRAWAL', 'PAYMENT', 'EXTERNAL_OUT', 'EXTERNAL_IN', 'REVERSAL'];
const STATUSES: TransactionStatus[] = ['PENDING', 'PROCESSING', 'PENDING_REVIEW', 'COMPLETED', 'FAILED', 'REVERSED', 'RETURNED'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AMOUNT = /^\d+(\.\d+)?$/;

interface Draft {
  account_id: string;
  from: string;
  to: string;
  min_amount: string;
  max_amount: string;
  currency: string;
  kind: string;
  status: string;
  counterparty: string;
  q: string;
}
const EMPTY: Draft = { account_id: '', from: '', to: '', min_amount: '', max_amount: '', currency: '', kind: '', status: '', counterparty: '', q: '' };

/** A day (yyyy-mm-dd, UTC) as the RFC 3339 instant it starts at; `to` is exclusive, so its next day. */
function dayStart(day: string, next = false): string {
  const at = new Date(`${day}T00:00:00Z`);
  if (next) at.setUTCDate(at.getUTCDate() + 1);
  return at.toISOString();
}

function problemsOf(draft: Draft): Partial<Record<keyof Draft, string>> {
  const found: Partial<Record<keyof Draft, string>> = {};
  if (draft.account_id && !UUID.test(draft.account_id.trim())) found.account_id = 'admin.tx.validation.accountId';
  if (draft.min_amount && !AMOUNT.test(draft.min_amount.trim())) found.min_amount = 'admin.tx.validation.amount';
  if (draft.max_amount && !AMOUNT.test(draft.max_amount.trim())) found.max_amount = 'admin.tx.validation.amount';
  if (draft.currency && !/^[A-Za-z]{3}$/.test(draft.currency.trim())) found.currency = 'admin.tx.validation.currency';
  if (draft.from && draft.to && draft.to < draft.from) found.to = 'admin.tx.validation.range';
  return found;
}

function toSearch(draft: Draft): TransactionSearch {
  return {
    account_id: draft.account_id.trim() || null,
    from: draft.from ? dayStart(draft.from) : null,
    to: draft.to ? dayStart(draft.to, true) : null,
    min_amount: draft.min_amount.trim() || null,
    max_amount: draft.max_amount.trim() || null,
    currency: draft.currency.trim().toUpperCase() || null,
    kind: (draft.kind || null) as TransactionKind | null,
    status: (draft.status || null) as TransactionStatus | null,
    counterparty: draft.counterparty.trim() || null,
    q: draft.q.trim() || null,
    limit: PAGE,
  };
}

function reversible(tx: Transaction): boolean {
  return tx.status === 'COMPLETED' && tx.kind !== 'REVERSAL';
}

/** Support/admin: search the bank's transactions; admin: reverse a completed one. */
export default function TransactionsPage() {
  const { t } = useTranslation();
  const { isAdmin } = useStaff();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const [search, setSearch] = useState<TransactionSearch | null>(null);
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const query = useSearchTransactionsQuery({ ...(search ?? {}), cursor }, { skip: search === null });

  const [reversing, setReversing] = useState<Transaction | null>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [reversal, setReversal] = useState<ReversalAnswer | null>(null);
  const submission = useRef(new SubmissionKey());
  const [reverse, { isLoading }] = useReverseTransactionMutation();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = problemsOf(draft);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    pages.reset();
    setSearch(toSearch(draft));
  };

  const field = (name: keyof Draft) => ({
    value: draft[name],
    onChange: (event: { target: { value: string } }) => setDraft((d) => ({ ...d, [name]: event.target.value })),
    error: Boolean(errors[name]),
    helperText: errors[name] ? t(errors[name]) : ' ',
  });

  const startReversal = (tx: Transaction) => {
    setReason('');
    setReasonError(null);
    setProblem(null);
    setReversal(null);
    setReversing(tx);
  };

  const confirmReversal = async () => {
    if (!reversing) return;
    const text = reason.trim();
    if (!text) {
      setReasonError(t('admin.tx.reasonRequired'));
      return;
    }
    setProblem(null);
    const body = { reason: text };
    const idempotencyKey = submission.current.forSubmit({ id: reversing.transaction_id, body });
    try {
      const done = await reverse({ transactionId: reversing.transaction_id, body, idempotencyKey }).unwrap();
      submission.current.settled();
      setReversal(done);
      setReversing(null);
    } catch (error) {
      const found = problemOf(error);
      if (!isRetryable(found)) submission.current.settled();
      setProblem(found);
    }
  };

  const party = (id: string | null | undefined, counterparty?: string | null) => id ?? counterparty ?? t('admin.tx.bank');

  let results;
  if (search === null) results = null;
  else if (query.error) results = <ProblemAlert problem={problemOf(query.error)} />;
  else if (!query.data) results = <Loading />;
  else if (query.data.items.length === 0) results = <Alert severity="info">{t('admin.tx.none')}</Alert>;
  else
    results = (
      <>
        <ScrollTable label={t('admin.tx.results')}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.tx.date')}</TableCell>
                <TableCell>{t('admin.tx.kind')}</TableCell>
                <TableCell>{t('admin.tx.status')}</TableCell>
                <TableCell align="right">{t('admin.tx.amount')}</TableCell>
                <TableCell>{t('admin.tx.from')}</TableCell>
                <TableCell>{t('admin.tx.to')}</TableCell>
                <TableCell>{t('admin.tx.description')}</TableCell>
                {isAdmin && (
                  <TableCell>
                    <Hidden>{t('admin.actions')}</Hidden>
                  </TableCell>
                )}
              </TableRow>
            </TableHead>
            <TableBody>
              {query.data.items.map((tx) => (
                <TableRow key={tx.transaction_id} data-testid="transaction-row" data-transaction-id={tx.transaction_id}>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(tx.created_at)}</TableCell>
                  <TableCell>{kindLabel(t, tx.kind)}</TableCell>
                  <TableCell>
                    {statusLabel(t, tx.status)}
                    {tx.failure_reason ? ` (${tx.failure_reason})` : ''}
                  </TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                    {formatMoney(tx.amount, tx.currency)}
                  </TableCell>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: '0.8rem' }}>{party(tx.from_account_id, tx.kind === 'EXTERNAL_IN' ? tx.counterparty : null)}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: '0.8rem' }}>{party(tx.to_account_id, tx.counterparty)}</TableCell>
                  <TableCell>{tx.description ?? '—'}</TableCell>
                  {isAdmin && (
                    <TableCell>
                      {reversible(tx) && (
                        <Button
                          size="small"
                          color="error"
                          variant="outlined"
                          onClick={() => startReversal(tx)}
                          aria-label={t('admin.tx.reverseNamed', { amount: formatMoney(tx.amount, tx.currency), date: formatDateTime(tx.created_at) })}
                        >
                          {t('admin.tx.reverse')}
                        </Button>
                      )}
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
        <CursorPager pages={pages} nextCursor={query.data?.next_cursor} busy={query.isFetching} />
      </>
    );

  return (
    <>
      <Typography variant="h5" component="h2" gutterBottom>
        {t('admin.tx.title')}
      </Typography>
      {reversal && isApprovalRequest(reversal) && (
        <Alert severity="info" role="status" sx={{ mb: 2 }} data-testid="reversal-asked">
          {t('admin.tx.reversalAsked', { summary: reversal.summary })}{' '}
          <Link component={RouterLink} to="/admin/approvals">
            {t('admin.tx.toApprovals')}
          </Link>
        </Alert>
      )}
      {reversal && !isApprovalRequest(reversal) && (
        <Alert severity="success" role="status" sx={{ mb: 2 }} data-testid="reversal-done">
          {t('admin.tx.reversed', { amount: formatMoney(reversal.amount, reversal.currency), id: reversal.transaction_id })}
        </Alert>
      )}
      <Section title={t('admin.tx.search')}>
        <Box
          component="form"
          role="search"
          aria-label={t('admin.tx.search')}
          noValidate
          onSubmit={submit}
          sx={{ display: 'grid', columnGap: 2, rowGap: 1, gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, 1fr)', md: 'repeat(4, 1fr)' }, alignItems: 'start' }}
        >
          <TextField label={t('admin.tx.accountId')} autoComplete="off" {...field('account_id')} />
          <TextField label={t('admin.tx.fromDate')} type="date" slotProps={{ inputLabel: { shrink: true } }} {...field('from')} />
          <TextField label={t('admin.tx.toDate')} type="date" slotProps={{ inputLabel: { shrink: true } }} {...field('to')} />
          <TextField label={t('admin.tx.currency')} autoComplete="off" slotProps={{ htmlInput: { maxLength: 3 } }} {...field('currency')} />
          <TextField label={t('admin.tx.minAmount')} autoComplete="off" slotProps={{ htmlInput: { inputMode: 'decimal' } }} {...field('min_amount')} />
          <TextField label={t('admin.tx.maxAmount')} autoComplete="off" slotProps={{ htmlInput: { inputMode: 'decimal' } }} {...field('max_amount')} />
          <TextField select label={t('admin.tx.kind')} {...field('kind')}>
            <MenuItem value="">{t('admin.any')}</MenuItem>
            {KINDS.map((k) => (
              <MenuItem key={k} value={k}>
                {kindLabel(t, k)}
              </MenuItem>
            ))}
          </TextField>
          <TextField select label={t('admin.tx.status')} {...field('status')}>
            <MenuItem value="">{t('admin.any')}</MenuItem>
            {STATUSES.map((s) => (
              <MenuItem key={s} value={s}>
                {statusLabel(t, s)}
              </MenuItem>
            ))}
          </TextField>
          <TextField label={t('admin.tx.counterparty')} autoComplete="off" {...field('counterparty')} />
          <TextField label={t('admin.tx.text')} autoComplete="off" {...field('q')} />
          <Box sx={{ display: 'flex', gap: 1, pt: 1 }}>
            <Button type="submit" variant="contained">
              {t('admin.tx.submit')}
            </Button>
            <Button
              onClick={() => {
                setDraft(EMPTY);
                setErrors({});
              }}
            >
              {t('admin.clear')}
            </Button>
          </Box>
        </Box>
        <Typography variant="caption" color="text.secondary">
          {t('admin.tx.utc')}
        </Typography>
      </Section>
      {results && <Section title={t('admin.tx.results')}>{results}</Section>}

      {reversing && (
        <ConfirmDialog
          open
          title={t('admin.tx.reverseTitle')}
          confirmLabel={problem && isRetryable(problem) ? t('transfer.retry') : t('admin.tx.reverseConfirm')}
          onConfirm={() => void confirmReversal()}
          onClose={() => setReversing(null)}
          busy={isLoading}
          problem={problem}
          danger
        >
          <Typography sx={{ mb: 1 }}>{t('admin.tx.reverseBody')}</Typography>
          <Box component="dl" sx={{ m: 0, mb: 2 }} data-testid="reversal-summary">
            <Field label={t('admin.tx.amount')} testId="reversal-amount">
              {formatMoney(reversing.amount, reversing.currency)}
            </Field>
            <Field label={t('admin.tx.from')} testId="reversal-from">
              {party(reversing.from_account_id, reversing.kind === 'EXTERNAL_IN' ? reversing.counterparty : null)}
            </Field>
            <Field label={t('admin.tx.to')} testId="reversal-to">
              {party(reversing.to_account_id, reversing.counterparty)}
            </Field>
            <Field label={t('admin.tx.kind')}>{kindLabel(t, reversing.kind)}</Field>
            <Field label={t('admin.tx.date')}>{formatDateTime(reversing.created_at)}</Field>
            <Field label={t('admin.tx.reference')}>{reversing.transaction_id}</Field>
          </Box>
          <TextField
            label={t('admin.tx.reason')}
            required
            fullWidth
            autoFocus
            value={reason}
            onChange={(event) => {
              setReason(event.target.value);
              setReasonError(null);
            }}
            error={Boolean(reasonError)}
            helperText={reasonError ?? ' '}
            slotProps={{ htmlInput: { maxLength: 500 } }}
          />
        </ConfirmDialog>
      )}
    </>
  );
}
