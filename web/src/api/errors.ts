import type { FetchBaseQueryError } from '@reduxjs/toolkit/query';
import type { SerializedError } from '@reduxjs/toolkit';
import type { ErrorBody } from './types';

export interface ApiProblem {
  status: number | 'network';
  code: string;
  message: string | null;
  requestId: string | null;
}

function isErrorBody(data: unknown): data is ErrorBody {
  return (
    typeof data === 'object' &&
    data !== null &&
    'error' in data &&
    typeof (data as { error: unknown }).error === 'object' &&
    (data as { error: unknown }).error !== null
  );
}

/** The API's error shape, or a network/unknown problem: never a raw exception for the page. */
export function problemOf(error: FetchBaseQueryError | SerializedError | unknown): ApiProblem {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const e = error as FetchBaseQueryError;
    if (typeof e.status === 'number') {
      if (isErrorBody(e.data)) {
        return { status: e.status, code: e.data.error.code, message: e.data.error.message, requestId: e.data.error.request_id };
      }
      return { status: e.status, code: 'unexpected_response', message: null, requestId: null };
    }
    return { status: 'network', code: 'network_error', message: null, requestId: null };
  }
  return { status: 'network', code: 'network_error', message: null, requestId: null };
}

/** Whether the same submission may be sent again (with its same Idempotency-Key). */
export function isRetryable(problem: ApiProblem): boolean {
  return problem.status === 'network' || problem.status === 503 || problem.status === 429 || problem.status === 502 || problem.status === 504;
}
