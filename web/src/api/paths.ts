/** Where the API's first reads are, for the base query and for the dashboard's first view (a
 * bundle of its own, so nothing here may import more than this file). */
export const ME_PATH = 'api/v1/auth/me';
export const accountsOfUserPath = (userId: string) => `api/v1/accounts/user/${encodeURIComponent(userId)}`;

export function apiOrigin(): string {
  return `${window.location.origin}/`;
}

/** The absolute URL the base query asks for a path of the API (e.g. `api/v1/auth/me`). */
export function apiUrl(path: string): string {
  return new URL(path, apiOrigin()).href;
}
