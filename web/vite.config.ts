/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The server serves these files from its wwwroot (see scripts/build-web.sh). Its CSP allows only 'self',
// so nothing may be inlined: assetsInlineLimit 0 keeps every asset a file, and no polyfill is injected.
export default defineConfig({
  base: '/',
  build: {
    outDir: '../src/WeCompany.Server/wwwroot',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: false,
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 10_000,
  },
});
