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
    // dist/.vite/manifest.json: the gateway names a landing page's chunks in index.html from it.
    manifest: true,
    // No inline <script>: the CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    // The pages' chunks share two others, not dozens: the MUI components beyond the entry's, and
    // the app's modules that two or more pages use. A page then costs its browser three requests
    // (HTTP/1.1 gives six connections a host), not eighteen queued ahead of its data. The first
    // group keeps what the entry needs in the entry: without it the MUI group would take the
    // entry's MUI too and make every component initial (over the budget of scripts/postbuild.mjs).
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'index', tags: ['$initial'], priority: 3 },
            { name: 'mui', test: /node_modules[\\/]@mui[\\/]/, priority: 2 },
            { name: 'shared', test: /[\\/]src[\\/]/, minShareCount: 2, priority: 1 },
          ],
        },
      },
    },
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
