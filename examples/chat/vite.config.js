import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

// The release the SDK reports: the package version plus the git commit, like edgewatch's own.
function release() {
  try {
    const commit = execSync('git rev-parse --short=12 HEAD', {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    return `chat@${pkg.version}+${commit}`;
  } catch {
    return `chat@${pkg.version}`;
  }
}

export default defineConfig({
  plugins: [react()],
  define: {
    __APP_RELEASE__: JSON.stringify(process.env.APP_RELEASE || release()),
  },
  build: {
    target: 'es2022',
    // Hidden source maps would be served by the static edge; this demo ships none.
    sourcemap: false,
    // Vite's module-preload polyfill is bundled into the entry chunk, never inlined, so the
    // page runs under edgewatch's default CSP (script-src 'self', no 'unsafe-inline').
    modulePreload: { polyfill: true },
  },
  server: {
    // `npm run dev` against a running edgewatch: the gateway, ingestion and dashboard.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true },
      '/_edgewatch': 'http://127.0.0.1:8080',
    },
  },
});
