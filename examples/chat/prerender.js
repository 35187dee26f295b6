// Puts the server-rendered first screen into dist/index.html's #root (see src/entry-server.jsx).
// Run by `npm run build` after the client and SSR builds.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

const ssrDir = new URL('./.ssr/', import.meta.url);
const page = new URL('./dist/index.html', import.meta.url);
const { render } = await import(new URL('entry-server.js', ssrDir));
const html = readFileSync(page, 'utf8');
const marker = '<div id="root"></div>';
if (!html.includes(marker)) throw new Error(`prerender: ${marker} not found in dist/index.html`);
writeFileSync(page, html.replace(marker, `<div id="root">${render()}</div>`));
rmSync(ssrDir, { recursive: true, force: true });
console.log('prerender: first screen written into dist/index.html');
