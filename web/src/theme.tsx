import createCache from '@emotion/cache';
import { CacheProvider } from '@emotion/react';
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider, createTheme, responsiveFontSizes } from '@mui/material/styles';
import type { ReactNode } from 'react';

/** The CSP nonce the gateway put in index.html for this page load (deployments/web.py). */
function cspNonce(): string | undefined {
  const content = document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content');
  return content && !content.startsWith('__') ? content : undefined;
}

const cache = createCache({ key: 'bf', nonce: cspNonce() });

// Light and dark palettes; MUI's CSS variables follow the system's prefers-color-scheme.
const theme = responsiveFontSizes(createTheme({
  cssVariables: { colorSchemeSelector: 'media' },
  colorSchemes: {
    light: { palette: { primary: { main: '#0b5394' }, secondary: { main: '#6a1b9a' } } },
    dark: { palette: { primary: { main: '#90caf9' }, secondary: { main: '#ce93d8' } } },
  },
  shape: { borderRadius: 10 },
  components: {
    MuiButtonBase: { defaultProps: { disableRipple: false } },
    MuiCssBaseline: {
      styleOverrides: {
        ':focus-visible': { outline: '3px solid #ff9800', outlineOffset: '2px' },
      },
    },
  },
}));

export function AppTheme({ children }: { children: ReactNode }) {
  return (
    <CacheProvider value={cache}>
      <ThemeProvider theme={theme}>
        <CssBaseline enableColorScheme />
        {children}
      </ThemeProvider>
    </CacheProvider>
  );
}
