// boot first: the session's first reads leave before the rest of the app is evaluated.
import { store } from './boot';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import App from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { afterFirstView } from './firstView/dismiss';
import './i18n';
import { AppTheme } from './theme';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

// The dashboard's first view draws the balances before the app's first render (a long task)
// takes the page's thread; the wait is bounded, and none when there is no first view.
const FIRST_VIEW_WAIT_MS = 600;

void afterFirstView(FIRST_VIEW_WAIT_MS).then(() =>
  createRoot(root).render(
    <StrictMode>
      <Provider store={store}>
        <AppTheme>
          <ErrorBoundary>
            <App />
          </ErrorBoundary>
        </AppTheme>
      </Provider>
    </StrictMode>,
  ),
);
