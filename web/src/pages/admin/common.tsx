import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import TableContainer from '@mui/material/TableContainer';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { rolesOf } from '../../auth/session';
import { useAppSelector } from '../../hooks';

/** What the signed-in staff member may do (display only: the API checks every request). An
 * auditor reads the audit trail and nothing else. */
export function useStaff(): { isAdmin: boolean; isSupport: boolean; readsAudit: boolean } {
  const token = useAppSelector((state) => state.auth.accessToken);
  const roles = rolesOf(token);
  const isAdmin = roles.includes('admin');
  return { isAdmin, isSupport: roles.includes('support') || isAdmin, readsAudit: roles.includes('auditor') || isAdmin };
}

/** One label/value line of a description list. */
export function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '12rem 1fr' }, gap: { xs: 0, sm: 2 }, py: 0.75 }}>
      <Typography component="dt" color="text.secondary">
        {label}
      </Typography>
      <Typography component="dd" sx={{ m: 0, overflowWrap: 'anywhere' }} data-testid={testId}>
        {children}
      </Typography>
    </Box>
  );
}

export function Section({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Paper component="section" sx={{ p: { xs: 1.5, sm: 3 }, mb: 3 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: 1, mb: 1 }}>
        <Typography variant="h6" component="h3">
          {title}
        </Typography>
        {action}
      </Box>
      {children}
    </Paper>
  );
}

/** A table that scrolls sideways on a phone; focusable so a keyboard can scroll it too. */
export function ScrollTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    <TableContainer tabIndex={0} role="region" aria-label={label} sx={{ overflowX: 'auto' }}>
      {children}
    </TableContainer>
  );
}

type Tone = 'default' | 'success' | 'info' | 'warning' | 'error';
// Text and border colours that keep 4.5:1 on the paper of either scheme (MUI's own *.main do not).
const TONES: Record<Exclude<Tone, 'default'>, { light: string; dark: string }> = {
  success: { light: '#1b5e20', dark: '#81c784' },
  info: { light: '#01579b', dark: '#81d4fa' },
  warning: { light: '#7a4100', dark: '#ffb74d' },
  error: { light: '#b71c1c', dark: '#ef9a9a' },
};

/** A small outlined status label in a tone readable in the light and the dark scheme. */
export function StatusChip({ label, tone = 'default' }: { label: string; tone?: Tone }) {
  return (
    <Chip
      size="small"
      variant="outlined"
      label={label}
      sx={
        tone === 'default'
          ? undefined
          : (theme) => ({
              color: TONES[tone].light,
              borderColor: TONES[tone].light,
              ...theme.applyStyles('dark', { color: TONES[tone].dark, borderColor: TONES[tone].dark }),
            })
      }
    />
  );
}

const KYC_TONES: Record<string, Tone> = { PENDING: 'default', SUBMITTED: 'info', APPROVED: 'success', REJECTED: 'error' };
const ACCOUNT_TONES: Record<string, Tone> = { ACTIVE: 'success', FROZEN: 'warning', CLOSED: 'default' };

export function KycChip({ status }: { status: string }) {
  const { t } = useTranslation();
  return <StatusChip tone={KYC_TONES[status] ?? 'default'} label={t(`admin.kycStatus.${status}`, { defaultValue: status })} />;
}

export function AccountStatusChip({ status }: { status: string | null }) {
  const { t } = useTranslation();
  const value = status ?? 'ACTIVE';
  return <StatusChip tone={ACCOUNT_TONES[value] ?? 'default'} label={t(`dashboard.status.${value}`, { defaultValue: value })} />;
}

/** The full name of a customer. */
export function fullName(customer: { first_name: string; last_name: string }): string {
  return `${customer.first_name} ${customer.last_name}`;
}

/** A short form of an id for tables (the full id is in the title and the detail). */
export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : '—';
}

/** Text for screen readers only (e.g. the header of an actions column). */
export function Hidden({ children }: { children: ReactNode }) {
  return (
    <Box
      component="span"
      sx={{ border: 0, clip: 'rect(0 0 0 0)', height: '1px', m: '-1px', overflow: 'hidden', p: 0, position: 'absolute', whiteSpace: 'nowrap', width: '1px' }}
    >
      {children}
    </Box>
  );
}

/** Keyset pages of a list: the cursors walked so far, the page shown being the last one's. */
export interface CursorPages {
  cursor: string | null;
  hasPrevious: boolean;
  previous: () => void;
  next: (cursor: string) => void;
  /** back to the first page (a new search, a changed list) */
  reset: () => void;
}

export function useCursorPages(): CursorPages {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const moves = useMemo(
    () => ({
      previous: () => setCursors((walked) => (walked.length > 1 ? walked.slice(0, -1) : walked)),
      next: (cursor: string) => setCursors((walked) => [...walked, cursor]),
      reset: () => setCursors([null]),
    }),
    [],
  );
  return { cursor: cursors[cursors.length - 1] ?? null, hasPrevious: cursors.length > 1, ...moves };
}

/** Previous / next under a paged list; nothing when the list fits on one page. */
export function CursorPager({ pages, nextCursor, busy = false }: { pages: CursorPages; nextCursor: string | null | undefined; busy?: boolean }) {
  const { t } = useTranslation();
  if (!pages.hasPrevious && !nextCursor) return null;
  return (
    <Box sx={{ display: 'flex', gap: 1, mt: 2 }}>
      <Button disabled={!pages.hasPrevious || busy} onClick={pages.previous}>
        {t('admin.previous')}
      </Button>
      <Button disabled={!nextCursor || busy} onClick={() => nextCursor && pages.next(nextCursor)}>
        {t('admin.next')}
      </Button>
    </Box>
  );
}
