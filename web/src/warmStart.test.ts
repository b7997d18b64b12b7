import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tokensReceived } from './auth/authSlice';
import { makeStore } from './store';
import { checking, user } from './test/fixtures';
import { warmStart } from './warmStart';

const base = window.location.origin;
let asked: string[] = [];
const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => {
    asked.push('me');
    return HttpResponse.json(user);
  }),
  http.get(`${base}/api/v1/accounts/user/:userId`, ({ params }) => {
    asked.push(`accounts of ${String(params.userId)}`);
    return HttpResponse.json({ items: [checking] });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
afterEach(() => {
  server.resetHandlers();
  asked = [];
});

function tokenOf(sub: string): string {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, '');
  return `${part({ alg: 'none' })}.${part({ sub, roles: ['customer'] })}.signature`;
}

describe('the warm start', () => {
  it("asks for the signed-in user's accounts before the dashboard asks", async () => {
    const store = makeStore();
    store.dispatch(tokensReceived({ access_token: tokenOf(user.user_id), refresh_token: 'refresh' }));
    warmStart(store, '/');
    await expect.poll(() => [...asked].sort(), { timeout: 10_000 }).toEqual([`accounts of ${user.user_id}`, 'me']);
  });

  it('asks for nothing signed out, or on another page', async () => {
    warmStart(makeStore(), '/');
    const store = makeStore();
    store.dispatch(tokensReceived({ access_token: tokenOf(user.user_id), refresh_token: 'refresh' }));
    warmStart(store, '/history');
    await new Promise((resolve) => setTimeout(resolve, 500)); // what was asked has arrived by now
    expect(asked).toEqual([]);
  });
});
