import { zodResolver } from '@hookform/resolvers/zod';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Step from '@mui/material/Step';
import StepLabel from '@mui/material/StepLabel';
import Stepper from '@mui/material/Stepper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMeQuery } from '../api/api';
import { problemOf, type ApiProblem } from '../api/errors';
import {
  DOCUMENT_KINDS,
  useCreateCustomerMutation,
  useCustomerQuery,
  useDocumentsQuery,
  useKycStatusQuery,
  useSubmitKycMutation,
  useUploadDocumentMutation,
  type Customer,
  type CustomerDocument,
  type DocumentKind,
  type KycStatus,
} from '../api/identity';
import { Loading } from '../components/Loading';
import { OpenAccountDialog } from '../components/OpenAccountDialog';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../format';
import { IdentityProblem } from './identityShell';
import { documentProblem, profileSchema, type ProfileValues } from './identityRules';

type StepName = 'profile' | 'document' | 'submit' | 'review';
const STEPS: StepName[] = ['profile', 'document', 'submit', 'review'];

function formatDay(day: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
}

function formatBytes(bytes: number): string {
  return new Intl.NumberFormat(undefined, { style: 'unit', unit: bytes >= 1024 * 1024 ? 'megabyte' : 'kilobyte', maximumFractionDigits: 1 }).format(
    bytes >= 1024 * 1024 ? bytes / (1024 * 1024) : Math.max(bytes / 1024, 0.1),
  );
}

// --- 1. the profile ----------------------------------------------------------------------------

const EMPTY_PROFILE: ProfileValues = {
  first_name: '',
  last_name: '',
  date_of_birth: '',
  ssn: '',
  phone: '',
  line1: '',
  line2: '',
  city: '',
  region: '',
  postal_code: '',
  country: 'US',
};

export function ProfileForm() {
  const { t } = useTranslation();
  const [create, { isLoading }] = useCreateCustomerMutation();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const form = useForm<ProfileValues>({ resolver: zodResolver(profileSchema()), defaultValues: EMPTY_PROFILE });
  const errors = form.formState.errors;
  const field = (name: keyof ProfileValues, label: string, extra: Record<string, unknown> = {}, help?: string) => (
    <TextField
      label={label}
      error={Boolean(errors[name])}
      helperText={errors[name]?.message ? t(errors[name].message) : (help ?? ' ')}
      {...extra}
      {...form.register(name)}
    />
  );

  const submit = async (values: ProfileValues) => {
    setProblem(null);
    try {
      await create({
        first_name: values.first_name,
        last_name: values.last_name,
        date_of_birth: values.date_of_birth,
        ssn: values.ssn,
        phone: values.phone || null,
        address: {
          line1: values.line1,
          line2: values.line2 || null,
          city: values.city,
          region: values.region || null,
          postal_code: values.postal_code,
          country: values.country,
        },
      }).unwrap();
      form.reset(EMPTY_PROFILE); // the SSN leaves the page's memory
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  return (
    <Box component="form" noValidate onSubmit={form.handleSubmit(submit)} aria-labelledby="profile-heading">
      <Typography variant="h5" component="h2" id="profile-heading" gutterBottom>
        {t('onboarding.profile.title')}
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {t('onboarding.profile.intro')}
      </Typography>
      {problem && <IdentityProblem problem={problem} title={t('onboarding.profile.failed')} />}
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, minmax(0, 1fr))' } }}>
        {field('first_name', t('onboarding.profile.firstName'), { required: true, autoComplete: 'given-name' })}
        {field('last_name', t('onboarding.profile.lastName'), { required: true, autoComplete: 'family-name' })}
        {field('date_of_birth', t('onboarding.profile.dateOfBirth'), {
          required: true,
          type: 'date',
          autoComplete: 'bday',
          slotProps: { inputLabel: { shrink: true } },
        })}
        {field(
          'ssn',
          t('onboarding.profile.ssn'),
          { required: true, autoComplete: 'off', slotProps: { htmlInput: { inputMode: 'numeric', maxLength: 11, spellCheck: false } } },
          t('onboarding.profile.ssnHelp'),
        )}
        {field('phone', t('onboarding.profile.phone'), { type: 'tel', autoComplete: 'tel' }, t('identity.fields.phoneHelp'))}
      </Box>
      <Typography variant="h6" component="h3" sx={{ mt: 1, mb: 2 }}>
        {t('onboarding.profile.address')}
      </Typography>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, minmax(0, 1fr))' } }}>
        {field('line1', t('onboarding.profile.line1'), { required: true, autoComplete: 'address-line1' })}
        {field('line2', t('onboarding.profile.line2'), { autoComplete: 'address-line2' })}
        {field('city', t('onboarding.profile.city'), { required: true, autoComplete: 'address-level2' })}
        {field('region', t('onboarding.profile.region'), { autoComplete: 'address-level1' })}
        {field('postal_code', t('onboarding.profile.postalCode'), { required: true, autoComplete: 'postal-code' })}
        {field(
          'country',
          t('onboarding.profile.country'),
          { required: true, autoComplete: 'country', slotProps: { htmlInput: { maxLength: 2 } } },
          t('onboarding.profile.countryHelp'),
        )}
      </Box>
      <Button type="submit" variant="contained" size="large" disabled={isLoading} sx={{ mt: 1 }}>
        {t('onboarding.profile.submit')}
      </Button>
    </Box>
  );
}

function ProfileSummary({ customer }: { customer: Customer }) {
  const { t } = useTranslation();
  const address = [customer.address.line1, customer.address.line2, customer.address.city, customer.address.region, customer.address.postal_code, customer.address.country]
    .filter(Boolean)
    .join(', ');
  const rows: [string, string, string][] = [
    [t('onboarding.summary.name'), `${customer.first_name} ${customer.last_name}`, 'summary-name'],
    [t('onboarding.summary.dateOfBirth'), formatDay(customer.date_of_birth), 'summary-dob'],
    [t('onboarding.summary.ssn'), t('onboarding.summary.ssnMasked', { last4: customer.ssn_last4 }), 'summary-ssn'],
    [t('onboarding.summary.address'), address, 'summary-address'],
  ];
  return (
    <Box component="section" aria-labelledby="summary-heading" sx={{ mb: 3 }}>
      <Typography variant="h6" component="h2" id="summary-heading">
        {t('onboarding.summary.title')}
      </Typography>
      <Box component="dl" sx={{ m: 0 }}>
        {rows.map(([label, value, testId]) => (
          <Box key={testId} sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '12rem 1fr' }, gap: { xs: 0, sm: 2 }, py: 0.5 }}>
            <Typography component="dt" color="text.secondary">
              {label}
            </Typography>
            <Typography component="dd" sx={{ m: 0, overflowWrap: 'anywhere' }} data-testid={testId}>
              {value}
            </Typography>
          </Box>
        ))}
      </Box>
    </Box>
  );
}

// --- 2. identity documents ---------------------------------------------------------------------

/** Choose a document, see it, upload it: an image through an object URL, a PDF in a frame. */
export function DocumentUpload({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const inputId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [kind, setKind] = useState<DocumentKind>('passport');
  const [file, setFile] = useState<File | null>(null);
  const [previewUrl, setPreviewUrl] = useState<string | null>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [uploaded, setUploaded] = useState<CustomerDocument | null>(null);
  const [upload, { isLoading }] = useUploadDocumentMutation();

  useEffect(() => {
    if (!file) {
      setPreviewUrl(null);
      return undefined;
    }
    const url = URL.createObjectURL(file);
    setPreviewUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0] ?? null;
    event.target.value = ''; // choosing the same file again still fires a change
    setProblem(null);
    setUploaded(null);
    if (!chosen) return;
    const found = documentProblem(chosen);
    setFileProblem(found);
    setFile(found ? null : chosen);
  };

  const send = async () => {
    if (!file) return;
    setProblem(null);
    try {
      const document = await upload({ customerId, kind, file }).unwrap();
      setUploaded(document);
      setFile(null);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  return (
    <Box component="section" aria-labelledby="upload-heading" sx={{ display: 'grid', gap: 2 }}>
      <Typography variant="h6" component="h2" id="upload-heading">
        {t('onboarding.document.title')}
      </Typography>
      <Typography color="text.secondary">{t('onboarding.document.intro')}</Typography>
      <TextField
        select
        label={t('onboarding.document.kind')}
        value={kind}
        onChange={(event) => setKind(event.target.value as DocumentKind)}
        sx={{ maxWidth: 360 }}
      >
        {DOCUMENT_KINDS.map((value) => (
          <MenuItem key={value} value={value}>
            {t(`onboarding.document.kinds.${value}`)}
          </MenuItem>
        ))}
      </TextField>
      <Box>
        {/* A real button opens the file picker: one tab stop, no control nested in a label. */}
        <Button variant="outlined" onClick={() => fileInput.current?.click()} aria-describedby={`${inputId}-help`}>
          {file ? t('onboarding.document.chooseAnother') : t('onboarding.document.choose')}
        </Button>
        <input
          ref={fileInput}
          id={inputId}
          type="file"
          accept="application/pdf,image/png,image/jpeg"
          onChange={choose}
          hidden
          aria-hidden="true"
          tabIndex={-1}
          data-testid="document-file"
        />
        <Typography id={`${inputId}-help`} variant="body2" color={fileProblem ? 'error' : 'text.secondary'} sx={{ mt: 1 }} role={fileProblem ? 'alert' : undefined} data-testid={fileProblem ? 'file-problem' : undefined}>
          {fileProblem ? t(fileProblem) : t('onboarding.document.rules')}
        </Typography>
      </Box>
      {file && previewUrl && (
        <Box component="figure" sx={{ m: 0 }} data-testid="document-preview">
          {file.type === 'application/pdf' ? (
            <Box
              component="object"
              type="application/pdf"
              data={previewUrl}
              aria-label={t('onboarding.document.previewOf', { name: file.name })}
              sx={{ display: 'block', width: '100%', maxWidth: 560, height: 420, border: 1, borderColor: 'divider', borderRadius: 1 }}
            >
              <Typography sx={{ p: 2 }}>{t('onboarding.document.noPdfPreview')}</Typography>
            </Box>
          ) : (
            <Box
              component="img"
              src={previewUrl}
              alt={t('onboarding.document.previewOf', { name: file.name })}
              sx={{ display: 'block', maxWidth: '100%', maxHeight: 420, border: 1, borderColor: 'divider', borderRadius: 1 }}
            />
          )}
          <Typography component="figcaption" variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
            {t('onboarding.document.chosen', { name: file.name, size: formatBytes(file.size) })}
          </Typography>
        </Box>
      )}
      {problem && <IdentityProblem problem={problem} title={t('onboarding.document.failed')} />}
      {uploaded && (
        <Alert severity="success" data-testid="document-uploaded">
          {t('onboarding.document.uploaded', { kind: t(`onboarding.document.kinds.${uploaded.kind}`) })}
        </Alert>
      )}
      {file && (
        <Box>
          <Button variant="contained" onClick={() => void send()} disabled={isLoading}>
            {t('onboarding.document.upload')}
          </Button>
        </Box>
      )}
    </Box>
  );
}

function DocumentsList({ documents }: { documents: CustomerDocument[] }) {
  const { t } = useTranslation();
  if (documents.length === 0) return null;
  return (
    <Box component="section" aria-labelledby="documents-heading" sx={{ mb: 2 }}>
      <Typography variant="h6" component="h2" id="documents-heading">
        {t('onboarding.documents.title')}
      </Typography>
      <List dense disablePadding data-testid="documents">
        {documents.map((document) => (
          <ListItem key={document.document_id} disableGutters divider>
            <ListItemText
              primary={t(`onboarding.document.kinds.${document.kind}`, { defaultValue: document.kind })}
              secondary={t('onboarding.documents.line', {
                size: formatBytes(document.size_bytes),
                at: formatDateTime(document.uploaded_at),
                status: t(`onboarding.documents.status.${document.review_status}`, { defaultValue: document.review_status }),
              })}
            />
          </ListItem>
        ))}
      </List>
    </Box>
  );
}

// --- 3 and 4. KYC ------------------------------------------------------------------------------

function activeStep(status: KycStatus | undefined, documents: number): number {
  if (status === 'SUBMITTED' || status === 'APPROVED') return status === 'APPROVED' ? STEPS.length : 3;
  if (documents === 0) return 1;
  return 2;
}

function KycJourney({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const customer = useCustomerQuery(customerId);
  const kyc = useKycStatusQuery(customerId, { refetchOnMountOrArgChange: true });
  const documents = useDocumentsQuery(customerId);
  const [submitKyc, submitting] = useSubmitKycMutation();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [opening, setOpening] = useState(false);
  const [opened, setOpened] = useState<string | null>(null);

  const error = customer.error ?? kyc.error ?? documents.error;
  if (error) return <ProblemAlert problem={problemOf(error)} />;
  if (!customer.data || !kyc.data || !documents.data) return <Loading />;

  const status = kyc.data.kyc_status;
  const items = documents.data.items;
  const pendingDocuments = items.filter((d) => d.review_status === 'PENDING').length;
  const submit = async () => {
    setProblem(null);
    try {
      await submitKyc(customerId).unwrap();
    } catch (failure) {
      setProblem(problemOf(failure));
    }
  };

  let state;
  if (status === 'APPROVED') {
    state = (
      <>
        <Alert severity="success" sx={{ mb: 2 }} role="status" data-testid="kyc-status" data-status={status}>
          <AlertTitle>{t('onboarding.kyc.approvedTitle')}</AlertTitle>
          {t('onboarding.kyc.approved')}
        </Alert>
        {opened && (
          <Alert severity="success" sx={{ mb: 2 }}>
            {opened}
          </Alert>
        )}
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          <Button variant="contained" onClick={() => setOpening(true)}>
            {t('onboarding.openAccount.offer')}
          </Button>
          <Button component={Link} to="/">
            {t('onboarding.kyc.toAccounts')}
          </Button>
        </Box>
        <OpenAccountDialog
          open={opening}
          onClose={(account) => {
            setOpening(false);
            if (account) setOpened(t('onboarding.openAccount.openedShort', { number: account.number }));
          }}
        />
      </>
    );
  } else if (status === 'SUBMITTED') {
    state = (
      <Alert severity="info" sx={{ mb: 2 }} role="status" data-testid="kyc-status" data-status={status}>
        <AlertTitle>{t('onboarding.kyc.submittedTitle')}</AlertTitle>
        <Typography variant="body2" component="p">
          {t('onboarding.kyc.submitted')}
        </Typography>
        <Box sx={{ mt: 1 }}>
          <Button size="small" variant="outlined" color="inherit" onClick={() => void kyc.refetch()} disabled={kyc.isFetching}>
            {t('onboarding.kyc.checkAgain')}
          </Button>
        </Box>
      </Alert>
    );
  } else {
    const rejected = status === 'REJECTED';
    const canSubmit = items.length > 0;
    state = (
      <>
        {rejected ? (
          <Alert severity="warning" sx={{ mb: 2 }} role="status" data-testid="kyc-status" data-status={status}>
            <AlertTitle>{t('onboarding.kyc.rejectedTitle')}</AlertTitle>
            <Typography variant="body2" component="p" data-testid="kyc-reason">
              {t('onboarding.kyc.reason', { reason: kyc.data.reason ?? t('onboarding.kyc.noReason') })}
            </Typography>
            <Typography variant="body2" component="p">
              {t('onboarding.kyc.rejectedNext')}
            </Typography>
          </Alert>
        ) : (
          <Alert severity="info" sx={{ mb: 2 }} role="status" data-testid="kyc-status" data-status={status}>
            <AlertTitle>{t('onboarding.kyc.pendingTitle')}</AlertTitle>
            {items.length === 0 ? t('onboarding.kyc.pendingNoDocument') : t('onboarding.kyc.pendingReady')}
          </Alert>
        )}
        <Paper variant="outlined" sx={{ p: { xs: 1.5, sm: 2 }, mb: 2 }}>
          <DocumentUpload customerId={customerId} />
        </Paper>
        {problem && <IdentityProblem problem={problem} title={t('onboarding.kyc.submitFailed')} />}
        <Button variant="contained" size="large" onClick={() => void submit()} disabled={!canSubmit || submitting.isLoading}>
          {rejected ? t('onboarding.kyc.resubmit') : t('onboarding.kyc.submit')}
        </Button>
        {!canSubmit && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            {t('onboarding.kyc.needDocument')}
          </Typography>
        )}
        {rejected && canSubmit && pendingDocuments === 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            {t('onboarding.kyc.needNewDocument')}
          </Typography>
        )}
      </>
    );
  }

  return (
    <>
      <Stepper activeStep={activeStep(status, items.length)} alternativeLabel sx={{ mb: 3, display: { xs: 'none', sm: 'flex' } }}>
        {STEPS.map((step) => (
          <Step key={step}>
            <StepLabel>{t(`onboarding.steps.${step}`)}</StepLabel>
          </Step>
        ))}
      </Stepper>
      {state}
      <Box sx={{ mt: 3 }}>
        <DocumentsList documents={items} />
        <ProfileSummary customer={customer.data} />
      </Box>
    </>
  );
}

export default function OnboardingPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  let body;
  if (me.error) body = <ProblemAlert problem={problemOf(me.error)} />;
  else if (!me.data) body = <Loading />;
  else if (!me.data.roles.includes('customer')) body = <Alert severity="info">{t('onboarding.notCustomer')}</Alert>;
  else if (!me.data.customer_id) {
    body = (
      <>
        <Stepper activeStep={0} alternativeLabel sx={{ mb: 3, display: { xs: 'none', sm: 'flex' } }}>
          {STEPS.map((step) => (
            <Step key={step}>
              <StepLabel>{t(`onboarding.steps.${step}`)}</StepLabel>
            </Step>
          ))}
        </Stepper>
        {!me.data.email_verified && (
          <Alert severity="info" sx={{ mb: 2 }} action={<Button color="inherit" component={Link} to="/verify">{t('onboarding.verifyFirstAction')}</Button>}>
            {t('onboarding.verifyFirst')}
          </Alert>
        )}
        <ProfileForm />
      </>
    );
  } else body = <KycJourney customerId={me.data.customer_id} />;

  return (
    <Paper sx={{ p: { xs: 2, sm: 4 } }}>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('onboarding.title')}
      </Typography>
      {body}
    </Paper>
  );
}
