/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` proxies the API to a running `make run` stack (BANKFLOW_API, default :8000).
const api = process.env.BANKFLOW_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    // No inline <script>: the CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    // MUI under jsdom is slow on a busy 2-core machine; a hung test is still bounded (pytest-timeout).
    testTimeout: 90_000,
    // One jsdom and one module graph per worker (not per file): importing MUI and the app again
    // for each file was most of the run. Each file still gets a fresh store, router and cleanup.
    isolate: false,
    maxWorkers: 2,
  },
});
