/**
 * The first reads of a signed-in start, sent the moment the app's code begins to run rather than
 * once all of it (React, MUI, the pages' shell) has been evaluated: a base query that then asks
 * for the same URL with the same token takes the response already on its way, once.
 */
const MAX_EARLY_READS = 4;

interface EarlyRead {
  authorization: string;
  response: Promise<Response>;
}

const sent = new Map<string, EarlyRead>();

/** GET each URL now with this access token (a bounded few; the ones not taken just expire). */
export function sendEarlyReads(urls: readonly string[], accessToken: string): void {
  if (urls.length > MAX_EARLY_READS) throw new Error(`at most ${MAX_EARLY_READS} early reads, not ${urls.length}`);
  const authorization = `Bearer ${accessToken}`;
  for (const url of urls) {
    const response = fetch(url, { headers: { Authorization: authorization } });
    response.catch(() => undefined); // a failure is met again, and handled, by the real request
    sent.set(url, { authorization, response });
  }
}

/** The fetch of the base query: an early read of exactly this request when one is waiting. */
export function fetchOrEarly(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  if (input instanceof Request && input.method === 'GET') {
    const early = sent.get(input.url);
    sent.delete(input.url);
    if (early && early.authorization === input.headers.get('Authorization')) return early.response;
  }
  return fetch(input, init);
}
