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
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useSearchParams } from 'react-router';
import { useSearchCustomersQuery, type CustomerSearch, type KycStatus } from '../../api/admin';
import { problemOf } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { CursorPager, fullName, KycChip, ScrollTable, Section, useCursorPages } from './common';

const PAGE = 25;
const KYC: KycStatus[] = ['PENDING', 'SUBMITTED', 'APPROVED', 'REJECTED'];
const FIELDS = ['name', 'email', 'phone', 'kyc_status'] as const;
type Criteria = Record<(typeof FIELDS)[number], string>;

/** Support/admin: find customers by name, email, phone or KYC status. */
export default function CustomersPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const applied: Criteria = { name: params.get('name') ?? '', email: params.get('email') ?? '', phone: params.get('phone') ?? '', kyc_status: params.get('kyc_status') ?? '' };
  const [draft, setDraft] = useState<Criteria>(applied);
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const searched = params.get('searched') === '1';
  const request: CustomerSearch = {
    name: applied.name || null,
    email: applied.email || null,
    phone: applied.phone || null,
    kyc_status: (applied.kyc_status || null) as KycStatus | null,
    limit: PAGE,
    cursor,
  };
  const query = useSearchCustomersQuery(request, { skip: !searched });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams({ searched: '1' });
    for (const field of FIELDS) if (draft[field].trim()) next.set(field, draft[field].trim());
    pages.reset();
    setParams(next);
  };

  const set = (field: keyof Criteria) => (event: { target: { value: string } }) => setDraft((d) => ({ ...d, [field]: event.target.value }));

  let results;
  if (!searched) results = null;
  else if (query.error) results = <ProblemAlert problem={problemOf(query.error)} />;
  else if (!query.data) results = <Loading />;
  else if (query.data.items.length === 0) results = <Alert severity="info">{t('admin.customers.none')}</Alert>;
  else
    results = (
      <>
        <ScrollTable label={t('admin.customers.results')}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.customer.name')}</TableCell>
                <TableCell>{t('admin.customer.email')}</TableCell>
                <TableCell>{t('admin.customer.phone')}</TableCell>
                <TableCell>{t('admin.customer.kyc')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {query.data.items.map((c) => (
                <TableRow key={c.customer_id} data-testid="customer-row">
                  <TableCell>
                    <Link component={RouterLink} to={`/admin/customers/${c.customer_id}`}>
                      {fullName(c)}
                    </Link>
                  </TableCell>
                  <TableCell sx={{ overflowWrap: 'anywhere' }}>{c.email}</TableCell>
                  <TableCell>{c.phone ?? '—'}</TableCell>
                  <TableCell>
                    <KycChip status={c.kyc_status} />
                  </TableCell>
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
        {t('admin.customers.title')}
      </Typography>
      <Section title={t('admin.customers.search')}>
        <Box
          component="form"
          role="search"
          aria-label={t('admin.customers.search')}
          noValidate
          onSubmit={submit}
          sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'repeat(4, 1fr)' }, alignItems: 'start' }}
        >
          <TextField label={t('admin.customer.name')} value={draft.name} onChange={set('name')} autoComplete="off" slotProps={{ htmlInput: { maxLength: 100 } }} />
          <TextField label={t('admin.customer.email')} type="email" value={draft.email} onChange={set('email')} autoComplete="off" helperText={t('admin.customers.exact')} />
          <TextField label={t('admin.customer.phone')} type="tel" value={draft.phone} onChange={set('phone')} autoComplete="off" helperText={t('admin.customers.phoneHelp')} />
          <TextField select label={t('admin.customer.kyc')} value={draft.kyc_status} onChange={set('kyc_status')}>
            <MenuItem value="">{t('admin.any')}</MenuItem>
            {KYC.map((s) => (
              <MenuItem key={s} value={s}>
                {t(`admin.kycStatus.${s}`)}
              </MenuItem>
            ))}
          </TextField>
          <Box>
            <Button type="submit" variant="contained">
              {t('admin.customers.submit')}
            </Button>
          </Box>
        </Box>
      </Section>
      {results && <Section title={t('admin.customers.results')}>{results}</Section>}
    </>
  );
}
