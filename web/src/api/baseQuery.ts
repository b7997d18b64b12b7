import {
  fetchBaseQuery,
  type BaseQueryApi,
  type BaseQueryFn,
  type FetchArgs,
  type FetchBaseQueryError,
  type FetchBaseQueryMeta,
} from '@reduxjs/toolkit/query/react';
import { signedOut, tokensReceived } from '../auth/authSlice';
import type { AuthState } from '../auth/session';
import { fetchOrEarly } from './earlyReads';
import { apiOrigin } from './paths';
import type { TokenPair } from './types';

interface WithAuth {
  auth: AuthState;
}

export const REFRESH_PATH = 'api/v1/auth/refresh';


const raw = fetchBaseQuery({
  baseUrl: apiOrigin(),
  fetchFn: fetchOrEarly,
  prepareHeaders: (headers, { getState }) => {
    const token = (getState() as WithAuth).auth.accessToken;
    if (token && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${token}`);
    return headers;
  },
});

function pathOf(args: string | FetchArgs): string {
  return (typeof args === 'string' ? args : args.url).replace(/^\//, '');
}

/** How long a read waits before each of its retries (so also how many there are). */
export const RETRY_DELAYS_MS = [250, 1_000] as const;
/** A Retry-After longer than this is not waited for: the page shows the refusal instead. */
const RETRY_AFTER_CAP_MS = 5_000;
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

type RawResult = Awaited<ReturnType<typeof raw>>;

function isRead(args: string | FetchArgs): boolean {
  const method = typeof args === 'string' ? 'GET' : (args.method ?? 'GET').toUpperCase();
  return method === 'GET' || method === 'HEAD';
}

function retryAfterMs(meta: FetchBaseQueryMeta | undefined): number | null {
  const header = meta?.response?.headers.get('Retry-After');
  const seconds = header ? Number(header) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/** How long to wait before retrying a read that failed, or null when it is not retried: only a
 * transient refusal (502/503/504, a network failure, a 429 with a short Retry-After) is. */
function retryDelayMs(result: RawResult, attempt: number): number | null {
  const status = result.error?.status;
  const pause = RETRY_DELAYS_MS[attempt];
  if (status === undefined || pause === undefined) return null;
  const asked = retryAfterMs(result.meta);
  if (status === 'FETCH_ERROR' || (typeof status === 'number' && TRANSIENT_STATUSES.has(status))) {
    return Math.min(Math.max(asked ?? 0, pause), RETRY_AFTER_CAP_MS);
  }
  if (status === 429 && asked !== null && asked <= RETRY_AFTER_CAP_MS) return Math.max(asked, pause);
  return null;
}

/**
 * One request, a read retried through a passing outage (a replica restarting, the session store
 * failing over). Writes are never retried here: a refused transfer is shown, and sent again by
 * the person with its Idempotency-Key, not behind their back.
 */
async function send(args: string | FetchArgs, api: BaseQueryApi, extraOptions: object): Promise<RawResult> {
  let result = await raw(args, api, extraOptions);
  if (!isRead(args)) return result;
  for (let attempt = 0; ; attempt += 1) {
    const delayMs = retryDelayMs(result, attempt);
    if (delayMs === null || api.signal.aborted) return result;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    result = await raw(args, api, extraOptions);
  }
}

/** The refresh in flight, shared by every request that met a 401 meanwhile. */
let refreshing: Promise<boolean> | null = null;

async function refreshOnce(api: BaseQueryApi, extraOptions: object): Promise<boolean> {
  const refreshToken = (api.getState() as WithAuth).auth.refreshToken;
  if (!refreshToken) {
    api.dispatch(signedOut());
    return false;
  }
  const result = await raw(
    { url: REFRESH_PATH, method: 'POST', body: { refresh_token: refreshToken }, headers: { Authorization: '' } },
    api,
    extraOptions,
  );
  if (result.data) {
    api.dispatch(tokensReceived(result.data as TokenPair));
    return true;
  }
  api.dispatch(signedOut());
  return false;
}

/**
 * The one base query: attaches the access token; on a 401 refreshes the session once (POST
 * /api/v1/auth/refresh, the refresh token rotates), other requests meeting a 401 meanwhile wait
 * for that same refresh, then every one of them is retried once with the new token. Reads
 * also ride out a transient outage (`send`).
 */
export const baseQuery: BaseQueryFn<string | FetchArgs, unknown, FetchBaseQueryError> = async (
  args,
  api,
  extraOptions,
) => {
  if (refreshing) await refreshing;
  const tokenSent = (api.getState() as WithAuth).auth.accessToken;
  const first = await send(args, api, extraOptions);
  const path = pathOf(args);
  if (first.error?.status !== 401 || !tokenSent || path.startsWith('api/v1/auth/login') || path === REFRESH_PATH) {
    return first;
  }
  if ((api.getState() as WithAuth).auth.accessToken === tokenSent) {
    refreshing ??= refreshOnce(api, extraOptions).finally(() => {
      refreshing = null;
    });
    if (!(await refreshing)) return first;
  } else if (!(api.getState() as WithAuth).auth.accessToken) {
    return first; // the session ended meanwhile
  }
  // Already refreshed (by us or by the request that met its 401 first): retry once.
  return send(args, api, extraOptions);
};
