import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useParams } from 'react-router';
import {
  useApproveKycMutation,
  useCustomerDocumentsQuery,
  useCustomerQuery,
  useRejectKycMutation,
  type CustomerDocument,
  type KycState,
} from '../../api/admin';
import { problemOf, type ApiProblem } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDateTime } from '../../format';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Field, fullName, Hidden, KycChip, ScrollTable, Section, useStaff } from './common';
import { DocumentViewer } from './DocumentViewer';

const MAX_REASON = 500;

function size(bytes: number): string {
  return new Intl.NumberFormat(undefined, { style: 'unit', unit: bytes >= 1024 * 1024 ? 'megabyte' : 'kilobyte', maximumFractionDigits: 1 }).format(
    bytes >= 1024 * 1024 ? bytes / (1024 * 1024) : bytes / 1024,
  );
}

/** One submitted customer: profile, documents (viewed in place), and the admin's decision. */
export default function KycReviewPage() {
  const { t } = useTranslation();
  const { customerId = '' } = useParams();
  const { isAdmin } = useStaff();
  const customer = useCustomerQuery(customerId);
  const documents = useCustomerDocumentsQuery(customerId);
  const [viewing, setViewing] = useState<CustomerDocument | null>(null);
  const [dialog, setDialog] = useState<'approve' | 'reject' | null>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [decided, setDecided] = useState<KycState | null>(null);
  const [approve, approving] = useApproveKycMutation();
  const [reject, rejecting] = useRejectKycMutation();
  const busy = approving.isLoading || rejecting.isLoading;

  const open = (which: 'approve' | 'reject') => {
    setProblem(null);
    setReasonError(null);
    setDialog(which);
  };

  const confirm = async () => {
    setProblem(null);
    try {
      if (dialog === 'reject') {
        const text = reason.trim();
        if (!text) {
          setReasonError(t('admin.kyc.reasonRequired'));
          return;
        }
        if (text.length > MAX_REASON) {
          setReasonError(t('admin.kyc.reasonTooLong', { max: MAX_REASON }));
          return;
        }
        setDecided(await reject({ customerId, reason: text }).unwrap());
      } else {
        setDecided(await approve(customerId).unwrap());
      }
      setDialog(null);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  if (customer.error) return <ProblemAlert problem={problemOf(customer.error)} />;
  if (!customer.data) return <Loading />;
  const c = customer.data;
  const status = decided?.kyc_status ?? c.kyc_status;

  return (
    <>
      <Link component={RouterLink} to="/admin/kyc">
        {t('admin.kyc.back')}
      </Link>
      <Typography variant="h5" component="h2" gutterBottom sx={{ mt: 1 }}>
        {t('admin.kyc.reviewTitle', { name: fullName(c) })}
      </Typography>
      {decided && (
        <Alert severity="success" sx={{ mb: 2 }} role="status" data-testid="kyc-decided">
          {decided.kyc_status === 'APPROVED' ? t('admin.kyc.approvedDone') : t('admin.kyc.rejectedDone', { reason: decided.reason ?? '' })}
        </Alert>
      )}
      <Section title={t('admin.customer.profile')}>
        <Box component="dl" sx={{ m: 0 }}>
          <Field label={t('admin.customer.name')}>{fullName(c)}</Field>
          <Field label={t('admin.customer.email')}>{c.email}</Field>
          <Field label={t('admin.customer.dateOfBirth')}>{c.date_of_birth}</Field>
          <Field label={t('admin.customer.ssn')}>{t('admin.customer.ssnMasked', { last4: c.ssn_last4 })}</Field>
          <Field label={t('admin.customer.address')}>
            {[c.address.line1, c.address.line2, c.address.city, c.address.region, c.address.postal_code, c.address.country].filter(Boolean).join(', ')}
          </Field>
          <Field label={t('admin.customer.kyc')} testId="kyc-status">
            <KycChip status={status} />
          </Field>
          {c.kyc_reason && <Field label={t('admin.customer.kycReason')}>{c.kyc_reason}</Field>}
        </Box>
      </Section>

      <Section title={t('admin.kyc.documents')}>
        {documents.error && <ProblemAlert problem={problemOf(documents.error)} />}
        {!documents.data && !documents.error && <Loading />}
        {documents.data && documents.data.items.length === 0 && <Alert severity="warning">{t('admin.kyc.noDocuments')}</Alert>}
        {documents.data && documents.data.items.length > 0 && (
          <ScrollTable label={t('admin.kyc.documents')}>
            <Table size="small">
              <TableHead>
                <TableRow>
                  <TableCell>{t('admin.kyc.kind')}</TableCell>
                  <TableCell>{t('admin.kyc.type')}</TableCell>
                  <TableCell>{t('admin.kyc.size')}</TableCell>
                  <TableCell>{t('admin.kyc.uploaded')}</TableCell>
                  <TableCell>{t('admin.kyc.review')}</TableCell>
                  <TableCell>
                    <Hidden>{t('admin.actions')}</Hidden>
                  </TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {documents.data.items.map((d) => {
                  const kind = t(`admin.documentKind.${d.kind}`, { defaultValue: d.kind });
                  return (
                    <TableRow key={d.document_id} selected={viewing?.document_id === d.document_id}>
                      <TableCell>{kind}</TableCell>
                      <TableCell>{d.content_type}</TableCell>
                      <TableCell>{size(d.size_bytes)}</TableCell>
                      <TableCell>{formatDateTime(d.uploaded_at)}</TableCell>
                      <TableCell>{t(`admin.documentReview.${d.review_status}`, { defaultValue: d.review_status })}</TableCell>
                      <TableCell>
                        <Button size="small" variant="outlined" onClick={() => setViewing(d)} aria-label={t('admin.kyc.viewNamed', { kind })}>
                          {t('admin.kyc.view')}
                        </Button>
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </ScrollTable>
        )}
        {viewing && (
          <Box sx={{ mt: 2 }}>
            <DocumentViewer customerId={customerId} document={viewing} />
          </Box>
        )}
      </Section>

      <Section title={t('admin.kyc.decision')}>
        {!isAdmin ? (
          <Alert severity="info">{t('admin.kyc.adminOnly')}</Alert>
        ) : status !== 'SUBMITTED' ? (
          <Alert severity="info">{t('admin.kyc.notSubmitted')}</Alert>
        ) : (
          <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
            <Button variant="contained" color="success" onClick={() => open('approve')}>
              {t('admin.kyc.approve')}
            </Button>
            <Button variant="outlined" color="error" onClick={() => open('reject')}>
              {t('admin.kyc.reject')}
            </Button>
          </Box>
        )}
      </Section>

      <ConfirmDialog
        open={dialog === 'approve'}
        title={t('admin.kyc.approveTitle')}
        confirmLabel={t('admin.kyc.approveConfirm')}
        onConfirm={() => void confirm()}
        onClose={() => setDialog(null)}
        busy={busy}
        problem={problem}
      >
        <Typography>{t('admin.kyc.approveBody', { name: fullName(c) })}</Typography>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'reject'}
        title={t('admin.kyc.rejectTitle')}
        confirmLabel={t('admin.kyc.rejectConfirm')}
        onConfirm={() => void confirm()}
        onClose={() => setDialog(null)}
        busy={busy}
        problem={problem}
        danger
      >
        <Typography sx={{ mb: 2 }}>{t('admin.kyc.rejectBody', { name: fullName(c) })}</Typography>
        <TextField
          label={t('admin.kyc.reason')}
          required
          fullWidth
          multiline
          minRows={2}
          value={reason}
          onChange={(event) => {
            setReason(event.target.value);
            if (reasonError) setReasonError(null);
          }}
          error={Boolean(reasonError)}
          helperText={reasonError ?? t('admin.kyc.reasonHelp')}
          slotProps={{ htmlInput: { maxLength: MAX_REASON } }}
        />
      </ConfirmDialog>
    </>
  );
}
