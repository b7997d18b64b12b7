import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useTranslation } from 'react-i18next';
import { useReadinessQuery, type Readiness } from '../../api/admin';
import { problemOf } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ScrollTable, Section, StatusChip } from './common';

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

/** The platform's readiness: PostgreSQL, Kafka, Redis, Ray and the ledger shards. */
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
    </>
  );
}
