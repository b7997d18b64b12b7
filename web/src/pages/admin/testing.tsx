import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { Provider } from 'react-redux';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { Customer } from '../../api/admin';
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

/** A customer as the back office reads one (Ada, in Springfield), with `changes` over it. */
export function customerOf(changes: Partial<Customer> = {}): Customer {
  return {
    customer_id: '0f9b2c58-2222-4c4c-9a9a-000000000002',
    user_id: '0f9b2c58-1111-4c4c-9a9a-000000000001',
    email: 'ada@example.com',
    first_name: 'Ada',
    last_name: 'Lovelace',
    date_of_birth: '1990-12-10',
    ssn_last4: '6789',
    phone: null,
    address: { line1: '1 Main St', line2: null, city: 'Springfield', region: 'IL', postal_code: '62701', country: 'US' },
    kyc_status: 'SUBMITTED',
    kyc_reason: null,
    kyc_updated_at: '2026-01-03T03:04:05Z',
    created_at: '2026-01-02T03:04:05Z',
    updated_at: '2026-01-03T03:04:05Z',
    ...changes,
  };
}
