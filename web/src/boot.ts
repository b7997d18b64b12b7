import { makeStore } from './store';
import { warmStart } from './warmStart';

// The first module main.tsx imports: the store and the signed-in start's first reads exist
// before the rest of the app (React DOM, MUI, i18n, the shell) is evaluated.
export const store = makeStore();
warmStart(store, window.location.pathname);
