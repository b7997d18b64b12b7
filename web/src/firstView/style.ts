/** The first view's look: the app's own (MUI's light and dark palettes, its type scale, the lg
 * container), so that the swap to the app is not seen. Given to a <style> with the page's nonce. */
export const FIRST_VIEW_CSS = `
#first-view {
  position: fixed; inset: 0; z-index: 2000; overflow: auto;
  font-family: "Roboto", "Helvetica", "Arial", sans-serif; line-height: 1.5;
  background: #fff; color: rgba(0, 0, 0, 0.87);
  --fv-bar: #0b5394; --fv-bar-text: #fff; --fv-card: #fff; --fv-muted: rgba(0, 0, 0, 0.6);
  --fv-chip: rgba(0, 0, 0, 0.08); --fv-shadow: 0 2px 1px -1px rgba(0,0,0,.2), 0 1px 1px 0 rgba(0,0,0,.14), 0 1px 3px 0 rgba(0,0,0,.12);
}
@media (prefers-color-scheme: dark) {
  #first-view {
    background: #121212; color: #fff;
    --fv-bar: #272727; --fv-bar-text: #fff; --fv-card: #1e1e1e; --fv-muted: rgba(255, 255, 255, 0.7);
    --fv-chip: rgba(255, 255, 255, 0.16);
  }
}
#first-view .fv-bar { height: 64px; display: flex; align-items: center; padding: 0 24px; background: var(--fv-bar);
  color: var(--fv-bar-text); box-shadow: 0 2px 4px -1px rgba(0,0,0,.2), 0 4px 5px 0 rgba(0,0,0,.14); }
#first-view .fv-brand { font-size: 1.25rem; font-weight: 500; }
#first-view .fv-main { max-width: 1200px; margin: 0 auto; padding: 24px; box-sizing: border-box; }
#first-view h1 { font-size: 2.125rem; font-weight: 400; line-height: 1.235; margin: 0 0 16px; }
#first-view .fv-cards { display: grid; gap: 16px; grid-template-columns: 1fr; }
@media (min-width: 900px) { #first-view .fv-cards { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
#first-view .fv-card { background: var(--fv-card); border-radius: 4px; box-shadow: var(--fv-shadow); padding: 16px; }
#first-view .fv-head { display: flex; justify-content: space-between; align-items: center; gap: 8px; flex-wrap: wrap; }
#first-view h2 { font-size: 1.25rem; font-weight: 500; line-height: 1.6; margin: 0; }
#first-view .fv-chip { font-size: 0.8125rem; padding: 0 8px; height: 24px; display: inline-flex; align-items: center;
  border-radius: 16px; background: var(--fv-chip); }
#first-view dl { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; margin: 16px 0; }
#first-view dt { font-size: 0.875rem; color: var(--fv-muted); }
#first-view dd { font-size: 1.25rem; font-weight: 500; line-height: 1.6; margin: 0; }
`;
