import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Provider } from 'react-redux';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeStore } from '../store';
import ForgotPasswordPage from './ForgotPasswordPage';
import { passwordProblem } from './identityRules';
import ResetPasswordPage from './ResetPasswordPage';
import SignUpPage from './SignUpPage';

const base = window.location.origin;
let requests: { path: string; body: unknown }[] = [];
let registerAnswer: 'created' | 'taken' = 'created';

const server = setupServer(
  http.post(`${base}/api/v1/auth/register`, async ({ request }) => {
    requests.push({ path: 'register', body: await request.json() });
    if (registerAnswer === 'taken') {
      return HttpResponse.json({ error: { code: 'email_taken', message: 'an account with this email already exists', request_id: 'r1' } }, { status: 409 });
    }
    return HttpResponse.json({ user_id: 'u1', email: 'new@example.com', email_verified: false, roles: ['customer'] }, { status: 201 });
  }),
  http.post(`${base}/api/v1/auth/login`, async ({ request }) => {
    requests.push({ path: 'login', body: await request.json() });
    return HttpResponse.json({ access_token: 'a.b.c', refresh_token: 'r', token_type: 'Bearer', expires_in: 900 });
  }),
  http.post(`${base}/api/v1/auth/forgot`, async ({ request }) => {
    requests.push({ path: 'forgot', body: await request.json() });
    return HttpResponse.json({ status: 'if the address is registered, a reset link is on its way' }, { status: 202 });
  }),
  http.post(`${base}/api/v1/auth/reset`, async ({ request }) => {
    requests.push({ path: 'reset', body: await request.json() });
    return HttpResponse.json({ error: { code: 'invalid_code', message: 'the code is wrong, used or expired', request_id: 'r2' } }, { status: 400 });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  requests = [];
  registerAnswer = 'created';
});
afterEach(() => server.resetHandlers());

function renderAt(path: string) {
  const store = makeStore();
  render(
    <Provider store={store}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/signup" element={<SignUpPage />} />
          <Route path="/forgot" element={<ForgotPasswordPage />} />
          <Route path="/reset" element={<ResetPasswordPage />} />
          <Route path="/verify" element={<h1>verify page</h1>} />
        </Routes>
      </MemoryRouter>
    </Provider>,
  );
  return store;
}

describe('password rules', () => {
  it('mirror the API', () => {
    expect(passwordProblem('Short1!', 'a@b.co')).toBe('identity.password.rules.length');
    expect(passwordProblem('alllowercaseletters', 'a@b.co')).toBe('identity.password.rules.mix');
    expect(passwordProblem('Password1234', 'a@b.co')).toBe('identity.password.rules.notCommon');
    expect(passwordProblem('Xgracehopper-99', 'gracehopper@example.com')).toBe('identity.password.rules.notEmail');
    expect(passwordProblem('Aa1Aa1Aa1Aa1', 'x@example.com')).toBe('identity.password.rules.varied');
    expect(passwordProblem('Correct-Horse-Battery-9', 'ada@example.com')).toBeNull();
  });
});

describe('SignUpPage', () => {
  it('refuses a weak password, a different repeat and a malformed phone without asking the API', async () => {
    const person = userEvent.setup({ delay: null });
    renderAt('/signup');
    await person.type(screen.getByLabelText(/^Email/), 'ada@example.com');
    await person.type(screen.getByLabelText(/^New password/), 'weakpassword');
    await person.type(screen.getByLabelText(/^Repeat the password/), 'different');
    await person.type(screen.getByLabelText(/^Mobile phone/), '555-1234');
    await person.click(screen.getByRole('button', { name: 'Create account' }));
    // the field's message names the first rule not met; the checklist shows all of them
    expect(await screen.findByText('three of: lower-case letters, upper-case letters, digits, symbols', { selector: 'p' })).toBeTruthy();
    expect(screen.getByText('The two passwords differ')).toBeTruthy();
    expect(screen.getByText('Enter the number in international format, like +14155550123')).toBeTruthy();
    expect(screen.getByLabelText(/^New password/).getAttribute('aria-invalid')).toBe('true');
    expect(requests).toEqual([]);
  });

  it('creates the user, signs in with the same password and goes on to verify the email', async () => {
    const person = userEvent.setup({ delay: null });
    const store = renderAt('/signup');
    await person.type(screen.getByLabelText(/^Email/), 'new@example.com');
    await person.type(screen.getByLabelText(/^New password/), 'Correct-Horse-Battery-9');
    await person.type(screen.getByLabelText(/^Repeat the password/), 'Correct-Horse-Battery-9');
    await person.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('heading', { name: 'verify page' })).toBeTruthy();
    expect(requests).toEqual([
      { path: 'register', body: { email: 'new@example.com', password: 'Correct-Horse-Battery-9', phone: null } },
      { path: 'login', body: { email: 'new@example.com', password: 'Correct-Horse-Battery-9', totp: null } },
    ]);
    expect(store.getState().auth.accessToken).toBe('a.b.c');
  });

  it('says in words that the email is taken', async () => {
    registerAnswer = 'taken';
    const person = userEvent.setup({ delay: null });
    renderAt('/signup');
    await person.type(screen.getByLabelText(/^Email/), 'new@example.com');
    await person.type(screen.getByLabelText(/^New password/), 'Correct-Horse-Battery-9');
    await person.type(screen.getByLabelText(/^Repeat the password/), 'Correct-Horse-Battery-9');
    await person.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByRole('alert')).textContent).toContain('An account with this email already exists');
    expect(requests.map((r) => r.path)).toEqual(['register']);
  });
});

describe('ForgotPasswordPage and ResetPasswordPage', () => {
  it('answers the same whatever the email, then offers the reset form', async () => {
    const person = userEvent.setup({ delay: null });
    renderAt('/forgot');
    await person.click(screen.getByRole('button', { name: 'Email me a reset code' }));
    expect(await screen.findByText('Enter a valid email address')).toBeTruthy();
    expect(requests).toEqual([]);
    await person.type(screen.getByLabelText(/^Email/), 'nobody@example.com');
    await person.click(screen.getByRole('button', { name: 'Email me a reset code' }));
    expect((await screen.findByTestId('forgot-sent')).textContent).toContain('If an account uses nobody@example.com');
    await person.click(screen.getByRole('link', { name: 'Enter the reset code' }));
    expect(((await screen.findByLabelText(/^Email/)) as HTMLInputElement).value).toBe('nobody@example.com');
  });

  it('checks the new password before sending, and shows a wrong code in words', async () => {
    const person = userEvent.setup({ delay: null });
    renderAt('/reset');
    await person.type(screen.getByLabelText(/^Email/), 'ada@example.com');
    await person.type(screen.getByLabelText(/^New password/), 'short');
    await person.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('Enter the reset code from the email')).toBeTruthy();
    expect(screen.getByText('at least 12 characters', { selector: 'p' })).toBeTruthy();
    expect(requests).toEqual([]);
    await person.type(screen.getByLabelText(/^Reset code/), 'abc');
    await person.clear(screen.getByLabelText(/^New password/));
    await person.type(screen.getByLabelText(/^New password/), 'Correct-Horse-Battery-9');
    await person.type(screen.getByLabelText(/^Repeat the password/), 'Correct-Horse-Battery-9');
    await person.click(screen.getByRole('button', { name: 'Change password' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The code is wrong, already used or expired.');
    expect(requests).toEqual([{ path: 'reset', body: { email: 'ada@example.com', token: 'abc', new_password: 'Correct-Horse-Battery-9' } }]);
  });
});
