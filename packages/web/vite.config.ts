import { defineConfig } from 'vite';

// The console is a static single-page app the Hearth server serves at /. JSX is Preact's
// (automatic runtime); no plugin needed. Assets get content hashes, so the server can cache them
// for a year, and nothing is inlined as a script (the server's CSP allows no inline script).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
});
