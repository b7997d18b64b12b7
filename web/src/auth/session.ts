/**
 * The session as this tab keeps it, and what its access token says. No dependency, so that the
 * dashboard's first view (src/firstView), a bundle of its own, reads it as the app does.
 */
export interface AuthState {
  accessToken: string | null;
  refreshToken: string | null;
}

const STORAGE_KEY = 'bankflow.session';

/** The session survives a reload of this tab only (sessionStorage), never another tab's. */
export function loadSession(): AuthState {
  try {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (stored) {
      const parsed = JSON.parse(stored) as Partial<AuthState>;
      return { accessToken: parsed.accessToken ?? null, refreshToken: parsed.refreshToken ?? null };
    }
  } catch {
    // storage unavailable: an in-memory session only
  }
  return { accessToken: null, refreshToken: null };
}

export function saveSession(state: AuthState): void {
  try {
    if (state.accessToken) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage unavailable
  }
}

function claimsOf(token: string | null): Record<string, unknown> {
  if (!token) return {};
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The roles claim of an access token (display only: the API checks every request). */
export function rolesOf(token: string | null): string[] {
  const roles = claimsOf(token).roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}

/** The user id an access token was issued to (its `sub`): lets a page ask for the user's data
 * at once instead of after a round trip to /auth/me. Null when there is no readable token. */
export function subjectOf(token: string | null): string | null {
  const subject = claimsOf(token).sub;
  return typeof subject === 'string' && subject ? subject : null;
}

/** When an access token stops being accepted (its `exp`, in seconds since the epoch), or null. */
export function expiresAtS(token: string | null): number | null {
  const expiry = claimsOf(token).exp;
  return typeof expiry === 'number' ? expiry : null;
}
