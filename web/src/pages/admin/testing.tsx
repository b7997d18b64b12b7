import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { Provider } from 'react-redux';
import { MemoryRouter, Route, Routes } from 'react-router';
import { tokensReceived } from '../../auth/authSlice';
import { makeStore } from '../../store';

/** An access token whose claims carry `roles` (the app reads them for display only). */
export function tokenWithRoles(roles: string[]): string {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${part({ alg: 'none' })}.${part({ sub: 'staff', roles })}.signature`;
}

/** A back-office page at `path`, routed by `pattern`, signed in with `roles`. */
export function renderAdmin(element: ReactNode, { path, pattern, roles }: { path: string; pattern: string; roles: string[] }) {
  const store = makeStore();
  store.dispatch(tokensReceived({ access_token: tokenWithRoles(roles), refresh_token: 'refresh' }));
  render(
    <Provider store={store}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={pattern} element={element} />
        </Routes>
      </MemoryRouter>
    </Provider>,
  );
  return store;
}
