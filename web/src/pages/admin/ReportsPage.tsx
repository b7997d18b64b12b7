import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Link from '@mui/material/Link';
import Tab from '@mui/material/Tab';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import {
  useCurrencyTransactionsQuery,
  useFileSuspiciousActivityMutation,
  useKycReportQuery,
  useReportExportMutation,
  useSuspiciousActivityQuery,
  type ReportName,
  type ReportPeriod,
  type SuspiciousCase,
} from '../../api/admin';
import { problemOf, type ApiProblem } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDateTime, formatMoney } from '../../format';
import { ScrollTable, Section, StatusChip, useStaff } from './common';

const REPORTS = ['currency-transactions', 'suspicious-activity', 'kyc'] as const;
const DAY_MS = 24 * 3600 * 1000;
const MAX_REFERENCE_CHARS = 64;

/** YYYY-MM-DD of a moment, as the browser's calendar shows it. */
function dayOf(at: Date): string {
  const month = String(at.getMonth() + 1).padStart(2, '0');
  const day = String(at.getDate()).padStart(2, '0');
  return `${at.getFullYear()}-${month}-${day}`;
}

/** The week up to today: what a compliance officer looks at first. */
export function lastWeek(now: Date = new Date()): ReportPeriod {
  return { from: dayOf(new Date(now.getTime() - 6 * DAY_MS)), to: dayOf(now) };
}

function CustomerName({ id, name }: { id: string | null; name: string | null }) {
  const { isSupport } = useStaff();
  const { t } = useTranslation();
  const shown = name ?? t('admin.reports.unknownCustomer');
  // Auditors read the reports but not the customer files behind them.
  if (!id || !isSupport) return <>{shown}</>;
  return (
    <Link component={RouterLink} to={`/admin/customers/${id}`}>
      {shown}
    </Link>
  );
}

function CurrencyTransactions({ period }: { period: ReportPeriod }) {
  const { t } = useTranslation();
  const query = useCurrencyTransactionsQuery(period);
  if (query.error) return <ProblemAlert problem={problemOf(query.error)} />;
  if (!query.data) return <Loading />;
  const report = query.data;
  return (
    <>
      <Typography sx={{ mb: 2 }}>
        {t('admin.reports.ctr.summary', {
          threshold: formatMoney(report.threshold, report.currency),
          examined: report.movements_examined,
          zone: report.time_zone,
        })}
      </Typography>
      {report.items.length === 0 ? (
        <Alert severity="success">{t('admin.reports.ctr.none')}</Alert>
      ) : (
        <ScrollTable label={t('admin.reports.ctr.title')}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.reports.ctr.day')}</TableCell>
                <TableCell>{t('admin.reports.customer')}</TableCell>
                <TableCell align="right">{t('admin.reports.ctr.cashIn')}</TableCell>
                <TableCell align="right">{t('admin.reports.ctr.cashOut')}</TableCell>
                <TableCell>{t('admin.reports.ctr.movements')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {report.items.map((item) => (
                <TableRow key={`${item.business_day}/${item.customer_id}`} data-testid="ctr-row">
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{item.business_day}</TableCell>
                  <TableCell>
                    <CustomerName id={item.customer_id} name={item.customer_name} />
                  </TableCell>
                  <TableCell align="right">{formatMoney(item.cash_in, item.currency)}</TableCell>
                  <TableCell align="right">{formatMoney(item.cash_out, item.currency)}</TableCell>
                  <TableCell>
                    <Box component="ul" sx={{ m: 0, pl: 2 }}>
                      {item.movements.map((movement) => (
                        <li key={movement.transaction_id}>
                          {t(`admin.reports.ctr.kinds.${movement.kind}`)} {formatMoney(movement.amount, item.currency)} · {formatDateTime(movement.at)} ·{' '}
                          {movement.account_number}
                        </li>
                      ))}
                    </Box>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      )}
    </>
  );
}

function FilingDialog({ found, onClose }: { found: SuspiciousCase; onClose: () => void }) {
  const { t } = useTranslation();
  const [reference, setReference] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [file, { isLoading }] = useFileSuspiciousActivityMutation();
  const empty = reference.trim() === '';
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (empty) return;
    setProblem(null);
    try {
      await file({ caseId: found.case_id, reference: reference.trim() }).unwrap();
      onClose();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };
  return (
    <Dialog open onClose={onClose} aria-labelledby="filing-title" fullWidth maxWidth="sm">
      <Box component="form" noValidate onSubmit={(event: FormEvent) => void submit(event)}>
        <DialogTitle id="filing-title">{t('admin.reports.sar.fileTitle')}</DialogTitle>
        <DialogContent>
          <Typography sx={{ mb: 2 }}>
            {t('admin.reports.sar.fileExplain', { name: found.subject.name ?? t('admin.reports.unknownCustomer') })}
          </Typography>
          {problem && <ProblemAlert problem={problem} />}
          <TextField
            autoFocus
            fullWidth
            required
            label={t('admin.reports.sar.reference')}
            helperText={t('admin.reports.sar.referenceHelp')}
            value={reference}
            onChange={(event) => setReference(event.target.value)}
            slotProps={{ htmlInput: { maxLength: MAX_REFERENCE_CHARS } }}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('admin.reports.sar.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={empty || isLoading}>
            {t('admin.reports.sar.file')}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}

function SuspiciousActivity({ period }: { period: ReportPeriod }) {
  const { t } = useTranslation();
  const { isSupport } = useStaff();
  const query = useSuspiciousActivityQuery(period);
  const [filing, setFiling] = useState<SuspiciousCase | null>(null);
  if (query.error) return <ProblemAlert problem={problemOf(query.error)} />;
  if (!query.data) return <Loading />;
  const report = query.data;
  return (
    <>
      <Typography variant="h6" component="h4" gutterBottom>
        {t('admin.reports.sar.cases')}
      </Typography>
      {report.cases.length === 0 ? (
        <Alert severity="success" sx={{ mb: 2 }}>
          {t('admin.reports.sar.noCases')}
        </Alert>
      ) : (
        <ScrollTable label={t('admin.reports.sar.cases')}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.reports.sar.resolved')}</TableCell>
                <TableCell>{t('admin.reports.customer')}</TableCell>
                <TableCell align="right">{t('admin.reports.sar.amount')}</TableCell>
                <TableCell>{t('admin.reports.sar.assessment')}</TableCell>
                <TableCell>{t('admin.reports.sar.timeline')}</TableCell>
                <TableCell>{t('admin.reports.sar.filing')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {report.cases.map((found) => (
                <TableRow key={found.case_id} data-testid="sar-row">
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{found.resolved_at ? formatDateTime(found.resolved_at) : '—'}</TableCell>
                  <TableCell>
                    <CustomerName id={found.subject.customer_id} name={found.subject.name} />
                    <Typography variant="body2" color="text.secondary">
                      {found.subject.account_number ?? ''}
                    </Typography>
                  </TableCell>
                  <TableCell align="right">
                    {found.transaction.amount && found.transaction.currency ? formatMoney(found.transaction.amount, found.transaction.currency) : '—'}
                  </TableCell>
                  <TableCell sx={{ overflowWrap: 'anywhere' }}>
                    {t('admin.reports.sar.scored', { score: found.assessment.score, verdict: found.assessment.verdict })}
                    <Typography variant="body2" color="text.secondary">
                      {found.assessment.reasons.join(', ')}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <Box component="ol" sx={{ m: 0, pl: 2 }}>
                      {found.timeline.map((step) => (
                        <li key={`${step.action}/${step.at}`}>
                          {step.action} · {formatDateTime(step.at)}
                        </li>
                      ))}
                    </Box>
                  </TableCell>
                  <TableCell>
                    {found.filing ? (
                      <>
                        <StatusChip tone="success" label={t('admin.reports.sar.filed')} />
                        <Typography variant="body2" sx={{ mt: 0.5 }}>
                          {found.filing.reference}
                        </Typography>
                      </>
                    ) : isSupport ? (
                      <Button size="small" variant="outlined" onClick={() => setFiling(found)}>
                        {t('admin.reports.sar.markFiled')}
                      </Button>
                    ) : (
                      <StatusChip tone="warning" label={t('admin.reports.sar.notFiled')} />
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      )}
      <Typography variant="h6" component="h4" gutterBottom sx={{ mt: 3 }}>
        {t('admin.reports.sar.flagged')}
      </Typography>
      {report.flagged_accounts.length === 0 ? (
        <Alert severity="success">{t('admin.reports.sar.noFlagged')}</Alert>
      ) : (
        <ScrollTable label={t('admin.reports.sar.flagged')}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.reports.sar.flaggedAt')}</TableCell>
                <TableCell>{t('admin.reports.customer')}</TableCell>
                <TableCell align="right">{t('admin.reports.sar.mostInADay')}</TableCell>
                <TableCell>{t('admin.reports.sar.theCases')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {report.flagged_accounts.map((account) => (
                <TableRow key={account.account_id} data-testid="flagged-row">
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(account.flagged_at)}</TableCell>
                  <TableCell>
                    <CustomerName id={account.customer_id} name={account.customer_name} />
                    <Typography variant="body2" color="text.secondary">
                      {account.account_number ?? ''}
                    </Typography>
                  </TableCell>
                  <TableCell align="right">{account.most_cases_in_24h}</TableCell>
                  <TableCell>
                    {account.cases
                      .map((found) => `${found.verdict} ${found.score} (${found.resolution ?? found.status})`)
                      .join('; ')}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      )}
      {filing && <FilingDialog found={filing} onClose={() => setFiling(null)} />}
    </>
  );
}

function KycStatus() {
  const { t } = useTranslation();
  const query = useKycReportQuery();
  if (query.error) return <ProblemAlert problem={problemOf(query.error)} />;
  if (!query.data) return <Loading />;
  const report = query.data;
  const figure = (label: string, value: number, testId: string) => (
    <Box key={label} sx={{ p: 1.5, border: 1, borderColor: 'divider', borderRadius: 1, minWidth: 140 }}>
      <Typography variant="body2" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="h6" component="p" data-testid={testId}>
        {value}
      </Typography>
    </Box>
  );
  return (
    <>
      <Typography variant="h6" component="h4" gutterBottom>
        {t('admin.reports.kyc.byStatus', { total: report.total })}
      </Typography>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, mb: 3 }}>
        {Object.entries(report.by_status).map(([status, count]) => figure(status, count, `kyc-status-${status}`))}
      </Box>
      <Typography variant="h6" component="h4" gutterBottom>
        {t('admin.reports.kyc.byAge')}
      </Typography>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, mb: 3 }}>
        {Object.entries(report.pending_by_age).map(([age, count]) => figure(t(`admin.reports.kyc.ages.${age}`), count, `kyc-age-${age}`))}
      </Box>
      {report.pending.length === 0 ? (
        <Alert severity="success">{t('admin.reports.kyc.none')}</Alert>
      ) : (
        <ScrollTable label={t('admin.reports.kyc.pending')}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.reports.customer')}</TableCell>
                <TableCell>{t('admin.reports.kyc.submitted')}</TableCell>
                <TableCell align="right">{t('admin.reports.kyc.waiting')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {report.pending.map((review) => (
                <TableRow key={review.customer_id} data-testid="kyc-pending-row">
                  <TableCell>
                    <CustomerName id={review.customer_id} name={review.customer_name} />
                  </TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(review.submitted_at)}</TableCell>
                  <TableCell align="right">{t('admin.reports.kyc.hours', { hours: review.waiting_hours })}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      )}
    </>
  );
}

function PeriodForm({ period, onChange }: { period: ReportPeriod; onChange: (period: ReportPeriod) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(period);
  const backwards = draft.from !== '' && draft.to !== '' && draft.to < draft.from;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (backwards || !draft.from || !draft.to) return;
    onChange(draft);
  };
  return (
    <Box
      component="form"
      noValidate
      aria-label={t('admin.reports.period')}
      onSubmit={submit}
      sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, alignItems: 'start', mb: 2 }}
    >
      <TextField
        label={t('admin.reports.from')}
        type="date"
        value={draft.from}
        onChange={(event) => setDraft((d) => ({ ...d, from: event.target.value }))}
        helperText=" "
        slotProps={{ inputLabel: { shrink: true } }}
      />
      <TextField
        label={t('admin.reports.to')}
        type="date"
        value={draft.to}
        onChange={(event) => setDraft((d) => ({ ...d, to: event.target.value }))}
        error={backwards}
        helperText={backwards ? t('admin.reports.backwards') : t('admin.reports.toHelp')}
        slotProps={{ inputLabel: { shrink: true } }}
      />
      <Button type="submit" variant="contained" sx={{ mt: 1 }}>
        {t('admin.reports.show')}
      </Button>
    </Box>
  );
}

/** Support, admins and auditors: the regulatory reports, each shown and exported as CSV;
 * support and admins mark a suspicious activity case as filed. */
export default function ReportsPage() {
  const { t } = useTranslation();
  const [report, setReport] = useState<ReportName>('currency-transactions');
  const [period, setPeriod] = useState<ReportPeriod>(() => lastWeek());
  const [exportReport, { isLoading: exporting }] = useReportExportMutation();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const dated = report !== 'kyc';

  const download = async () => {
    setProblem(null);
    try {
      const url = await exportReport({ report, period: dated ? period : undefined }).unwrap();
      const link = document.createElement('a');
      link.href = url;
      link.download = `${report}-${dated ? `${period.from}-${period.to}` : dayOf(new Date())}.csv`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };
  const shown: Record<ReportName, ReactNode> = {
    'currency-transactions': <CurrencyTransactions period={period} />,
    'suspicious-activity': <SuspiciousActivity period={period} />,
    kyc: <KycStatus />,
  };

  return (
    <>
      <Typography variant="h5" component="h2" gutterBottom>
        {t('admin.reports.title')}
      </Typography>
      <Typography sx={{ mb: 2 }}>{t('admin.reports.intro')}</Typography>
      <Tabs value={report} onChange={(_, value: ReportName) => setReport(value)} aria-label={t('admin.reports.which')} sx={{ mb: 2 }} variant="scrollable">
        {REPORTS.map((name) => (
          <Tab key={name} value={name} label={t(`admin.reports.names.${name}`)} />
        ))}
      </Tabs>
      {dated && <PeriodForm period={period} onChange={setPeriod} />}
      <Section
        title={t(`admin.reports.names.${report}`)}
        action={
          <Button variant="outlined" onClick={() => void download()} disabled={exporting}>
            {t('admin.reports.export')}
          </Button>
        }
      >
        {problem && <ProblemAlert problem={problem} />}
        {shown[report]}
      </Section>
    </>
  );
}
