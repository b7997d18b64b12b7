import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMeQuery } from '../api/api';
import { useKycStatusQuery, type KycStatus } from '../api/identity';
import { problemOf } from '../api/errors';
import { OpenAccountDialog } from './OpenAccountDialog';
import { ProblemAlert } from './ProblemAlert';

export interface Standing {
  /** still loading what decides it */
  loading: boolean;
  isCustomer: boolean;
  emailVerified: boolean;
  hasProfile: boolean;
  kyc: KycStatus | null;
  /** may move money and open accounts (a customer with an approved KYC; staff as before) */
  approved: boolean;
  /** why the KYC status could not be read (then nothing is claimed about it) */
  error: unknown;
}

/** Where the signed-in customer stands: profile, KYC. Asks the KYC status only of a customer
 * who has a profile (the only one whom the API would answer). */
export function useCustomerStanding(): Standing {
  const me = useMeQuery();
  const isCustomer = me.data?.roles.includes('customer') ?? false;
  const customerId = me.data?.customer_id ?? null;
  const kyc = useKycStatusQuery(customerId ?? '', { skip: !isCustomer || !customerId, refetchOnMountOrArgChange: true });
  const status = kyc.data?.kyc_status ?? null;
  return {
    loading: me.isLoading || (isCustomer && Boolean(customerId) && kyc.isLoading),
    isCustomer,
    emailVerified: me.data?.email_verified ?? true,
    hasProfile: Boolean(customerId),
    kyc: status,
    approved: !isCustomer || status === 'APPROVED',
    error: kyc.error,
  };
}

/** The dashboard's pointer to what comes next: verify the email, finish onboarding, or open an account. */
export function StandingNotice({ standing, accounts }: { standing: Standing; accounts: number }) {
  const { t } = useTranslation();
  const [opening, setOpening] = useState(false);
  if (standing.loading || !standing.isCustomer) return null;
  if (standing.error) return <ProblemAlert problem={problemOf(standing.error)} />;
  return (
    <Box sx={{ display: 'grid', gap: 1, mb: 2 }}>
      {!standing.emailVerified && (
        <Alert
          severity="info"
          action={
            <Button color="inherit" size="small" component={Link} to="/verify">
              {t('onboarding.dashboard.verifyEmailAction')}
            </Button>
          }
        >
          {t('onboarding.dashboard.verifyEmail')}
        </Alert>
      )}
      {!standing.approved && (
        <Alert
          severity={standing.kyc === 'REJECTED' ? 'warning' : 'info'}
          data-testid="standing"
          action={
            <Button color="inherit" size="small" component={Link} to="/onboarding">
              {t('onboarding.dashboard.continue')}
            </Button>
          }
        >
          {!standing.hasProfile
            ? t('onboarding.dashboard.needProfile')
            : standing.kyc === 'SUBMITTED'
              ? t('onboarding.dashboard.underReview')
              : t('onboarding.dashboard.needKyc')}
        </Alert>
      )}
      {standing.approved &&
        (accounts === 0 ? (
          <Alert
            severity="success"
            action={
              <Button color="inherit" size="small" variant="outlined" onClick={() => setOpening(true)}>
                {t('onboarding.openAccount.offer')}
              </Button>
            }
          >
            {t('onboarding.dashboard.noAccounts')}
          </Alert>
        ) : (
          <Box>
            <Button variant="outlined" onClick={() => setOpening(true)}>
              {t('onboarding.openAccount.offer')}
            </Button>
          </Box>
        ))}
      <OpenAccountDialog open={opening} onClose={() => setOpening(false)} />
    </Box>
  );
}
