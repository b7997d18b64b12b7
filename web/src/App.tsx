import { lazy, Suspense, useLayoutEffect } from 'react';
import { BrowserRouter, Route, Routes, useLocation } from 'react-router';
import { RequireAuth, RequireRole } from './auth/guards';
import { Layout } from './components/Layout';
import { Loading } from './components/Loading';
import { dismissFirstView } from './firstView/dismiss';

// Route-level code splitting: each page is its own chunk.
const LoginPage = lazy(() => import('./pages/LoginPage'));
const DashboardPage = lazy(() => import('./pages/DashboardPage'));
const TransferPage = lazy(() => import('./pages/TransferPage'));
const HistoryPage = lazy(() => import('./pages/HistoryPage'));
const NotificationsPage = lazy(() => import('./pages/NotificationsPage'));
const PayeesPage = lazy(() => import('./pages/PayeesPage'));
const ExternalTransferPage = lazy(() => import('./pages/ExternalTransferPage'));
const ScheduledPage = lazy(() => import('./pages/ScheduledPage'));
const PaymentsPage = lazy(() => import('./pages/PaymentsPage'));
const CashPage = lazy(() => import('./pages/CashPage'));
const AdminShell = lazy(() => import('./pages/AdminShell'));
const SignUpPage = lazy(() => import('./pages/SignUpPage'));
const VerifyEmailPage = lazy(() => import('./pages/VerifyEmailPage'));
const ForgotPasswordPage = lazy(() => import('./pages/ForgotPasswordPage'));
const ResetPasswordPage = lazy(() => import('./pages/ResetPasswordPage'));
const OnboardingPage = lazy(() => import('./pages/OnboardingPage'));
const SecurityPage = lazy(() => import('./pages/SecurityPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

/** The dashboard's first view is of the dashboard only: gone on arriving anywhere else. */
function FirstViewOnlyOnTheDashboard() {
  const { pathname } = useLocation();
  useLayoutEffect(() => {
    if (pathname !== '/') dismissFirstView();
  }, [pathname]);
  return null;
}

export function AppRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <FirstViewOnlyOnTheDashboard />
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/signup" element={<SignUpPage />} />
        <Route path="/forgot" element={<ForgotPasswordPage />} />
        <Route path="/reset" element={<ResetPasswordPage />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<DashboardPage />} />
          <Route path="transfer" element={<TransferPage />} />
          <Route path="verify" element={<VerifyEmailPage />} />
          <Route path="onboarding" element={<OnboardingPage />} />
          <Route path="security" element={<SecurityPage />} />
          <Route path="history" element={<HistoryPage />} />
          <Route path="notifications" element={<NotificationsPage />} />
          <Route path="payees" element={<PayeesPage />} />
          <Route path="transfer/external" element={<ExternalTransferPage />} />
          <Route path="scheduled" element={<ScheduledPage />} />
          <Route path="payments" element={<PaymentsPage />} />
          <Route path="cash" element={<CashPage />} />
          <Route
            path="admin/*"
            element={
              <RequireRole roles={['admin', 'support', 'auditor']}>
                <AdminShell />
              </RequireRole>
            }
          />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

export default function App() {
  return (
    <BrowserRouter>
      <AppRoutes />
    </BrowserRouter>
  );
}
