import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Provider } from 'react-redux';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokensReceived } from '../auth/authSlice';
import { makeStore } from '../store';
import { user } from '../test/fixtures';
import SecurityPage from './SecurityPage';

const base = window.location.origin;
let mfa = false;
let codes: unknown[] = [];
const secret = 'JBSWY3DPEHPK3PXP';
const chromeOnLinux = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const firefoxOnWindows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';
const mine = {
  session_id: '11111111-1111-4111-8111-111111111111',
  created_at: '2026-03-02T10:00:00Z',
  last_used_at: '2026-03-02T10:20:00Z',
  user_agent: chromeOnLinux,
  ip_address: '203.0.113.7',
  current: true,
};
const other = {
  session_id: '22222222-2222-4222-8222-222222222222',
  created_at: '2026-03-01T08:30:00Z',
  last_used_at: null,
  user_agent: firefoxOnWindows,
  ip_address: '198.51.100.4',
  current: false,
};
let sessions = [mine, other];
let ended: string[] = [];
const signedIn = { seq: 9, occurred_at: '2026-03-02T10:00:00Z', action: 'auth.login', outcome: 'success', reason: null, ip_address: '203.0.113.7', user_agent: chromeOnLinux };
const wrongPassword = { ...signedIn, seq: 8, occurred_at: '2026-03-02T09:59:00Z', outcome: 'failure', reason: 'wrong_password', ip_address: '198.51.100.4', user_agent: firefoxOnWindows };
const mfaOn = { ...signedIn, seq: 7, occurred_at: '2026-03-01T08:00:00Z', action: 'auth.mfa.enable' };
let activityCursors: (string | null)[] = [];
let everywhere = 0;

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json({ ...user, mfa_enabled: mfa })),
  http.get(`${base}/api/v1/auth/sessions`, () => HttpResponse.json({ items: sessions })),
  http.get(`${base}/api/v1/auth/activity`, ({ request }) => {
    const cursor = new URL(request.url).searchParams.get('cursor');
    activityCursors.push(cursor);
    return HttpResponse.json(cursor === null ? { items: [signedIn, wrongPassword], next_cursor: 'older' } : { items: [mfaOn], next_cursor: null });
  }),
  http.delete(`${base}/api/v1/auth/sessions/:id`, ({ params }) => {
    ended.push(String(params.id));
    sessions = sessions.filter((session) => session.session_id !== params.id);
    return HttpResponse.json({ status: 'logged_out' });
  }),
  http.post(`${base}/api/v1/auth/logout-all`, () => {
    everywhere += 1;
    return HttpResponse.json({ status: 'logged_out' });
  }),
  http.post(`${base}/api/v1/auth/mfa/setup`, () =>
    HttpResponse.json({ secret, otpauth_uri: `otpauth://totp/BankFlow:ada%40example.com?secret=${secret}&issuer=BankFlow` }),
  ),
  http.post(`${base}/api/v1/auth/mfa/enable`, async ({ request }) => {
    const body = (await request.json()) as { code: string };
    codes.push(body);
    if (body.code !== '123456') {
      return HttpResponse.json({ error: { code: 'invalid_mfa_code', message: 'the TOTP code is wrong', request_id: 'r' } }, { status: 400 });
    }
    mfa = true;
    return HttpResponse.json({ ...user, mfa_enabled: true });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  mfa = false;
  codes = [];
  sessions = [mine, other];
  ended = [];
  everywhere = 0;
  activityCursors = [];
});

function renderPage() {
  const store = makeStore();
  store.dispatch(tokensReceived({ access_token: 'access', refresh_token: 'refresh' }));
  render(
    <Provider store={store}>
      <MemoryRouter initialEntries={['/security']}>
        <Routes>
          <Route path="/security" element={<SecurityPage />} />
          <Route path="/login" element={<p>login page</p>} />
        </Routes>
      </MemoryRouter>
    </Provider>,
  );
  return store;
}
afterEach(() => server.resetHandlers());

describe('SecurityPage', () => {
  it('shows the recent security activity, a failed attempt with why, older events a page further', async () => {
    renderPage();
    const person = userEvent.setup({ delay: null });
    const list = await screen.findByTestId('security-activity');
    const events = within(list).getAllByTestId('security-event');
    expect(events.map((event) => event.querySelector('p')?.textContent)).toEqual(['Signed in', 'Failed sign-in attempt: wrong password']);
    expect(events[1]!.textContent).toContain('Firefox on Windows');
    expect(events[1]!.textContent).toContain('From 198.51.100.4');
    const section = screen.getByRole('region', { name: 'Recent security activity' });
    await person.click(within(section).getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(within(screen.getByTestId('security-activity')).getAllByTestId('security-event')).toHaveLength(1));
    expect(within(screen.getByTestId('security-activity')).getByText('Two-step sign-in turned on')).toBeTruthy();
    expect(activityCursors).toEqual([null, 'older']);
  });

  it('sets up MFA: a QR code and the secret as text, a code checked before it is sent', async () => {
    const store = makeStore();
    store.dispatch(tokensReceived({ access_token: 'access', refresh_token: 'refresh' }));
    const person = userEvent.setup({ delay: null });
    render(
      <Provider store={store}>
        <MemoryRouter>
          <SecurityPage />
        </MemoryRouter>
      </Provider>,
    );
    expect((await screen.findByTestId('mfa-state')).textContent).toBe('Off');
    await person.click(screen.getByRole('button', { name: 'Set up two-step verification' }));
    expect((await screen.findByTestId('mfa-secret')).textContent).toBe(secret);
    const qr = await screen.findByRole('img', { name: 'QR code to add BankFlow to an authenticator app' });
    expect(qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);

    await person.type(screen.getByLabelText(/^6-digit code/), '12');
    await person.click(screen.getByRole('button', { name: 'Turn on' }));
    expect(await screen.findByText('Enter the 6 digits of the code')).toBeTruthy();
    expect(codes).toEqual([]);

    await person.clear(screen.getByLabelText(/^6-digit code/));
    await person.type(screen.getByLabelText(/^6-digit code/), '000000');
    await person.click(screen.getByRole('button', { name: 'Turn on' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The authentication code is wrong.');

    await person.type(screen.getByLabelText(/^6-digit code/), '123456');
    await person.click(screen.getByRole('button', { name: 'Turn on' }));
    expect((await screen.findByText('Two-step verification is on: signing in will ask for a code.')).textContent).toBeTruthy();
    expect((await screen.findByTestId('mfa-state')).textContent).toBe('On');
    expect(screen.getByRole('button', { name: 'Turn off' })).toBeTruthy();
  });
});

describe('SecurityPage sessions', () => {
  it('lists the sessions, marks this device, and signs another out after a confirmation', async () => {
    renderPage();
    const person = userEvent.setup({ delay: null });
    const rows = await screen.findAllByTestId('session');
    expect(rows).toHaveLength(2);
    const [first, second] = rows as [HTMLElement, HTMLElement];
    expect(within(first).getByText('Chrome on Linux')).toBeTruthy();
    expect(within(first).getByTestId('this-device').textContent).toBe('This device');
    expect(within(first).getByText(/Last active/)).toBeTruthy();
    expect(within(first).queryByRole('button', { name: /^Sign out/ })).toBeNull();
    expect(within(second).getByText('Firefox on Windows')).toBeTruthy();
    expect(within(second).getByText(/Signed in Mar 1, 2026/)).toBeTruthy();
    expect(within(second).queryByText(/Last active/)).toBeNull();

    await person.click(within(second).getByRole('button', { name: /^Sign out Firefox on Windows/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Sign out this session?' });
    await person.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(ended).toEqual([]);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await person.click(await within(second).findByRole('button', { name: /^Sign out Firefox on Windows/ }));
    await person.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('That session was signed out.')).toBeTruthy();
    expect(ended).toEqual([other.session_id]);
    await waitFor(() => expect(screen.getAllByTestId('session')).toHaveLength(1));
  });

  it('signs out everywhere after a confirmation, then this tab goes to the login page', async () => {
    const store = renderPage();
    const person = userEvent.setup({ delay: null });
    await screen.findAllByTestId('session');
    await person.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sign out everywhere?' });
    await person.click(within(dialog).getByRole('button', { name: 'Sign out everywhere' }));
    expect(await screen.findByText('login page')).toBeTruthy();
    expect(everywhere).toBe(1);
    expect(store.getState().auth.accessToken).toBeNull();
  });
});
