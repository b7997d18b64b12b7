import { isRetryable, problemOf, type ApiProblem } from './errors';

/** A random UUID (v4) even outside a secure context, where crypto.randomUUID is missing. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The Idempotency-Key of one form submission: made when the form is first submitted, the same on
 * every retry of that submission (a timeout, a 503, a lost answer), dropped once the API has
 * answered it for good. A submission of different content gets a new key (the same key with
 * another body is a 409), the same content resubmitted before an answer keeps it.
 */
export class SubmissionKey {
  private key: string | null = null;
  private content: string | null = null;

  forSubmit(content: unknown): string {
    const fingerprint = JSON.stringify(content);
    if (this.key === null || this.content !== fingerprint) {
      this.key = newIdempotencyKey();
      this.content = fingerprint;
    }
    return this.key;
  }

  settled(): void {
    this.key = null;
    this.content = null;
  }
}

/**
 * Sends one form submission under its key: the key is dropped once the API has answered for good
 * (done, or refused for a reason a retry cannot change) and kept for a retryable failure, so that
 * "Try again" sends the same submission again, never a second one.
 */
export async function sendWithKey<T>(
  submission: SubmissionKey,
  content: unknown,
  send: (idempotencyKey: string) => Promise<T>,
): Promise<{ done: T } | { problem: ApiProblem }> {
  try {
    const done = await send(submission.forSubmit(content));
    submission.settled();
    return { done };
  } catch (error) {
    const problem = problemOf(error);
    if (!isRetryable(problem)) submission.settled();
    return { problem };
  }
}
