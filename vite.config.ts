import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// base './' so the same build loads from file:// in Electron and from the web host.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: false },
});
