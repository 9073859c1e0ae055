import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The review console: one bundle, no CDN, served by the hub from cloud/console/dist. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
