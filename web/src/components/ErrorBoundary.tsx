import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { Component, type ErrorInfo, type ReactNode } from 'react';
import i18n from '../i18n';
import { dismissFirstView } from '../firstView/dismiss';

/** sessionStorage: when this tab last reloaded itself for a missing chunk (ms since the epoch). */
export const CHUNK_RELOAD_KEY = 'bankflow.chunkReload';
/** A second missing chunk within this long is not reloaded for again: it is shown instead. */
const CHUNK_RELOAD_WINDOW_MS = 60_000;

/** A page's code that could not be loaded: after a deployment the old chunk names are gone. */
export function isChunkLoadError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /dynamically imported module|Importing a module script failed|error loading dynamically imported|Unable to preload CSS/i.test(message);
}

/** Reloads the tab once for a missing chunk (the new deployment's index names the new ones);
 * false when it already did so a moment ago, so that a chunk really gone cannot loop. */
export function reloadForNewChunks(now = Date.now(), reload = () => window.location.reload()): boolean {
  try {
    const last = Number(sessionStorage.getItem(CHUNK_RELOAD_KEY) ?? 0);
    if (now - last < CHUNK_RELOAD_WINDOW_MS) return false;
    sessionStorage.setItem(CHUNK_RELOAD_KEY, String(now));
  } catch {
    return false;
  }
  reload();
  return true;
}

interface State {
  error: Error | null;
}

/**
 * The last line: an error while rendering shows what happened and a way back, instead of the
 * blank page React leaves when nothing catches it.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    dismissFirstView(); // it would hide the error
    if (isChunkLoadError(error) && reloadForNewChunks()) return;
    console.error('the page failed to render', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    const t = i18n.t.bind(i18n);
    const chunk = isChunkLoadError(error);
    return (
      <Box component="main" sx={{ maxWidth: 640, mx: 'auto', p: 3 }}>
        <Alert
          severity="error"
          role="alert"
          action={
            <Button color="inherit" size="small" onClick={() => window.location.reload()}>
              {t('app.failed.reload')}
            </Button>
          }
        >
          <AlertTitle>{t('app.failed.title')}</AlertTitle>
          {chunk ? t('app.failed.chunk') : t('app.failed.body')}
          <Box component="pre" sx={{ mt: 1, mb: 0, whiteSpace: 'pre-wrap', fontSize: '0.8rem' }} data-testid="render-error">
            {error.message}
          </Box>
        </Alert>
      </Box>
    );
  }
}
