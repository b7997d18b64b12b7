import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import App from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import './i18n';
import { makeStore } from './store';
import { AppTheme } from './theme';
import { warmStart } from './warmStart';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

const store = makeStore();
warmStart(store, window.location.pathname);

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
