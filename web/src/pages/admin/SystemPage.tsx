import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useReadinessQuery, useSystemFiguresQuery, type Readiness, type SystemFigures } from '../../api/admin';
import { problemOf } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Field, ScrollTable, Section, StatusChip } from './common';

/** How often the key figures are scraped again while the page is shown. */
const FIGURES_POLL_MS = 15_000;

interface Component {
  name: string;
  ok: boolean;
  detail: string;
}

/** GET /readyz is untyped in the OpenAPI document: read its probe results defensively. */
function componentsOf(body: Readiness): { status: string; components: Component[] } {
  const value = (typeof body === 'object' && body !== null ? body : {}) as { status?: unknown; components?: unknown };
  const raw = typeof value.components === 'object' && value.components !== null ? (value.components as Record<string, unknown>) : {};
  const components = Object.entries(raw).map(([name, probe]) => {
    // Each probe is {"status": "ok" | "failing", "detail": "…"} (actors/probes.py).
    const p = (typeof probe === 'object' && probe !== null ? probe : {}) as { status?: unknown; detail?: unknown };
    return { name, ok: p.status === 'ok', detail: typeof p.detail === 'string' ? p.detail : '' };
  });
  return { status: typeof value.status === 'string' ? value.status : 'unknown', components };
}

/** A figure and what it means: the value (or "no data yet") above a short explanation. */
function Figure({ label, value, help, testId }: { label: string; value: string | null; help: string; testId: string }) {
  const { t } = useTranslation();
  return (
    <Field label={label}>
      <Box component="span" sx={{ display: 'block', fontWeight: 500 }} data-testid={testId}>
        {value ?? t('admin.system.figures.noData')}
      </Box>
      <Box component="span" sx={{ display: 'block', typography: 'body2', color: 'text.secondary' }}>
        {help}
      </Box>
    </Field>
  );
}

/** Each figure as shown, formatted for `locale`; null where the metrics have none yet. */
function figureTexts(figures: SystemFigures, t: TFunction, locale: string) {
  const number = new Intl.NumberFormat(locale);
  const seconds = new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'long', maximumFractionDigits: 1 });
  const ms = new Intl.NumberFormat(locale, { style: 'unit', unit: 'millisecond', unitDisplay: 'short', maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 });
  const orDash = (value: number | null) => (value === null ? '—' : ms.format(value));
  const latency = figures.commit_latency_ms;
  const api = figures.api;
  return {
    outboxLag: figures.outbox_lag_s === null ? null : seconds.format(figures.outbox_lag_s),
    commitLatency:
      !latency.count || (latency.p50 === null && latency.p99 === null && latency.mean === null)
        ? null
        : t('admin.system.figures.commitLatencyValue', {
            count: latency.count,
            batches: number.format(latency.count),
            p50: orDash(latency.p50),
            p99: orDash(latency.p99),
            mean: orDash(latency.mean),
          }),
    errorRate:
      api.error_rate === null || api.requests === null
        ? null
        : t('admin.system.figures.errorRateValue', {
            count: api.requests,
            rate: percent.format(api.error_rate),
            requests: number.format(api.requests),
            errors: number.format(api.errors_5xx ?? 0),
          }),
    scrapedAt: new Intl.DateTimeFormat(locale, {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZone: 'UTC',
      timeZoneName: 'short',
    }).format(new Date(figures.scraped_at)),
  };
}

/** Outbox lag, journal commit latency and API error rate from the cluster's metrics, scraped
 * again every 15 seconds (GET /api/v1/admin/system/figures; /metrics wants a token the app lacks). */
function KeyFigures() {
  const { t, i18n } = useTranslation();
  const figures = useSystemFiguresQuery(undefined, {
    pollingInterval: FIGURES_POLL_MS,
    skipPollingIfUnfocused: true,
    refetchOnMountOrArgChange: true,
  });
  const texts = figures.data ? figureTexts(figures.data, t, i18n.language) : null;
  return (
    <Section
      title={t('admin.system.figures.title')}
      action={
        <Button onClick={() => void figures.refetch()} disabled={figures.isFetching}>
          {t('admin.system.figures.refresh')}
        </Button>
      }
    >
      {figures.error && <ProblemAlert problem={problemOf(figures.error)} />}
      {!texts && !figures.error && <Loading />}
      {texts && (
        <>
          <Typography variant="body2" color="text.secondary" data-testid="figures-scraped-at">
            {t('admin.system.figures.scrapedAt', { time: texts.scrapedAt, seconds: FIGURES_POLL_MS / 1000 })}
          </Typography>
          <Box component="dl" sx={{ m: 0, mt: 1 }}>
            <Figure label={t('admin.system.figures.outboxLag')} value={texts.outboxLag} help={t('admin.system.figures.outboxLagHelp')} testId="figure-outbox-lag" />
            <Figure
              label={t('admin.system.figures.commitLatency')}
              value={texts.commitLatency}
              help={t('admin.system.figures.commitLatencyHelp')}
              testId="figure-commit-latency"
            />
            <Figure label={t('admin.system.figures.errorRate')} value={texts.errorRate} help={t('admin.system.figures.errorRateHelp')} testId="figure-error-rate" />
          </Box>
        </>
      )}
    </Section>
  );
}

/** The platform's readiness: PostgreSQL, Kafka, Redis, Ray and the ledger shards; and its key figures. */
export default function SystemPage() {
  const { t } = useTranslation();
  const ready = useReadinessQuery(undefined, { refetchOnMountOrArgChange: true });
  let body;
  if (ready.error) body = <ProblemAlert problem={problemOf(ready.error)} />;
  else if (!ready.data) body = <Loading />;
  else {
    const { status, components } = componentsOf(ready.data);
    body = (
      <>
        <Alert severity={status === 'ok' ? 'success' : 'error'} sx={{ mb: 2 }} data-testid="readiness">
          {status === 'ok' ? t('admin.system.ready') : t('admin.system.failing')}
        </Alert>
        <ScrollTable label={t('admin.system.components')}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.system.component')}</TableCell>
                <TableCell>{t('admin.system.state')}</TableCell>
                <TableCell>{t('admin.system.detail')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {components.map((c) => (
                <TableRow key={c.name}>
                  <TableCell>{t(`admin.system.names.${c.name}`, { defaultValue: c.name })}</TableCell>
                  <TableCell>
                    <StatusChip tone={c.ok ? 'success' : 'error'} label={c.ok ? t('admin.system.ok') : t('admin.system.down')} />
                  </TableCell>
                  <TableCell sx={{ overflowWrap: 'anywhere' }}>{c.detail || '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      </>
    );
  }
  return (
    <>
      <Typography variant="h5" component="h2" gutterBottom>
        {t('admin.system.title')}
      </Typography>
      <Section title={t('admin.system.components')} action={<Button onClick={() => void ready.refetch()} disabled={ready.isFetching}>{t('admin.system.refresh')}</Button>}>
        {body}
      </Section>
      <KeyFigures />
    </>
  );
}
