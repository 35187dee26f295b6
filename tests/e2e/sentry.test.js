// The official Sentry browser SDK (@sentry/browser from npm, unchanged) pointed at edgewatch: a
// small page served by edgewatch itself initialises it with a DSN of edgewatch's, throws the
// same real error twice, and the test reads the issue back through the query API and the
// dashboard. Whatever the SDK sends must be accepted as it is.
//
// The npm package ships ES modules only (the prebuilt bundles are on Sentry's CDN, not in the
// package), so the page loads the SDK's own files from node_modules/ through an import map.
// Chromium reads import maps only inline, and edgewatch's default Content-Security-Policy allows
// no inline script: the test's configuration keeps that policy and adds the import map's SHA-256
// to script-src, which allows that one inline text and nothing else.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  launchBrowser,
  paths,
  poll,
  queryApi,
  screenshotPath,
  signInToDashboard,
  startStack,
  stopStack,
  watchPage,
} from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const PROJECT = 7;
const PUBLIC_KEY = randomBytes(16).toString('hex');
const RELEASE = 'sentry-e2e@1.0.0';
const ENVELOPE_PATH = `/_edgewatch/sentry/api/${PROJECT}/envelope/`;

// The entry of a package.json "exports" value for a browser importing ES modules, in the order
// Node and bundlers apply conditions (the first key of the object that is a known condition).
function exportTarget(value) {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(exportTarget).find(Boolean) || null;
  if (value && typeof value === 'object') {
    for (const [condition, target] of Object.entries(value)) {
      if (['browser', 'import', 'module', 'default'].includes(condition)) {
        const found = exportTarget(target);
        if (found) return found;
      }
    }
  }
  return null;
}

// Copies @sentry/browser and its dependencies (ES modules only) to root/node_modules/ and returns
// the import map that resolves their bare specifiers as a bundler would, and the SDK's version.
function vendorSdk(root) {
  const imports = {};
  const versions = {};
  const visit = (name) => {
    if (name in versions) return;
    // npm installs them side by side; a nested copy would need the import map's scopes.
    const dir = path.join(here, 'node_modules', name);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    versions[name] = pkg.version;
    cpSync(dir, path.join(root, 'node_modules', name), {
      recursive: true,
      filter: (src) => !/(\.map|\.d\.[cm]?ts|\.cjs|[\\/]cjs)$/.test(src),
    });
    // "exports" is a map of subpaths ("." and "./x") or, without them, the conditions of ".".
    let exports = pkg.exports ?? pkg.module ?? pkg.main ?? './index.js';
    if (typeof exports !== 'object' || !Object.keys(exports).every((k) => k.startsWith('.'))) {
      exports = { '.': exports };
    }
    for (const [subpath, value] of Object.entries(exports)) {
      const target = exportTarget(value);
      if (!target || subpath.includes('*') || !/\.m?js$/.test(target)) continue;
      imports[path.posix.join(name, subpath)] = `/${path.posix.join('node_modules', name, target)}`;
    }
    for (const dependency of Object.keys(pkg.dependencies || {})) visit(dependency);
  };
  visit('@sentry/browser');
  return { imports, version: versions['@sentry/browser'] };
}

const PAGE_SCRIPT = `import * as Sentry from '@sentry/browser';

Sentry.init({
  dsn: new URLSearchParams(location.search).get('dsn'),
  release: ${JSON.stringify(RELEASE)},
  environment: 'e2e',
  integrations: [Sentry.browserTracingIntegration()],
  tracesSampleRate: 1.0,
});

// A real bug: the draft is missing when nothing was typed yet.
function saveDraft(draft) {
  return draft.title.trim();
}

function loadDraft() {
  throw new Error('Draft store is offline');
}

document.querySelector('#save').addEventListener('click', () => saveDraft(window.currentDraft));
document.querySelector('#load').addEventListener('click', () => loadDraft());
document.querySelector('#status').textContent = 'ready';
`;

function writeSite(root, importMap) {
  const importMapText = JSON.stringify(importMap);
  const hash = createHash('sha256').update(importMapText).digest('base64');
  writeFileSync(
    path.join(root, 'index.html'),
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sentry SDK against edgewatch</title>
<link rel="icon" href="data:,">
<script type="importmap">${importMapText}</script>
<script type="module" src="/app.js"></script>
</head>
<body style="font: 16px system-ui, sans-serif; margin: 2rem">
<h1>Sentry SDK against edgewatch</h1>
<p><button id="save" type="button">Save draft</button>
<button id="load" type="button">Load draft</button></p>
<p>Status: <span id="status">loading</span></p>
</body>
</html>
`,
  );
  writeFileSync(path.join(root, 'app.js'), PAGE_SCRIPT);

  const config = path.join(root, '..', 'edgewatch.toml');
  writeFileSync(
    config,
    `[[sentry.projects]]
id = ${PROJECT}
public_key = "${PUBLIC_KEY}"
name = "e2e"
`,
  );
  // edgewatch's own default policy, as check-config prints it, plus the import map's hash.
  const effective = execFileSync(paths.edgewatch, ['check-config', config], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const policy = JSON.parse(/^content_security_policy = (".*?")\s+#/m.exec(effective)[1]);
  assert.match(policy, /script-src 'self';/);
  const csp = policy.replace("script-src 'self';", `script-src 'self' 'sha256-${hash}';`);
  appendFileSync(config, `\n[static]\ncontent_security_policy = ${JSON.stringify(csp)}\n`);
  return config;
}

const SAVE_ERROR = "TypeError: Cannot read properties of undefined (reading 'title')";
const LOAD_ERROR = 'Error: Draft store is offline';

describe('the official Sentry browser SDK against edgewatch', { timeout: 120_000 }, () => {
  let dir;
  let stack;
  let browser;
  let sdkVersion;
  let page;
  // What the SDK sent. Its fetches never read the answers' bodies, and Chromium never reports
  // such a request finished when the answer is Cache-Control: no-store (Playwright calls it
  // aborted once the page goes): each request's response status is what counts.
  const requests = [];
  const carries = (request, type) => (request.postData() || '').includes(`\n{"type":"${type}"`);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'edgewatch-e2e-sentry-'));
    const root = path.join(dir, 'site');
    const { imports, version } = vendorSdk(root);
    sdkVersion = version;
    const config = writeSite(root, { imports });
    stack = await startStack({ config, root });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    await stopStack(stack);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an error thrown twice is one issue with two events and a stack trace', async (t) => {
    t.diagnostic(`@sentry/browser ${sdkVersion}`);
    page = await browser.context.newPage();
    const problems = watchPage(page);
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('request', (request) => {
      if (!new URL(request.url()).pathname.startsWith('/_edgewatch/sentry/')) return;
      requests.push(request);
      // EW_CAPTURE_DIR=dir keeps each envelope the SDK sent: how tests/fixtures/sentry/ gets
      // envelopes captured from the real SDK.
      if (process.env.EW_CAPTURE_DIR) {
        mkdirSync(process.env.EW_CAPTURE_DIR, { recursive: true });
        const name = `envelope-${String(requests.length).padStart(2, '0')}.txt`;
        writeFileSync(path.join(process.env.EW_CAPTURE_DIR, name), request.postData() || '');
      }
    });

    const { port } = new URL(stack.url);
    const dsn = `http://${PUBLIC_KEY}@127.0.0.1:${port}/_edgewatch/sentry/${PROJECT}`;
    const response = await page.goto(`${stack.url}/?dsn=${encodeURIComponent(dsn)}`);
    assert.equal(response.status(), 200);
    await page
      .locator('#status', { hasText: 'ready' })
      .waitFor({ timeout: 20000 })
      .catch((e) => assert.fail(`the page did not start: ${e.message}\n${problems.join('\n')}`));

    // Save, Load, Save: the SDK's Dedupe integration drops an event equal to the one it sent
    // last (a double click's second error), so another error comes between the two saves.
    await page.click('#save');
    await page.click('#load');
    await page.click('#save');
    await page.screenshot({ path: screenshotPath('sentry-page.png') });
    assert.deepEqual(
      problems.filter((p) => !p.startsWith('uncaught: ')),
      [],
      'nothing but the thrown errors (no CSP violation, no module that failed to load)',
    );
    assert.equal(problems.filter((p) => p.includes("reading 'title'")).length, 2);

    const list = async () =>
      (await queryApi(stack, `issues?project=${PROJECT}&limit=100`)).body.items || [];
    await poll(async () => (await list()).some((i) => i.title === SAVE_ERROR && i.count >= 2));
    const issues = await list();
    const summary = JSON.stringify(issues.map((i) => `${i.title} | ${i.culprit} | ${i.count}`));
    const sent = await Promise.all(
      requests.map(async (r) => `${(await r.response())?.status()} ${r.postData()?.slice(0, 400)}`),
    );
    assert.ok(issues.length > 0, `no issue arrived; the SDK sent:\n${sent.join('\n')}`);

    const save = issues.filter((i) => i.title === SAVE_ERROR);
    assert.equal(save.length, 1, `one issue for the save error: ${summary}`);
    const issue = save[0];
    assert.equal(issue.count, 2, summary);
    assert.equal(issue.culprit, 'saveDraft(app)');
    assert.equal(issue.type, 'TypeError');
    assert.equal(issue.project, PROJECT);
    assert.equal(issue.status, 'unresolved');
    assert.deepEqual(issue.releases, [RELEASE]);
    assert.deepEqual(issue.environments, ['e2e']);
    const load = issues.filter((i) => i.title === LOAD_ERROR);
    assert.equal(load.length, 1, `the load error is an issue of its own: ${summary}`);
    assert.equal(load[0].count, 1);
    assert.equal(issues.length, 2, summary);

    const { status, body: detail } = await queryApi(stack, `issues/${issue.id}`);
    assert.equal(status, 200);
    const event = detail.latest_event;
    assert.ok(event, 'the issue has a latest event');
    assert.equal(event.title, SAVE_ERROR);
    assert.equal(event.release, RELEASE);
    assert.equal(event.page, '/');
    assert.equal(event.detail.sdk.name, 'sentry.javascript.browser');
    assert.equal(event.detail.sdk.version, sdkVersion);
    const exception = (event.detail.exception || []).at(-1);
    const frames = exception?.frames || [];
    assert.ok(frames.length > 0, `a stack trace: ${JSON.stringify(event.detail)}`);
    assert.equal(exception.type, 'TypeError');
    const top = frames.at(-1); // oldest first, as Sentry orders them: the last is where it threw
    assert.equal(top.function, 'saveDraft', `the newest frame: ${JSON.stringify(top)}`);
    assert.equal(new URL(top.filename).pathname, '/app.js');
    assert.ok(top.lineno > 0 && top.colno > 0, 'with its line and column');
    assert.equal(top.in_app, true);
    const clicks = event.detail.breadcrumbs.filter((b) => b.category === 'ui.click');
    assert.ok(clicks.some((b) => b.message.includes('#save')), 'the click is a breadcrumb');
  });

  test('every envelope the SDK sent, the page load spans too, was answered 200', async (t) => {
    // With browserTracingIntegration the SDK streams the page load's spans (one span item
    // holding them all) once the page has been idle for a moment.
    const segment = (r) => carries(r, 'span') && r.postData().includes('"is_segment":true');
    await poll(() => requests.some(segment), { timeout: 20000 });
    await page.goto('about:blank'); // page hide: the SDK flushes what it holds
    const sent = [];
    for (const request of requests) {
      const answer = await request.response();
      const body = request.postData() || '';
      sent.push({
        method: request.method(),
        url: request.url(),
        status: answer ? answer.status() : `no answer: ${request.failure()?.errorText}`,
        items: body.split('\n').flatMap((line) => /^\{"type":"([^"]+)"/.exec(line)?.[1] || []),
        cors: answer ? (await answer.allHeaders())['access-control-allow-origin'] : null,
        body: answer && answer.status() === 200 ? undefined : body.slice(0, 2000),
      });
    }
    for (const s of sent) {
      t.diagnostic(`${s.method} ${new URL(s.url).pathname} [${s.items.join(',')}] -> ${s.status}`);
    }
    assert.deepEqual(
      sent.filter((s) => s.status !== 200),
      [],
      'every request of the SDK answered 200',
    );
    assert.equal(sent.filter((s) => s.items.includes('event')).length, 3, 'three events');
    assert.ok(sent.some((s) => s.items.includes('session')), 'session updates');
    assert.ok(requests.some(segment), 'the page load span stream');
    for (const s of sent) {
      assert.equal(s.method, 'POST');
      assert.equal(new URL(s.url).pathname, ENVELOPE_PATH);
      assert.equal(new URL(s.url).searchParams.get('sentry_key'), PUBLIC_KEY);
      assert.equal(s.cors, '*');
    }
    // The segment carries browser.web_vital.{fcp,ttfb}.value, a ui.webvital.lcp span
    // browser.web_vital.lcp.value: each becomes a web-vital row for the page and release.
    const { body: vitals } = await queryApi(stack, 'vitals');
    const metrics = new Set((vitals.items || []).map((row) => row.metric));
    for (const metric of ['FCP', 'LCP', 'TTFB']) {
      assert.ok(metrics.has(metric), `${metric} from the SDK's spans: ${JSON.stringify(vitals)}`);
    }
    await page.close();
  });

  test('the dashboard lists the issue and shows its stack trace', async () => {
    const dashboard = await browser.context.newPage();
    const problems = watchPage(dashboard);
    await signInToDashboard(dashboard, stack);
    await dashboard.goto(`${stack.url}/_edgewatch/#/issues`);
    const row = dashboard.locator('tbody tr.link', { hasText: SAVE_ERROR });
    await row.waitFor({ timeout: 15000 });
    assert.match(await row.textContent(), /saveDraft/);
    await row.locator('a.issue-title').click();
    await dashboard.locator('.frames').waitFor({ timeout: 15000 });
    assert.match(await dashboard.locator('.frames').textContent(), /saveDraft/);
    await dashboard.screenshot({ path: screenshotPath('sentry-issue.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await dashboard.close();
  });
});
