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
