/**
 * The first reads of a signed-in start, sent the moment code begins to run rather than once all
 * of the app (React, MUI, the pages' shell) has been evaluated: a base query that then asks for
 * the same URL with the same token takes the response already on its way, once.
 *
 * The reads are kept on `window`, not in this module: the dashboard's first view
 * (src/firstView) is a bundle of its own that usually runs first and sends them, and the app
 * takes them from there.
 */
const MAX_EARLY_READS = 4;
const READS_KEY = Symbol.for('bankflow.earlyReads');

interface EarlyRead {
  authorization: string;
  response: Promise<Response>;
}

type Holder = { [READS_KEY]?: Map<string, EarlyRead> };

function reads(): Map<string, EarlyRead> {
  const holder = window as unknown as Holder;
  holder[READS_KEY] ??= new Map();
  return holder[READS_KEY];
}

/** GET each URL now with this access token, unless it is on its way already with the same one
 * (a bounded few; the ones not taken just expire). */
export function sendEarlyReads(urls: readonly string[], accessToken: string): void {
  if (urls.length > MAX_EARLY_READS) throw new Error(`at most ${MAX_EARLY_READS} early reads, not ${urls.length}`);
  const authorization = `Bearer ${accessToken}`;
  const sent = reads();
  for (const url of urls) {
    if (sent.get(url)?.authorization === authorization) continue;
    if (sent.size >= MAX_EARLY_READS) sent.clear(); // reads nobody took: a stale start's
    const response = fetch(url, { headers: { Authorization: authorization } });
    response.catch(() => undefined); // a failure is met again, and handled, by the real request
    sent.set(url, { authorization, response });
  }
}

/** A copy of an early read's response, leaving it for the app to take; null if none was sent. */
export function peekEarlyRead(url: string): Promise<Response> | null {
  const early = reads().get(url);
  return early ? early.response.then((response) => response.clone()) : null;
}

/** The fetch of the base query: an early read of exactly this request when one is waiting. */
export function fetchOrEarly(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  if (input instanceof Request && input.method === 'GET') {
    const sent = reads();
    const early = sent.get(input.url);
    sent.delete(input.url);
    if (early && early.authorization === input.headers.get('Authorization')) return early.response;
  }
  return fetch(input, init);
}
