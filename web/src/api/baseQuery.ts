import {
  fetchBaseQuery,
  type BaseQueryApi,
  type BaseQueryFn,
  type FetchArgs,
  type FetchBaseQueryError,
} from '@reduxjs/toolkit/query/react';
import { signedOut, tokensReceived, type AuthState } from '../auth/authSlice';
import type { TokenPair } from './types';

interface WithAuth {
  auth: AuthState;
}

export const REFRESH_PATH = 'api/v1/auth/refresh';

function origin(): string {
  return `${window.location.origin}/`;
}

const raw = fetchBaseQuery({
  baseUrl: origin(),
  prepareHeaders: (headers, { getState }) => {
    const token = (getState() as WithAuth).auth.accessToken;
    if (token && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${token}`);
    return headers;
  },
});

function pathOf(args: string | FetchArgs): string {
  return (typeof args === 'string' ? args : args.url).replace(/^\//, '');
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
 * for that same refresh, then every one of them is retried once with the new token.
 */
export const baseQuery: BaseQueryFn<string | FetchArgs, unknown, FetchBaseQueryError> = async (
  args,
  api,
  extraOptions,
) => {
  if (refreshing) await refreshing;
  const tokenSent = (api.getState() as WithAuth).auth.accessToken;
  const first = await raw(args, api, extraOptions);
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
  return raw(args, api, extraOptions);
};
