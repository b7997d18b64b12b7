import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Drawer from '@mui/material/Drawer';
import IconButton from '@mui/material/IconButton';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useAccountsOfUserQuery, useMeQuery } from '../api/api';
import { problemOf, type ApiProblem } from '../api/errors';
import {
  addDays,
  downloadFromApi,
  saveBlob,
  TRANSACTION_KINDS,
  TRANSACTION_STATUSES,
  useLazySearchTransactionsQuery,
  useSearchTransactionsQuery,
  useTransactionQuery,
  utcDay,
  type SearchQuery,
  type TransactionKind,
  type TransactionStatus,
} from '../api/money';
import type { Account, Transaction } from '../api/types';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime, formatMoney } from '../format';
import { useAppSelector } from '../hooks';
import { kindLabel, statusLabel } from '../components/Summary';

const PAGE_SIZE = 25;
const EXPORT_PAGE = 500;
const EXPORT_MAX_ROWS = 5_000;
const AMOUNT = /^\d+(\.\d+)?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters, as kept in the URL's query string (every value a string, '' for none). */
export interface Filters {
  account: string;
  from: string;
  to: string;
  min: string;
  max: string;
  kind: string;
  status: string;
  counterparty: string;
  q: string;
}
const FILTER_KEYS: (keyof Filters)[] = ['account', 'from', 'to', 'min', 'max', 'kind', 'status', 'counterparty', 'q'];
const NO_FILTERS: Filters = { account: '', from: '', to: '', min: '', max: '', kind: '', status: '', counterparty: '', q: '' };

export function filtersOf(params: URLSearchParams): Filters {
  const filters = { ...NO_FILTERS };
  for (const key of FILTER_KEYS) filters[key] = params.get(key)?.trim() ?? '';
  return filters;
}

export function paramsOf(filters: Filters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key].trim();
    if (value) params.set(key, value);
  }
  return params;
}

/** The API's search parameters for these filters (invalid values are left out, not sent). */
export function searchOf(filters: Filters, accounts: Account[]): SearchQuery {
  const query: SearchQuery = { limit: PAGE_SIZE };
  if (filters.account) query.account_id = filters.account;
  if (DAY.test(filters.from)) query.from = `${filters.from}T00:00:00Z`;
  if (DAY.test(filters.to)) query.to = `${addDays(filters.to, 1)}T00:00:00Z`; // the whole last day
  if (AMOUNT.test(filters.min)) query.min_amount = filters.min;
  if (AMOUNT.test(filters.max)) query.max_amount = filters.max;
  if ((query.min_amount || query.max_amount) && !filters.account) {
    // Amounts are in one currency: the customer's, when all their accounts share it.
    const currencies = new Set(accounts.map((a) => a.currency));
    if (currencies.size === 1) query.currency = [...currencies][0] ?? null;
  }
  if ((TRANSACTION_KINDS as string[]).includes(filters.kind)) query.kind = filters.kind as TransactionKind;
  if ((TRANSACTION_STATUSES as string[]).includes(filters.status)) query.status = filters.status as TransactionStatus;
  if (filters.counterparty) query.counterparty = filters.counterparty;
  if (filters.q) query.q = filters.q;
  return query;
}

type Direction = 'in' | 'out' | 'own';
function directionOf(tx: Transaction, accountId: string, mine: Set<string>): Direction {
  if (accountId) return tx.from_account_id === accountId ? 'out' : 'in';
  const fromMine = tx.from_account_id !== null && mine.has(tx.from_account_id);
  const toMine = tx.to_account_id !== null && mine.has(tx.to_account_id);
  if (fromMine && toMine) return 'own';
  return fromMine ? 'out' : 'in';
}
const signed = (tx: Transaction, direction: Direction) => (direction === 'out' ? `-${tx.amount}` : tx.amount);

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value; // no formulas in a spreadsheet
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvOf(rows: Transaction[], accountId: string, accounts: Account[]): string {
  const mine = new Set(accounts.map((a) => a.account_id));
  const numberOf = (id: string | null) => accounts.find((a) => a.account_id === id)?.number ?? id ?? '';
  const header = ['created_at', 'transaction_id', 'kind', 'status', 'amount', 'currency', 'from_account', 'to_account', 'description', 'counterparty'];
  const lines = rows.map((tx) =>
    [
      tx.created_at,
      tx.transaction_id,
      tx.kind,
      tx.status,
      signed(tx, directionOf(tx, accountId, mine)),
      tx.currency,
      numberOf(tx.from_account_id),
      numberOf(tx.to_account_id),
      tx.description ?? '',
      tx.counterparty ?? '',
    ]
      .map(csvCell)
      .join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

function accountLabel(t: (key: string, options?: Record<string, unknown>) => string, account: Account): string {
  const type = t(`dashboard.type.${account.account_type}`, { defaultValue: account.account_type });
  return t('dashboard.accountLabel', { type, number: account.number });
}

function FiltersForm({ applied, accounts, onApply }: { applied: Filters; accounts: Account[]; onApply: (f: Filters) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filters>(applied);
  useEffect(() => setDraft(applied), [applied]); // back/forward changes the URL: the form follows
  const set = (key: keyof Filters) => (event: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: event.target.value }));
  const minBad = draft.min.trim() !== '' && !AMOUNT.test(draft.min.trim());
  const maxBad = draft.max.trim() !== '' && !AMOUNT.test(draft.max.trim());
  const rangeBad = DAY.test(draft.from) && DAY.test(draft.to) && draft.to < draft.from;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (minBad || maxBad || rangeBad) return;
    onApply(draft);
  };
  const dateSlot = { inputLabel: { shrink: true } };
  const anySlot = { inputLabel: { shrink: true }, select: { displayEmpty: true } };
  return (
    <Paper component="form" role="search" aria-label={t('history.filters')} noValidate onSubmit={submit} sx={{ p: 2, mb: 2 }}>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, minmax(0, 1fr))', md: 'repeat(4, minmax(0, 1fr))' } }}>
        <TextField select label={t('history.account')} slotProps={anySlot} value={draft.account} onChange={set('account')}>
          <MenuItem value="">{t('history.allAccounts')}</MenuItem>
          {accounts.map((a) => (
            <MenuItem key={a.account_id} value={a.account_id}>
              {accountLabel(t, a)}
            </MenuItem>
          ))}
        </TextField>
        <TextField type="date" label={t('history.from')} value={draft.from} onChange={set('from')} slotProps={dateSlot} />
        <TextField
          type="date"
          label={t('history.to')}
          value={draft.to}
          onChange={set('to')}
          slotProps={dateSlot}
          error={rangeBad}
          helperText={rangeBad ? t('history.validation.range') : undefined}
        />
        <TextField select label={t('history.kind')} slotProps={anySlot} value={draft.kind} onChange={set('kind')}>
          <MenuItem value="">{t('history.any')}</MenuItem>
          {TRANSACTION_KINDS.map((kind) => (
            <MenuItem key={kind} value={kind}>
              {kindLabel(t, kind)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          label={t('history.min')}
          value={draft.min}
          onChange={set('min')}
          autoComplete="off"
          slotProps={{ htmlInput: { inputMode: 'decimal' } }}
          error={minBad}
          helperText={minBad ? t('history.validation.amount') : undefined}
        />
        <TextField
          label={t('history.max')}
          value={draft.max}
          onChange={set('max')}
          autoComplete="off"
          slotProps={{ htmlInput: { inputMode: 'decimal' } }}
          error={maxBad}
          helperText={maxBad ? t('history.validation.amount') : undefined}
        />
        <TextField select label={t('history.status')} slotProps={anySlot} value={draft.status} onChange={set('status')}>
          <MenuItem value="">{t('history.any')}</MenuItem>
          {TRANSACTION_STATUSES.map((status) => (
            <MenuItem key={status} value={status}>
              {statusLabel(t, status)}
            </MenuItem>
          ))}
        </TextField>
        <TextField label={t('history.counterparty')} value={draft.counterparty} onChange={set('counterparty')} autoComplete="off" />
        <TextField label={t('history.text')} value={draft.q} onChange={set('q')} autoComplete="off" type="search" sx={{ gridColumn: { md: 'span 2' } }} />
      </Box>
      <Box sx={{ display: 'flex', gap: 2, mt: 2, flexWrap: 'wrap' }}>
        <Button type="submit" variant="contained">
          {t('history.apply')}
        </Button>
        <Button
          onClick={() => {
            setDraft(NO_FILTERS);
            onApply(NO_FILTERS);
          }}
        >
          {t('history.clear')}
        </Button>
      </Box>
    </Paper>
  );
}

function Rows({
  query,
  cursor,
  accountId,
  accounts,
  last,
  onMore,
  onOpen,
}: {
  query: SearchQuery;
  cursor: string | null;
  accountId: string;
  accounts: Account[];
  last: boolean;
  onMore: (cursor: string) => void;
  onOpen: (tx: Transaction) => void;
}) {
  const { t } = useTranslation();
  const { data, error, isFetching } = useSearchTransactionsQuery({ ...query, cursor });
  const mine = useMemo(() => new Set(accounts.map((a) => a.account_id)), [accounts]);
  if (error) return <ProblemAlert problem={problemOf(error)} />;
  if (!data) return <Loading />;
  if (cursor === null && data.items.length === 0) return <Alert severity="info">{t('history.none')}</Alert>;
  return (
    <>
      {data.items.map((tx) => {
        const direction = directionOf(tx, accountId, mine);
        return (
          <ListItem key={tx.transaction_id} disablePadding divider>
            <ListItemButton onClick={() => onOpen(tx)} sx={{ gap: 1, alignItems: 'flex-start' }} data-testid="history-row">
              <ListItemText
                primary={tx.description || tx.counterparty || kindLabel(t, tx.kind)}
                secondary={`${formatDateTime(tx.created_at)} · ${kindLabel(t, tx.kind)} · ${statusLabel(t, tx.status)}`}
              />
              <Typography
                component="span"
                sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums', fontWeight: 500 }}
                color={direction === 'in' ? 'success.main' : 'text.primary'}
              >
                {formatMoney(signed(tx, direction), tx.currency)}
              </Typography>
            </ListItemButton>
          </ListItem>
        );
      })}
      {last && data.next_cursor && (
        <ListItem sx={{ justifyContent: 'center' }}>
          <Button onClick={() => onMore(data.next_cursor ?? '')} disabled={isFetching}>
            {t('history.more')}
          </Button>
        </ListItem>
      )}
    </>
  );
}

function Detail({ id, accounts, onClose }: { id: string; accounts: Account[]; onClose: () => void }) {
  const { t } = useTranslation();
  const { data, error } = useTransactionQuery(id);
  const numberOf = (accountId: string | null) =>
    accountId === null ? '—' : (accounts.find((a) => a.account_id === accountId)?.number ?? t('history.otherAccount'));
  const row = (label: string, value: string, testId?: string) => (
    <Box sx={{ py: 0.75 }}>
      <Typography component="dt" variant="body2" color="text.secondary">
        {label}
      </Typography>
      <Typography component="dd" sx={{ m: 0, overflowWrap: 'anywhere' }} data-testid={testId}>
        {value}
      </Typography>
    </Box>
  );
  return (
    <Box sx={{ p: 2, width: { xs: '100%', sm: 420 } }}>
      <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography variant="h6" component="h2" id="tx-detail-title">
          {t('history.detail')}
        </Typography>
        <IconButton onClick={onClose} aria-label={t('history.close')}>
          <span aria-hidden="true">×</span>
        </IconButton>
      </Box>
      {error ? (
        <ProblemAlert problem={problemOf(error)} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <Box component="dl" sx={{ m: 0 }}>
            {row(t('history.amount'), formatMoney(data.amount, data.currency), 'detail-amount')}
            {row(t('history.kind'), kindLabel(t, data.kind))}
            {row(t('history.status'), statusLabel(t, data.status), 'detail-status')}
            {data.failure_reason && row(t('history.reason'), t(`errors.${data.failure_reason}`, { defaultValue: data.failure_reason }))}
            {row(t('history.fromAccount'), numberOf(data.from_account_id))}
            {row(t('history.toAccount'), numberOf(data.to_account_id))}
            {data.description && row(t('history.description'), data.description)}
            {data.counterparty && row(t('history.counterparty'), data.counterparty)}
            {row(t('history.created'), formatDateTime(data.created_at))}
            {row(t('history.reference'), data.transaction_id)}
          </Box>
          <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
            {t('history.statusHistory')}
          </Typography>
          <List dense disablePadding data-testid="status-history">
            {(data.status_history ?? []).map((change, index) => (
              <ListItem key={`${change.status}-${index}`} disableGutters divider>
                <ListItemText
                  primary={statusLabel(t, change.status)}
                  secondary={[formatDateTime(change.at), change.reason ? t(`errors.${change.reason}`, { defaultValue: change.reason }) : '']
                    .filter(Boolean)
                    .join(' · ')}
                />
              </ListItem>
            ))}
          </List>
        </>
      )}
    </Box>
  );
}

function lastDayOfMonth(month: string): string {
  const [year, mon] = month.split('-').map(Number);
  return utcDay(new Date(Date.UTC(year ?? 1970, mon ?? 1, 0)));
}

function StatementDownload({ accounts, preferred }: { accounts: Account[]; preferred: string }) {
  const { t } = useTranslation();
  const token = useAppSelector((state) => state.auth.accessToken);
  const thisMonth = utcDay(new Date()).slice(0, 7);
  const [accountId, setAccountId] = useState(preferred || accounts[0]?.account_id || '');
  const [month, setMonth] = useState(thisMonth);
  const [format, setFormat] = useState<'pdf' | 'csv'>('pdf');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    if (preferred) setAccountId(preferred);
  }, [preferred]);
  const monthOk = /^\d{4}-\d{2}$/.test(month) && month <= thisMonth;
  const download = async () => {
    const account = accounts.find((a) => a.account_id === accountId);
    if (!account || !monthOk) return;
    setBusy(true);
    setProblem(null);
    setSaved(null);
    const from = `${month}-01`;
    const today = utcDay(new Date());
    const end = lastDayOfMonth(month);
    const to = end > today ? today : end;
    const path = `api/v1/accounts/${encodeURIComponent(account.account_id)}/statement?from=${from}&to=${to}&format=${format}`;
    try {
      setSaved(await downloadFromApi(path, token, `statement-${account.number}-${from}-${to}.${format}`));
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper component="section" aria-labelledby="statement-heading" sx={{ p: 2, mt: 2 }}>
      <Typography variant="h6" component="h2" id="statement-heading" gutterBottom>
        {t('history.statement.title')}
      </Typography>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: '2fr 1fr 1fr auto' }, alignItems: 'start' }}>
        <TextField select label={t('history.statement.account')} value={accountId} onChange={(e) => setAccountId(e.target.value)}>
          {accounts.map((a) => (
            <MenuItem key={a.account_id} value={a.account_id}>
              {accountLabel(t, a)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          type="month"
          label={t('history.statement.month')}
          value={month}
          onChange={(e) => setMonth(e.target.value)}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { max: thisMonth } }}
          error={!monthOk}
          helperText={monthOk ? undefined : t('history.statement.badMonth')}
        />
        <TextField select label={t('history.statement.format')} value={format} onChange={(e) => setFormat(e.target.value as 'pdf' | 'csv')}>
          <MenuItem value="pdf">PDF</MenuItem>
          <MenuItem value="csv">CSV</MenuItem>
        </TextField>
        <Button variant="outlined" size="large" onClick={() => void download()} disabled={busy || !monthOk} sx={{ minHeight: 56 }}>
          {t('history.statement.download')}
        </Button>
      </Box>
      <Box aria-live="polite" sx={{ mt: problem || saved ? 2 : 0 }}>
        {problem && <ProblemAlert problem={problem} />}
        {saved && <Alert severity="success">{t('history.statement.saved', { name: saved })}</Alert>}
      </Box>
    </Paper>
  );
}

export default function HistoryPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => filtersOf(params), [params]);
  const me = useMeQuery();
  const accountsQuery = useAccountsOfUserQuery(me.data?.user_id ?? '', { skip: !me.data });
  const accounts = useMemo(() => accountsQuery.data?.items ?? [], [accountsQuery.data]);
  const query = useMemo(() => searchOf(applied, accounts), [applied, accounts]);
  const queryKey = JSON.stringify(query);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  useEffect(() => setCursors([null]), [queryKey]); // other filters: from the first page again
  const [open, setOpen] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exportProblem, setExportProblem] = useState<ApiProblem | null>(null);
  const [fetchPage] = useLazySearchTransactionsQuery();
  const phone = useMediaQuery('(max-width:599.95px)');

  const apply = (filters: Filters) => setParams(paramsOf(filters));

  const exportCsv = async () => {
    setExporting(true);
    setExportProblem(null);
    try {
      const rows: Transaction[] = [];
      let cursor: string | null = null;
      do {
        const page = await fetchPage({ ...query, limit: EXPORT_PAGE, cursor }).unwrap();
        rows.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor && rows.length < EXPORT_MAX_ROWS);
      saveBlob(new Blob([csvOf(rows, applied.account, accounts)], { type: 'text/csv' }), `transactions-${utcDay(new Date())}.csv`);
    } catch (error) {
      setExportProblem(problemOf(error));
    } finally {
      setExporting(false);
    }
  };

  let body;
  if (me.error || accountsQuery.error) body = <ProblemAlert problem={problemOf(me.error ?? accountsQuery.error)} />;
  else if (!accountsQuery.data) body = <Loading />;
  else
    body = (
      <>
        <FiltersForm applied={applied} accounts={accounts} onApply={apply} />
        <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 1, flexWrap: 'wrap', mb: 1 }}>
          <Typography variant="h6" component="h2">
            {t('history.results')}
          </Typography>
          <Button variant="outlined" onClick={() => void exportCsv()} disabled={exporting}>
            {t('history.export')}
          </Button>
        </Box>
        {exportProblem && (
          <Box sx={{ mb: 2 }}>
            <ProblemAlert problem={exportProblem} />
          </Box>
        )}
        <Paper>
          <List disablePadding aria-label={t('history.results')} data-testid="history-list">
            {cursors.map((cursor, index) => (
              <Rows
                key={`${queryKey}-${cursor ?? 'first'}`}
                query={query}
                cursor={cursor}
                accountId={applied.account}
                accounts={accounts}
                last={index === cursors.length - 1}
                onMore={(next) => setCursors((all) => [...all, next])}
                onOpen={(tx) => setOpen(tx.transaction_id)}
              />
            ))}
          </List>
        </Paper>
        {accounts.length > 0 && <StatementDownload accounts={accounts} preferred={applied.account} />}
        <Drawer
          anchor={phone ? 'bottom' : 'right'}
          open={open !== null}
          onClose={() => setOpen(null)}
          slotProps={{ paper: { 'aria-labelledby': 'tx-detail-title', sx: { maxHeight: { xs: '85vh', sm: 'none' } } } }}
        >
          {open && <Detail id={open} accounts={accounts} onClose={() => setOpen(null)} />}
        </Drawer>
      </>
    );

  return (
    <>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 2, flexWrap: 'wrap' }}>
        <Typography variant="h4" component="h1">
          {t('history.title')}
        </Typography>
        {Object.values(applied).some(Boolean) && <Chip size="small" label={t('history.filtered')} />}
      </Box>
      {body}
    </>
  );
}
