import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { Provider } from 'react-redux';
import { MemoryRouter } from 'react-router';
import { tokensReceived } from '../auth/authSlice';
import { makeStore } from '../store';

/** A customer page at `path` in a fresh store, signed in (the API is msw's). */
export function renderSignedIn(page: ReactElement, path: string) {
  const store = makeStore();
  store.dispatch(tokensReceived({ access_token: 'access', refresh_token: 'refresh' }));
  render(
    <Provider store={store}>
      <MemoryRouter initialEntries={[path]}>{page}</MemoryRouter>
    </Provider>,
  );
  return store;
}
