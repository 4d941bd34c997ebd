// The web console's build: apps/console in, <repo>/dist/apps/console/web out (what the API
// serves at `/`, CONSOLE_DIR). `npx vite --config apps/console/vite.config.mts` serves it in
// development with /v1 proxied to an API at XENPLANE_API_URL (default http://127.0.0.1:8080).
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './precompress.mts';

const here = import.meta.dirname;
const repo = resolve(here, '../..');

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react(), precompress()],
  resolve: {
    // the SDK from source, as the other apps use it (tsconfig.base.json's path)
    alias: { '@xenplane/sdk': resolve(repo, 'libs/sdk/src/index.ts') },
  },
  build: {
    outDir: resolve(repo, 'dist/apps/console/web'),
    emptyOutDir: true,
    // no inline scripts or data: URLs for scripts (the API's Content-Security-Policy forbids them)
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: { '/v1': { target: process.env['XENPLANE_API_URL'] ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
