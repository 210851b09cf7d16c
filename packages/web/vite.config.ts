// The web UI build: dist/, which the hub serves at `/`. Libraries go in chunks of their own, so a
// new release of the app does not make browsers download React or the markdown stack again.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const CHUNKS: Array<[string, RegExp]> = [
  ['react', /node_modules\/(react|react-dom|scheduler)\//],
  ['highlight', /node_modules\/(rehype-highlight|highlight\.js|lowlight)\//],
  ['markdown', /node_modules\/(react-markdown|remark-|rehype-|micromark|mdast-|hast-|unified)/],
];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      output: {
        manualChunks: (id) => CHUNKS.find(([, pattern]) => pattern.test(id))?.[0],
      },
    },
  },
});
