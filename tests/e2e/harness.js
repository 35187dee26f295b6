// Starts the real stack for a test file: the example orchestrator, edgewatch serving the chat
// app's dist/ with the orchestrator behind /api/, and headless Debian Chromium through
// playwright-core. Everything on 127.0.0.1 with ports chosen by the kernel.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const artifacts = path.join(here, 'artifacts');

export const paths = {
  edgewatch: process.env.EW_BINARY || path.join(repo, 'build/edgewatch'),
  orchestrator:
    process.env.EW_ORCHESTRATOR || path.join(repo, 'build/examples/orchestrator/orchestrator'),
  dist: process.env.EW_APP_DIST || path.join(repo, 'examples/chat/dist'),
  chromium: process.env.CHROMIUM || '/usr/bin/chromium',
};

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Spawns a server and waits for its "listening on http://HOST:PORT" line on stderr (edgewatch
// with an HTTPS listener says "listening on http://HOST:PORT and https://HOST:PORT").
function startServer(name, command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = [];
    let buffer = '';
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`${name} did not report listening within 20 s:\n${log.join('\n')}`));
    }, 20000);
    const keep = (line) => {
      log.push(line);
      if (log.length > 200) log.shift();
    };
    child.stdout.on('data', () => {}); // access log: drained, not kept
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        keep(line);
        const m = /listening on (http:\/\/[^\s]+)(?: and (https:\/\/[^\s]+))?/.exec(line);
        if (m && !settled) {
          settled = true;
          clearTimeout(timer);
          const httpsUrl = m[2] ? m[2].replace(/\/$/, '') : null;
          resolve({ name, child, url: m[1].replace(/\/$/, ''), httpsUrl, log });
        }
      }
    });
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${name}: cannot start ${command}: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      keep(`[${name} exited: ${code ?? signal}]`);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${log.join('\n')}`));
    });
  });
}

function stopServer(server) {
  if (!server || server.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => server.child.kill('SIGKILL'), 5000);
    server.child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    server.child.kill('SIGTERM');
  });
}

export function checkPrerequisites() {
  const missing = Object.entries(paths).filter(([, p]) => !existsSync(p));
  if (missing.length) {
    throw new Error(
      `missing: ${missing.map(([k, p]) => `${k} (${p})`).join(', ')}; run scripts/build and ` +
        'examples/chat/build.sh (tests/e2e/run.sh does both checks)',
    );
  }
}

// The whole stack. options.tokenDelay: the orchestrator's delay before each token;
// options.config and options.root replace the chat app's configuration file and dist/;
// options.tls = { certificate, key } (PEM files) opens edgewatch's HTTPS listener on
// 127.0.0.1:0 as well, whose origin is then stack.httpsUrl.
export async function startStack(options = {}) {
  checkPrerequisites();
  const workdir = mkdtempSync(path.join(tmpdir(), 'edgewatch-e2e-'));
  const token = randomBytes(24).toString('hex');
  const stack = { workdir, token, servers: [] };
  try {
    const orchestrator = await startServer('orchestrator', paths.orchestrator, [
      '--listen',
      '127.0.0.1:0',
      '--token-delay',
      options.tokenDelay || '40ms',
    ]);
    stack.servers.push(orchestrator);
    const edgewatch = await startServer(
      'edgewatch',
      paths.edgewatch,
      [
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--config',
        options.config || path.join(repo, 'examples/chat/edgewatch.toml'),
        '--root',
        options.root || paths.dist,
        '--upstream',
        orchestrator.url,
      ],
      {
        cwd: workdir,
        env: {
          EDGEWATCH_ADMIN_TOKEN: token,
          EDGEWATCH_STORAGE_DATA_DIR: workdir,
          EDGEWATCH_LOG_ACCESS: 'off',
          ...(options.tls && {
            EDGEWATCH_TLS_LISTEN: '127.0.0.1:0',
            EDGEWATCH_TLS_CERTIFICATES: options.tls.certificate,
            EDGEWATCH_TLS_KEYS: options.tls.key,
          }),
          ...options.env,
        },
      },
    );
    stack.servers.push(edgewatch);
    stack.url = edgewatch.url;
    stack.httpsUrl = edgewatch.httpsUrl;
    if (options.tls && !stack.httpsUrl) {
      throw new Error(`edgewatch reported no https listener:\n${edgewatch.log.join('\n')}`);
    }
    stack.edgewatch = edgewatch;
    stack.orchestrator = orchestrator;
  } catch (e) {
    await stopStack(stack);
    throw e;
  }
  return stack;
}

export async function stopStack(stack) {
  if (!stack) return;
  for (const server of stack.servers.reverse()) await stopServer(server);
  rmSync(stack.workdir, { recursive: true, force: true });
}

// GET on edgewatch's query API with the bearer token; { status, body }.
export async function queryApi(stack, pathAndQuery) {
  const response = await fetch(`${stack.url}/_edgewatch/api/${pathAndQuery}`, {
    headers: { Authorization: `Bearer ${stack.token}` },
  });
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

// Polls fn until it returns a truthy value or the time is up; returns the last value.
export async function poll(fn, { timeout = 15000, interval = 250 } = {}) {
  const end = Date.now() + timeout;
  let value;
  while (Date.now() < end) {
    value = await fn();
    if (value) return value;
    await sleep(interval);
  }
  return value;
}

// Debian's chromium, headless, in a fresh profile directory. options.args: more switches.
export async function launchBrowser(options = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'edgewatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: paths.chromium,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.args || []),
    ],
    viewport: { width: 1100, height: 720 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Collects what the page says is wrong: console errors, uncaught exceptions, CSP violations.
export function watchPage(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  return problems;
}

export function screenshotPath(name) {
  mkdirSync(artifacts, { recursive: true });
  return path.join(artifacts, name);
}

// Opens a dashboard session in the browser context the way the sign-in form does (POST
// /_edgewatch/login with the admin token); the cookie it sets is the context's, so the next page
// load of /_edgewatch/ is the signed-in dashboard, with nothing of it loaded or cached before.
export async function signInToDashboard(page, stack) {
  const response = await page.context().request.post(`${stack.url}/_edgewatch/login`, {
    data: { token: stack.token },
  });
  if (response.status() !== 200) {
    throw new Error(`dashboard sign-in: ${response.status()} ${await response.text()}`);
  }
}
