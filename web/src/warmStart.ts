import { bankflowApi } from './api/api';
import { accountsOfUserPath, apiUrl, ME_PATH } from './api/paths';
import { sendEarlyReads } from './api/earlyReads';
import { subjectOf } from './auth/session';
import type { AppStore } from './store';

/**
 * A signed-in visit to the dashboard asks for its code and its data at once, while the app
 * itself is still starting, instead of one after the other (entry → page chunk → requests):
 * the two reads leave before React and MUI are evaluated (boot.ts runs first), and the gateway
 * has already named the page's chunks in index.html (deployments/web.py, modulepreload).
 */
export function warmStart(store: AppStore, path: string): void {
  if (path !== '/') return;
  const { accessToken } = store.getState().auth;
  const userId = subjectOf(accessToken);
  if (!userId || !accessToken) return;
  sendEarlyReads([apiUrl(ME_PATH), apiUrl(accountsOfUserPath(userId))], accessToken);
  void import('./pages/DashboardPage');
  void store.dispatch(bankflowApi.util.prefetch('me', undefined, {}));
  void store.dispatch(bankflowApi.util.prefetch('accountsOfUser', userId, {}));
}
