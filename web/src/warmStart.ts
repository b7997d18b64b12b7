import { bankflowApi } from './api/api';
import { subjectOf } from './auth/authSlice';
import type { AppStore } from './store';

/**
 * A signed-in visit to the dashboard asks for its code and its data at once, while the app
 * itself is still starting, instead of one after the other (entry → page chunk → requests):
 * the balances are on screen one round trip after the page's code, not three.
 */
export function warmStart(store: AppStore, path: string): void {
  if (path !== '/') return;
  const userId = subjectOf(store.getState().auth.accessToken);
  if (!userId) return;
  void import('./pages/DashboardPage');
  void store.dispatch(bankflowApi.util.prefetch('me', undefined, {}));
  void store.dispatch(bankflowApi.util.prefetch('accountsOfUser', userId, {}));
}
