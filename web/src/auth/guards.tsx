import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useAppSelector } from '../hooks';
import { rolesOf } from './session';

export function RequireAuth({ children }: { children: ReactNode }) {
  const token = useAppSelector((state) => state.auth.accessToken);
  const location = useLocation();
  if (!token) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}

/** Staff routes: anyone without one of `roles` goes back to their accounts (the API refuses them
 * anyway; this only keeps the back office out of a customer's sight). */
export function RequireRole({ roles, children }: { roles: string[]; children: ReactNode }) {
  const token = useAppSelector((state) => state.auth.accessToken);
  if (!rolesOf(token).some((role) => roles.includes(role))) return <Navigate to="/" replace />;
  return <>{children}</>;
}
