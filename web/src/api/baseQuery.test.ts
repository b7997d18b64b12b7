import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeStore } from '../store';
import { tokensReceived } from '../auth/authSlice';
import { checking, savings, unauthorized, user } from '../test/fixtures';
import { bankflowApi } from './api';

const base = window.location.origin;
let refreshCalls: string[] = [];
let authorizations: string[] = [];

function guarded<T extends object>(body: T) {
  return ({ request }: { request: Request }) => {
    const authorization = request.headers.get('Authorization') ?? '';
    authorizations.push(authorization);
    return authorization === 'Bearer fresh-access' ? HttpResponse.json(body) : HttpResponse.json(unauthorized(), { status: 401 });
  };
}

const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, guarded(user)),
  http.get(`${base}/api/v1/accounts/user/:userId`, guarded({ items: [checking, savings] })),
  http.get(`${base}/api/v1/transactions/account/:accountId`, guarded({ items: [], next_cursor: null })),
  http.post(`${base}/api/v1/auth/refresh`, async ({ request }) => {
    const body = (await request.json()) as { refresh_token: string };
    refreshCalls.push(body.refresh_token);
    await delay(50); // the other requests' 401s arrive while this refresh is in flight
    if (body.refresh_token !== 'refresh-1') return HttpResponse.json(unauthorized(), { status: 401 });
    return HttpResponse.json({ access_token: 'fresh-access', refresh_token: 'refresh-2', token_type: 'bearer', expires_in: 900 });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  refreshCalls = [];
  authorizations = [];
});
afterEach(() => server.resetHandlers());

function storeWith(accessToken: string, refreshToken: string) {
  const store = makeStore();
  store.dispatch(tokensReceived({ access_token: accessToken, refresh_token: refreshToken }));
  return store;
}

describe('the base query on a 401', () => {
  it('refreshes once for concurrent requests, then retries every one with the new token', async () => {
    const store = storeWith('expired-access', 'refresh-1');
    const results = await Promise.all([
      store.dispatch(bankflowApi.endpoints.me.initiate()),
      store.dispatch(bankflowApi.endpoints.accountsOfUser.initiate(user.user_id)),
      store.dispatch(bankflowApi.endpoints.transactionsOfAccount.initiate({ accountId: checking.account_id })),
      store.dispatch(bankflowApi.endpoints.transactionsOfAccount.initiate({ accountId: savings.account_id })),
    ]);

    expect(refreshCalls).toEqual(['refresh-1']);
    expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(results[0]?.data?.email).toBe(user.email);
    expect(results[1]?.data?.items).toHaveLength(2);
    expect(store.getState().auth).toEqual({ accessToken: 'fresh-access', refreshToken: 'refresh-2' });
    // four sent with the expired token, four retried with the new one: no request retried twice
    expect(authorizations.filter((a) => a === 'Bearer expired-access')).toHaveLength(4);
    expect(authorizations.filter((a) => a === 'Bearer fresh-access')).toHaveLength(4);
  });

  it('signs out when the refresh is refused, without retrying or refreshing again', async () => {
    const store = storeWith('expired-access', 'revoked-refresh');
    const results = await Promise.all([
      store.dispatch(bankflowApi.endpoints.me.initiate()),
      store.dispatch(bankflowApi.endpoints.accountsOfUser.initiate(user.user_id)),
    ]);

    expect(refreshCalls).toEqual(['revoked-refresh']);
    // the session ended: no data for anyone (the signed-out store drops its cache too)
    expect(results.map((r) => r.data)).toEqual([undefined, undefined]);
    expect(store.getState().auth).toEqual({ accessToken: null, refreshToken: null });
    expect(authorizations).toEqual(['Bearer expired-access', 'Bearer expired-access']);
  });

  it('does not refresh when the token is valid', async () => {
    const store = storeWith('fresh-access', 'refresh-1');
    const result = await store.dispatch(bankflowApi.endpoints.me.initiate());
    expect(result.data?.user_id).toBe(user.user_id);
    expect(refreshCalls).toEqual([]);
  });
});

describe('the base query on a transient refusal', () => {
  const unavailable = () =>
    HttpResponse.json({ error: { code: 'temporarily_unavailable', message: 'try again shortly' } }, { status: 503, headers: { 'Retry-After': '0' } });

  it('sends a read again until it is answered, within its retries', async () => {
    let calls = 0;
    server.use(
      http.get(`${base}/api/v1/auth/me`, () => {
        calls += 1;
        return calls < 3 ? unavailable() : HttpResponse.json(user);
      }),
    );
    const result = await storeWith('fresh-access', 'refresh-1').dispatch(bankflowApi.endpoints.me.initiate());
    expect(result.data?.user_id).toBe(user.user_id);
    expect(calls).toBe(3);
  });

  it('gives up on a read after its retries and shows the refusal', async () => {
    let calls = 0;
    server.use(
      http.get(`${base}/api/v1/auth/me`, () => {
        calls += 1;
        return unavailable();
      }),
    );
    const result = await storeWith('fresh-access', 'refresh-1').dispatch(bankflowApi.endpoints.me.initiate());
    expect(result.error).toMatchObject({ status: 503 });
    expect(calls).toBe(3);
  });

  it('does not wait out a long Retry-After', async () => {
    let calls = 0;
    server.use(
      http.get(`${base}/api/v1/auth/me`, () => {
        calls += 1;
        return HttpResponse.json({ error: { code: 'rate_limited', message: 'too many requests' } }, { status: 429, headers: { 'Retry-After': '42' } });
      }),
    );
    const result = await storeWith('fresh-access', 'refresh-1').dispatch(bankflowApi.endpoints.me.initiate());
    expect(result.error).toMatchObject({ status: 429 });
    expect(calls).toBe(1);
  });

  it('never sends a money-moving write again by itself', async () => {
    let calls = 0;
    server.use(
      http.post(`${base}/api/v1/transactions/transfer`, () => {
        calls += 1;
        return unavailable();
      }),
    );
    const body = { from_account_id: checking.account_id, to_account_id: savings.account_id, amount: '1.00', currency: 'USD' };
    const result = await storeWith('fresh-access', 'refresh-1').dispatch(
      bankflowApi.endpoints.transfer.initiate({ body, idempotencyKey: 'a5f0c1de-0000-4000-8000-000000000001' }),
    );
    expect(result.error).toMatchObject({ status: 503 });
    expect(calls).toBe(1);
  });
});
