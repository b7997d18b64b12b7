import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Provider } from 'react-redux';
import { MemoryRouter } from 'react-router';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokensReceived } from '../auth/authSlice';
import { makeStore } from '../store';
import { user } from '../test/fixtures';
import VerifyEmailPage from './VerifyEmailPage';

const base = window.location.origin;
let resends = 0;
let verified = false;

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json({ ...user, email_verified: verified })),
  http.post(`${base}/api/v1/auth/verify/resend`, () => {
    resends += 1;
    if (verified) {
      return HttpResponse.json({ error: { code: 'already_verified', message: 'the email is already verified', request_id: 'r' } }, { status: 409 });
    }
    return HttpResponse.json({ status: 'a new code is on its way' }, { status: 202 });
  }),
  http.post(`${base}/api/v1/auth/verify`, async ({ request }) => {
    const { code } = (await request.json()) as { code: string };
    if (code !== '654321') {
      return HttpResponse.json({ error: { code: 'invalid_code', message: 'the code is wrong, used or expired', request_id: 'r' } }, { status: 400 });
    }
    verified = true;
    return HttpResponse.json({ ...user, email_verified: true });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  resends = 0;
  verified = false;
});
afterEach(() => server.resetHandlers());

describe('VerifyEmailPage', () => {
  it('sends a new code on request, then verifies with it', async () => {
    const store = makeStore();
    store.dispatch(tokensReceived({ access_token: 'access', refresh_token: 'refresh' }));
    const person = userEvent.setup({ delay: null });
    render(
      <Provider store={store}>
        <MemoryRouter>
          <VerifyEmailPage />
        </MemoryRouter>
      </Provider>,
    );
    await person.click(await screen.findByRole('button', { name: 'Send a new code' }));
    expect((await screen.findByTestId('code-resent')).textContent).toContain(`A new code is on its way to ${user.email}`);
    expect(resends).toBe(1);

    await person.type(screen.getByLabelText(/^Verification code/), '654321');
    await person.click(screen.getByRole('button', { name: 'Verify email' }));
    expect((await screen.findByTestId('email-verified')).textContent).toContain(`${user.email} is verified.`);
  });
});
