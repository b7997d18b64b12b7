import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { Loading } from '../components/Loading';
import { useStaff } from './admin/common';

// Each back-office page is its own chunk, loaded only by staff who open it.
const KycQueuePage = lazy(() => import('./admin/KycQueuePage'));
const KycReviewPage = lazy(() => import('./admin/KycReviewPage'));
const CustomersPage = lazy(() => import('./admin/CustomersPage'));
const CustomerDetailPage = lazy(() => import('./admin/CustomerDetailPage'));
const TransactionsPage = lazy(() => import('./admin/TransactionsPage'));
const FraudPage = lazy(() => import('./admin/FraudPage'));
const SystemPage = lazy(() => import('./admin/SystemPage'));
const UsersPage = lazy(() => import('./admin/UsersPage'));
const AuditPage = lazy(() => import('./admin/AuditPage'));
const ReportsPage = lazy(() => import('./admin/ReportsPage'));
const ApprovalsPage = lazy(() => import('./admin/ApprovalsPage'));

const SECTIONS = ['kyc', 'customers', 'transactions', 'fraud', 'system'] as const;
// Admin only: support is never offered a page whose every request it would be refused.
const ADMIN_SECTIONS = ['users'] as const;
// Admins and auditors; an auditor who is not also support sees nothing else but the reports.
const AUDIT_SECTIONS = ['audit', 'approvals'] as const;
// Every member of staff: support, admins and auditors.
const REPORT_SECTIONS = ['reports'] as const;

/** The back office's frame, reached only by support, admin and auditors (see RequireRole in App.tsx). */
export default function AdminShell() {
  const { t } = useTranslation();
  const { isAdmin, isSupport, readsAudit } = useStaff();
  const sections: string[] = [
    ...(isSupport ? SECTIONS : []),
    ...(isAdmin ? ADMIN_SECTIONS : []),
    ...(readsAudit ? AUDIT_SECTIONS : []),
    ...REPORT_SECTIONS,
  ];
  const home = sections[0] ?? 'kyc';
  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('admin.title')}
      </Typography>
      <Box
        component="nav"
        aria-label={t('admin.nav.label')}
        sx={{
          display: 'flex',
          flexWrap: 'wrap',
          gap: 1,
          mb: 3,
          borderBottom: 1,
          borderColor: 'divider',
          pb: 1,
          '& a.active': { bgcolor: 'action.selected', fontWeight: 700 },
        }}
      >
        {sections.map((section) => (
          <Button key={section} component={NavLink} to={`/admin/${section}`} size="small">
            {t(`admin.nav.${section}`)}
          </Button>
        ))}
      </Box>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route index element={<Navigate to={home} replace />} />
          <Route path="kyc" element={<KycQueuePage />} />
          <Route path="kyc/:customerId" element={<KycReviewPage />} />
          <Route path="customers" element={<CustomersPage />} />
          <Route path="customers/:customerId" element={<CustomerDetailPage />} />
          <Route path="transactions" element={<TransactionsPage />} />
          <Route path="fraud" element={<FraudPage />} />
          <Route path="system" element={<SystemPage />} />
          <Route path="users" element={isAdmin ? <UsersPage /> : <Navigate to={`../${home}`} replace />} />
          <Route path="audit" element={readsAudit ? <AuditPage /> : <Navigate to={`../${home}`} replace />} />
          <Route path="reports" element={<ReportsPage />} />
          <Route path="approvals" element={readsAudit ? <ApprovalsPage /> : <Navigate to={`../${home}`} replace />} />
          <Route path="*" element={<Navigate to={home} replace />} />
        </Routes>
      </Suspense>
    </>
  );
}
