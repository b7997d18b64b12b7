// boot first: the session's first reads leave before the rest of the app is evaluated.
import { store } from './boot';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import App from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import './i18n';
import { AppTheme } from './theme';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

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
);
