import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
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
import { Navigate } from 'react-router';
import { isApprovalRequest, useSetRolesMutation, useUsersQuery, type AdminUser, type Role, type UserSearch } from '../../api/admin';
import { problemOf, type ApiProblem } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDateTime } from '../../format';
import { useAppSelector } from '../../hooks';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CursorPager, Hidden, ScrollTable, Section, StatusChip, useCursorPages, useStaff } from './common';

const PAGE = 25;
const ROLES: Role[] = ['customer', 'support', 'admin', 'auditor'];
/** The staff roles this page grants and revokes; a user's other roles are kept as they are. */
const STAFF_ROLES = ['support', 'admin', 'auditor'] as const;
type StaffRole = (typeof STAFF_ROLES)[number];

/** The signed-in user's id (the token's `sub`), to keep an admin from revoking their own admin role. */
function useOwnUserId(): string | null {
  const token = useAppSelector((state) => state.auth.accessToken);
  try {
    const payload = (token ?? '').split('.')[1] ?? '';
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : null;
  } catch {
    return null;
  }
}

/** The roles a user has after granting or revoking one, the others kept; sorted as the API stores them. */
export function changedRoles(roles: string[], role: StaffRole, grant: boolean): Role[] {
  const next = new Set(roles.filter((r): r is Role => (ROLES as string[]).includes(r)));
  if (grant) next.add(role);
  else next.delete(role);
  return [...next].sort();
}

interface Change {
  user: AdminUser;
  role: StaffRole;
  grant: boolean;
}

function UsersSearch() {
  const { t } = useTranslation();
  const me = useOwnUserId();
  const [draft, setDraft] = useState<{ email: string; role: string }>({ email: '', role: '' });
  const [applied, setApplied] = useState<{ email: string; role: string } | null>(null);
  const pages = useCursorPages();
  const request: UserSearch = {
    email: applied?.email || null,
    role: (applied?.role || null) as Role | null,
    limit: PAGE,
    cursor: pages.cursor,
  };
  const query = useUsersQuery(request, { skip: applied === null });
  const [change, setChange] = useState<Change | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [setRoles, { isLoading }] = useSetRolesMutation();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    pages.reset();
    setApplied({ email: draft.email.trim(), role: draft.role });
  };

  const confirm = async () => {
    if (!change) return;
    setProblem(null);
    try {
      const answer = await setRoles({ userId: change.user.user_id, roles: changedRoles(change.user.roles, change.role, change.grant) }).unwrap();
      if (isApprovalRequest(answer)) {
        const role = t(`admin.users.role.${change.role}`);
        setDone(t('admin.users.grantAsked', { email: change.user.email, role }));
      } else {
        setDone(t('admin.users.changed', { email: answer.email, roles: answer.roles.map((r) => t(`admin.users.role.${r}`, { defaultValue: r })).join(', ') }));
      }
      setChange(null);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  /** Why this change may not be offered (the API would refuse it), or null. */
  const blocked = (user: AdminUser, role: StaffRole, grant: boolean): string | null => {
    if (grant) return null;
    if (role === 'admin' && user.user_id === me) return t('admin.users.notOwnAdmin');
    if (changedRoles(user.roles, role, false).length === 0) return t('admin.users.lastRole');
    return null;
  };

  let results;
  if (applied === null) results = null;
  else if (query.error) results = <ProblemAlert problem={problemOf(query.error)} />;
  else if (!query.data) results = <Loading />;
  else if (query.data.items.length === 0) results = <Alert severity="info">{t('admin.users.none')}</Alert>;
  else
    results = (
      <>
        <ScrollTable label={t('admin.users.results')}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.users.email')}</TableCell>
                <TableCell>{t('admin.users.roles')}</TableCell>
                <TableCell>{t('admin.users.created')}</TableCell>
                <TableCell>{t('admin.users.verified')}</TableCell>
                <TableCell>{t('admin.users.mfa')}</TableCell>
                <TableCell>
                  <Hidden>{t('admin.actions')}</Hidden>
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {query.data.items.map((user) => (
                <TableRow key={user.user_id} data-testid="user-row">
                  <TableCell sx={{ overflowWrap: 'anywhere' }}>{user.email}</TableCell>
                  <TableCell>
                    <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
                      {user.roles.map((r) => (
                        <StatusChip key={r} tone={r === 'customer' ? 'default' : 'info'} label={t(`admin.users.role.${r}`, { defaultValue: r })} />
                      ))}
                    </Box>
                  </TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(user.created_at)}</TableCell>
                  <TableCell>{user.email_verified ? t('admin.yes') : t('admin.no')}</TableCell>
                  <TableCell>{user.mfa_enabled ? t('admin.yes') : t('admin.no')}</TableCell>
                  <TableCell>
                    <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
                      {STAFF_ROLES.map((role) => {
                        const grant = !user.roles.includes(role);
                        const why = blocked(user, role, grant);
                        const label = t(`admin.users.${grant ? 'grant' : 'revoke'}.${role}`);
                        return (
                          <Button
                            key={role}
                            size="small"
                            variant="outlined"
                            color={grant ? 'primary' : 'error'}
                            disabled={why !== null}
                            title={why ?? undefined}
                            aria-label={`${label}: ${user.email}`}
                            onClick={() => {
                              setProblem(null);
                              setDone(null);
                              setChange({ user, role, grant });
                            }}
                          >
                            {label}
                          </Button>
                        );
                      })}
                    </Box>
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
      <Section title={t('admin.users.search')}>
        <Box
          component="form"
          role="search"
          aria-label={t('admin.users.search')}
          noValidate
          onSubmit={submit}
          sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '2fr 1fr auto' }, alignItems: 'start' }}
        >
          <TextField
            label={t('admin.users.emailPrefix')}
            value={draft.email}
            onChange={(e) => setDraft((d) => ({ ...d, email: e.target.value }))}
            autoComplete="off"
            helperText={t('admin.users.emailHelp')}
            slotProps={{ htmlInput: { maxLength: 254 } }}
          />
          <TextField select label={t('admin.users.roleFilter')} value={draft.role} onChange={(e) => setDraft((d) => ({ ...d, role: e.target.value }))} helperText=" ">
            <MenuItem value="">{t('admin.any')}</MenuItem>
            {ROLES.map((r) => (
              <MenuItem key={r} value={r}>
                {t(`admin.users.role.${r}`)}
              </MenuItem>
            ))}
          </TextField>
          <Box>
            <Button type="submit" variant="contained">
              {t('admin.users.submit')}
            </Button>
          </Box>
        </Box>
      </Section>
      {(results || done) && (
        <Section title={t('admin.users.results')}>
          {done && (
            <Alert severity="success" role="status" sx={{ mb: 2 }}>
              {done}
            </Alert>
          )}
          {results}
        </Section>
      )}
      {change && (
        <ConfirmDialog
          open
          danger={!change.grant}
          title={t(`admin.users.confirm.${change.grant ? 'grant' : 'revoke'}`, { role: t(`admin.users.role.${change.role}`), email: change.user.email })}
          confirmLabel={t(`admin.users.${change.grant ? 'grant' : 'revoke'}.${change.role}`)}
          onConfirm={() => void confirm()}
          onClose={() => setChange(null)}
          busy={isLoading}
          problem={problem}
        >
          <Typography>
            {t('admin.users.explain', {
              email: change.user.email,
              roles: changedRoles(change.user.roles, change.role, change.grant)
                .map((r) => t(`admin.users.role.${r}`))
                .join(', '),
            })}
          </Typography>
          {change.grant && <Typography sx={{ mt: 1 }}>{t('admin.users.grantExplain')}</Typography>}
        </ConfirmDialog>
      )}
    </>
  );
}

/** Admin only: users by email prefix and role; grant and revoke the support and admin roles. */
export default function UsersPage() {
  const { t } = useTranslation();
  const { isAdmin } = useStaff();
  if (!isAdmin) return <Navigate to="/admin/kyc" replace />; // support would be refused every request here
  return (
    <>
      <Typography variant="h5" component="h2" gutterBottom>
        {t('admin.users.title')}
      </Typography>
      <UsersSearch />
    </>
  );
}
