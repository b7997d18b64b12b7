import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchOrEarly, sendEarlyReads } from './earlyReads';

const base = window.location.origin;
const url = `${base}/api/v1/auth/me`;
let served: string[] = [];
const server = setupServer(
  http.get(url, ({ request }) => {
    const auth = request.headers.get('Authorization') ?? '';
    served.push(auth);
    return HttpResponse.json({ auth, n: served.length });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
afterEach(() => {
  server.resetHandlers();
  served = [];
});

const asked = (token: string) => new Request(url, { headers: { Authorization: `Bearer ${token}` } });

describe('the early reads', () => {
  it('hand their response to the same request with the same token, once', async () => {
    sendEarlyReads([url], 'access-1');
    expect(await (await fetchOrEarly(asked('access-1'))).json()).toEqual({ auth: 'Bearer access-1', n: 1 });
    // taken: a second request is sent again
    expect(await (await fetchOrEarly(asked('access-1'))).json()).toEqual({ auth: 'Bearer access-1', n: 2 });
    expect(served).toEqual(['Bearer access-1', 'Bearer access-1']);
  });

  it('are not used for a request with another token (a refreshed session)', async () => {
    sendEarlyReads([url], 'expired');
    expect(await (await fetchOrEarly(asked('fresh'))).json()).toMatchObject({ auth: 'Bearer fresh' });
    expect(served.sort()).toEqual(['Bearer expired', 'Bearer fresh']);
  });

  it('are bounded', () => {
    expect(() => sendEarlyReads([url, url, url, url, url], 'access')).toThrow(/at most 4/);
  });
});
