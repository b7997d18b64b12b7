import { defineConfig } from 'vite';

// The dashboard's first view (src/firstView/dashboard.ts) as one small file of its own beside
// the app's build: no framework, no shared chunk, so it runs as soon as it arrives. Its manifest
// (dist/.vite/first-view.json) names the file for the gateway (deployments/web.py).
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: false, // the app's build is there
    assetsDir: 'assets',
    sourcemap: false,
    manifest: '.vite/first-view.json',
    modulePreload: false,
    rolldownOptions: {
      input: 'src/firstView/dashboard.ts',
      output: { entryFileNames: 'assets/first-view-[hash].js' },
    },
  },
});
