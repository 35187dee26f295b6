// Bundles src/ into dist/ (committed: users need no build step, and the server embeds it).
//   node build.mjs          build, then report the gzipped size of all JavaScript
// Fails when the JavaScript exceeds the budget of 100 KB gzipped.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const BUDGET = 100 * 1024;

rmSync(dist, { recursive: true, force: true });
mkdirSync(path.join(dist, 'assets'), { recursive: true });

const result = await build({
  entryPoints: { app: path.join(here, 'src/main.js') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  outdir: path.join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => path.basename(p));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
const html = readFileSync(path.join(here, 'index.html'), 'utf8')
  .replace('%JS%', js)
  .replace('%CSS%', css);
writeFileSync(path.join(dist, 'index.html'), html);
for (const f of readdirSync(path.join(here, 'public'))) {
  copyFileSync(path.join(here, 'public', f), path.join(dist, f));
}

let jsBytes = 0;
let jsGzip = 0;
const report = [];
for (const f of readdirSync(path.join(dist, 'assets'))) {
  const data = readFileSync(path.join(dist, 'assets', f));
  const gz = gzipSync(data, { level: 9 }).length;
  report.push(`  ${f.padEnd(28)} ${String(data.length).padStart(7)} B  ${String(gz).padStart(6)} B gzipped`);
  if (f.endsWith('.js')) {
    jsBytes += data.length;
    jsGzip += gz;
  }
}
console.log(`dashboard/dist:\n${report.join('\n')}`);
console.log(`JavaScript: ${jsBytes} B, ${jsGzip} B gzipped (budget ${BUDGET} B)`);
if (jsGzip > BUDGET) {
  console.error('dashboard JavaScript is over its budget of 100 KB gzipped');
  process.exit(1);
}
