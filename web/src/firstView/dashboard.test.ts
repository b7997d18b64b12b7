import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchOrEarly } from '../api/earlyReads';
import { checking, savings, user } from '../test/fixtures';
import { showFirstView } from './dashboard';
import { dismissFirstView, FIRST_VIEW_ID } from './dismiss';

const DISMISSED_KEY = Symbol.for('bankflow.firstViewDismissed');
const forgetDismissal = () => delete (window as unknown as Record<symbol, unknown>)[DISMISSED_KEY];

const base = window.location.origin;
const NOW_MS = Date.UTC(2026, 11, 6, 12);
let asked: string[] = [];
let accountsStatus = 200;
const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => {
    asked.push('me');
    return HttpResponse.json(user);
  }),
  http.get(`${base}/api/v1/accounts/user/:userId`, ({ request }) => {
    asked.push(`accounts with ${request.headers.get('Authorization') ?? 'nothing'}`);
    if (accountsStatus !== 200) return HttpResponse.json({ error: { code: 'unauthorized' } }, { status: accountsStatus });
    return HttpResponse.json({ items: [checking, savings], next_cursor: null });
  }),
);

function signedIn(expiresInS: number): string {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, '');
  const token = `${part({ alg: 'none' })}.${part({ sub: user.user_id, exp: NOW_MS / 1000 + expiresInS })}.sig`;
  sessionStorage.setItem('bankflow.session', JSON.stringify({ accessToken: token, refreshToken: 'refresh' }));
  return token;
}

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  forgetDismissal(); // other files' dashboards took theirs away
});
afterAll(() => server.close());
afterEach(() => {
  server.resetHandlers();
  dismissFirstView();
  forgetDismissal(); // each case is a new page load
  asked = [];
  accountsStatus = 200;
});

const shownBalances = () => [...document.querySelectorAll(`#${FIRST_VIEW_ID} [data-testid="balance"]`)].map((node) => node.textContent);

describe("the dashboard's first view", () => {
  it("draws a signed-in customer's balances over the page and leaves the response for the app", async () => {
    const meta = document.createElement('meta');
    meta.name = 'csp-nonce';
    meta.content = 'nonce-of-this-load';
    document.head.append(meta);
    const token = signedIn(600);
    await showFirstView(NOW_MS);
    expect(shownBalances()).toEqual(['$500.00', '$0.00']);
    const view = document.getElementById(FIRST_VIEW_ID)!;
    expect(view.getAttribute('aria-hidden')).toBe('true');
    expect(view.querySelector('style')?.nonce).toBe('nonce-of-this-load');
    expect(view.textContent).toContain('Checking account 1000000001');
    // The app's own request for the same URL takes the same answer, whole: nothing is asked twice.
    const url = `${base}/api/v1/accounts/user/${user.user_id}`;
    const taken = await fetchOrEarly(new Request(url, { headers: { Authorization: `Bearer ${token}` } }));
    expect(((await taken.json()) as { items: unknown[] }).items).toHaveLength(2);
    expect(asked.filter((what) => what.startsWith('accounts'))).toEqual([`accounts with Bearer ${token}`]);
    meta.remove();
    dismissFirstView();
    expect(document.getElementById(FIRST_VIEW_ID)).toBeNull();
  });

  it('is not drawn once the app has taken over (its script arrived late)', async () => {
    dismissFirstView(); // what the dashboard does when it shows the balances
    signedIn(800);
    await showFirstView(NOW_MS);
    expect(document.getElementById(FIRST_VIEW_ID)).toBeNull();
    expect(asked).toEqual([]);
  });

  it('draws nothing, and asks nothing, without a session or with a token about to expire', async () => {
    await showFirstView(NOW_MS);
    signedIn(5);
    await showFirstView(NOW_MS);
    expect(asked).toEqual([]);
    expect(document.getElementById(FIRST_VIEW_ID)).toBeNull();
  });

  it('draws nothing when the API refuses the token: the app refreshes it', async () => {
    accountsStatus = 401;
    signedIn(700); // another token than the first case's, whose reads it may have left
    await showFirstView(NOW_MS);
    expect(asked.some((what) => what.startsWith('accounts'))).toBe(true);
    expect(document.getElementById(FIRST_VIEW_ID)).toBeNull();
  });
});
