import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import { useSearchCustomersQuery } from '../../api/admin';
import { problemOf } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDateTime } from '../../format';
import { fullName, ScrollTable, Section } from './common';

const PAGE = 50;

/** Customers waiting for a KYC decision, oldest first. */
export default function KycQueuePage() {
  const { t } = useTranslation();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  // Longest waiting first: the API orders by when the KYC status last changed (the submission).
  const query = useSearchCustomersQuery({ kyc_status: 'SUBMITTED', sort: 'kyc_updated_at', limit: PAGE, cursor });
  const items = query.data?.items ?? [];

  let body;
  if (query.error) body = <ProblemAlert problem={problemOf(query.error)} />;
  else if (!query.data) body = <Loading />;
  else if (items.length === 0) body = <Alert severity="success">{t('admin.kyc.empty')}</Alert>;
  else
    body = (
      <ScrollTable label={t('admin.kyc.queue')}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.customer.name')}</TableCell>
              <TableCell>{t('admin.customer.email')}</TableCell>
              <TableCell>{t('admin.kyc.submittedAt')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {items.map((customer) => (
              <TableRow key={customer.customer_id} data-testid="kyc-row" data-customer-id={customer.customer_id}>
                <TableCell>
                  <Link component={RouterLink} to={`/admin/kyc/${customer.customer_id}`}>
                    {fullName(customer)}
                  </Link>
                </TableCell>
                <TableCell sx={{ overflowWrap: 'anywhere' }}>{customer.email}</TableCell>
                <TableCell>{formatDateTime(customer.kyc_updated_at ?? customer.updated_at)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </ScrollTable>
    );

  return (
    <>
      <Typography variant="h5" component="h2" gutterBottom>
        {t('admin.kyc.title')}
      </Typography>
      <Section title={t('admin.kyc.queue')}>
        {body}
        {(cursors.length > 1 || query.data?.next_cursor) && (
          <Box sx={{ display: 'flex', gap: 1, mt: 2 }}>
            <Button disabled={cursors.length < 2 || query.isFetching} onClick={() => setCursors((c) => c.slice(0, -1))}>
              {t('admin.previous')}
            </Button>
            <Button
              disabled={!query.data?.next_cursor || query.isFetching}
              onClick={() => setCursors((c) => [...c, query.data?.next_cursor ?? null])}
            >
              {t('admin.next')}
            </Button>
          </Box>
        )}
      </Section>
    </>
  );
}
