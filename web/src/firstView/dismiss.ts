/** The dashboard's first view (see dashboard.ts) covers the page until the app shows the same
 * data itself; whoever is first to know it is no longer wanted takes it away. Once taken away
 * (or once the app is past needing it) it is never drawn again in this page: its script may
 * arrive after the app has started, when the app's own entry was cached. */
export const FIRST_VIEW_ID = 'first-view';
const DISMISSED_KEY = Symbol.for('bankflow.firstViewDismissed');

type Holder = { [DISMISSED_KEY]?: boolean };

export function dismissFirstView(): void {
  (window as unknown as Holder)[DISMISSED_KEY] = true;
  document.getElementById(FIRST_VIEW_ID)?.remove();
}

export function firstViewDismissed(): boolean {
  return (window as unknown as Holder)[DISMISSED_KEY] === true;
}

// While the first view is fetching and drawing, the app waits to render (a bounded while): its
// first render is a long task of its own, and the balances would otherwise wait behind it.
const PENDING_KEY = Symbol.for('bankflow.firstViewPending');

type Pending = { [PENDING_KEY]?: { settled: Promise<void>; settle: () => void } };

export function firstViewStarted(): void {
  const holder = window as unknown as Pending;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  holder[PENDING_KEY] = { settled, settle };
}

export function firstViewSettled(): void {
  (window as unknown as Pending)[PENDING_KEY]?.settle();
}

/** Resolves once a first view that has started is drawn or given up, or after `maxWaitMs`; at
 * once when none has started (its script has not run, or found nothing to draw). */
export function afterFirstView(maxWaitMs: number): Promise<void> {
  const pending = (window as unknown as Pending)[PENDING_KEY];
  if (!pending) return Promise.resolve();
  return Promise.race([pending.settled, new Promise<void>((resolve) => setTimeout(resolve, maxWaitMs))]);
}
