// The seed document's own browser client (tests/e2e/seed/: productionMonitoring.ts and the
// environment manager it imports, copied verbatim) bundled with esbuild and run in Chromium
// against edgewatch: what it posts to /api/monitoring/errors, /api/monitoring/metrics and
// /api/analytics/events must be accepted as it is, grouped by edgewatch's rules (not the
// client's colliding generated fingerprint), and its self-reporting loop dropped and counted.
// That loop never starts in Chromium against edgewatch (its answers are no-store and the client
// never reads them, so Chromium records no timing of them); a last test runs it through a proxy
// that makes the answers no-cache.
//
// Everything the code expects from its build (import.meta.env, __APP_VERSION__ and friends,
// process.env, the old web-vitals API) comes from esbuild's define and alias: see
// seed/README.md. The page is served by edgewatch from a temporary root, with external scripts
// only, under edgewatch's default Content-Security-Policy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import {
  launchBrowser,
  poll,
  queryApi,
  screenshotPath,
  sleep,
  startStack,
  stopStack,
  watchPage,
} from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const seedDir = path.join(here, 'seed');
const SEED_FILES = ['src/config/environment.ts', 'src/services/productionMonitoring.ts'];

const RELEASE = 'seed-e2e@1.4.2';
const ENVIRONMENT = 'e2e';
const USER = 'user-42';
const INGEST_PATHS = ['/api/monitoring/errors', '/api/monitoring/metrics', '/api/analytics/events'];

// The app around the client, as an app uses it: it names the signed-in user, tracks a click,
// and hands every uncaught error to the client's public reportError (the client installs no
// global handler of its own). Two different bugs, both "TypeError: Cannot read properties of
// undefined", for which the client's generated fingerprint is the same.
const APP_SCRIPT = `import { productionMonitoring } from './src/services/productionMonitoring';

productionMonitoring.setUser(${JSON.stringify(USER)});

window.addEventListener('error', (event) => {
  productionMonitoring.reportError({
    error: event.error,
    context: { ...productionMonitoring.getSessionInfo(), component: 'drafts' },
  });
});

// A real bug: there is no draft until something was typed.
function saveDraft(draft) {
  return draft.title.trim();
}

// Another one elsewhere: the settings are not loaded yet.
function applyTheme(settings) {
  document.body.dataset.theme = settings.theme.name;
}

document.querySelector('#save').addEventListener('click', () => {
  productionMonitoring.trackEvent({ name: 'draft_save_clicked', properties: { from: 'toolbar' } });
  saveDraft(window.currentDraft);
});
document.querySelector('#theme').addEventListener('click', () => applyTheme(window.userSettings));
document.querySelector('#session').textContent = productionMonitoring.getSessionInfo().sessionId;
document.querySelector('#status').textContent = 'ready';
`;

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Seed monitoring client against edgewatch</title>
<link rel="icon" href="data:,">
<script type="module" src="/app.js"></script>
</head>
<body style="font: 16px system-ui, sans-serif; margin: 2rem; max-width: 46rem">
<h1>Drafts</h1>
<p style="font-size: 20px; line-height: 1.5">The seed document's productionMonitoring.ts, bundled
unchanged, reports this page's errors, web vitals, resource timings and analytics events to the
edgewatch that serves it. Save a draft before typing one, or apply a theme before the settings
have loaded, and the page throws.</p>
<p><button id="save" type="button">Save draft</button>
<button id="theme" type="button">Apply theme</button></p>
<p>Status: <span id="status">loading</span> &middot; session <code id="session"></code></p>
</body>
</html>
`;

// The seed files must be the seed's: seed/README.md records their digests.
function checkSeedFiles() {
  const readme = readFileSync(path.join(seedDir, 'README.md'), 'utf8');
  for (const file of SEED_FILES) {
    const digest = createHash('sha256')
      .update(readFileSync(path.join(seedDir, file)))
      .digest('hex');
    assert.ok(
      readme.includes(`| \`${file}\` |`) && readme.includes(digest),
      `${file} differs from the seed document (SHA-256 ${digest} is not in seed/README.md)`,
    );
  }
}

// What a Vite production build of the seed app would inline, with edgewatch's origin as the API.
async function bundle(origin) {
  const env = {
    MODE: 'production',
    BASE_URL: '/',
    PROD: true,
    DEV: false,
    SSR: false,
    VITE_API_URL: `${origin}/api`,
    VITE_WS_URL: `${origin.replace(/^http/, 'ws')}/api/ws`,
    VITE_ENABLE_ANALYTICS: 'true',
    VITE_ENABLE_ERROR_TRACKING: 'true',
    VITE_LOG_LEVEL: 'info',
    VITE_ENABLE_PERF_MONITORING: 'true',
    VITE_PERF_SAMPLE_RATE: '1.0',
    VITE_ENABLE_WEB_VITALS: 'true',
  };
  const result = await esbuild.build({
    stdin: { contents: APP_SCRIPT, resolveDir: seedDir, sourcefile: 'app.js', loader: 'js' },
    absWorkingDir: here, // where the alias below is resolved: tests/e2e/node_modules
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome110',
    write: false,
    outfile: 'app.js',
    logLevel: 'silent',
    define: {
      'import.meta.env': JSON.stringify(env),
      __APP_VERSION__: JSON.stringify(RELEASE),
      __BUILD_DATE__: JSON.stringify('2025-01-01T00:00:00.000Z'),
      __DEPLOYMENT_ENV__: JSON.stringify(ENVIRONMENT),
      'process.env.VITE_GA_TRACKING_ID': '""',
      'process.env.VITE_SENTRY_DSN': '""',
    },
    alias: { 'web-vitals': 'web-vitals-3' },
  });
  assert.deepEqual(result.warnings, [], 'esbuild warnings');
  return result.outputFiles[0].text;
}

// A reverse proxy in front of edgewatch that changes one thing: the ingestion answers'
// Cache-Control "no-store" becomes "no-cache". Everything else (method, headers, bodies,
// statuses) passes through as it is.
async function startCacheControlProxy(target) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
        agent,
      },
      (answer) => {
        const headers = { ...answer.headers };
        const { pathname } = new URL(req.url, target);
        if (INGEST_PATHS.includes(pathname) && headers['cache-control'] === 'no-store') {
          headers['cache-control'] = 'no-cache';
        }
        res.writeHead(answer.statusCode, headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close() {
      server.closeAllConnections();
      agent.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const SAVE_ERROR = "TypeError: Cannot read properties of undefined (reading 'title')";
const THEME_ERROR = "TypeError: Cannot read properties of undefined (reading 'theme')";

describe('the seed client, unchanged, against edgewatch', { timeout: 120_000 }, () => {
  let dir;
  let stack;
  let browser;
  let page;
  let problems;
  const answers = new Map(); // "METHOD path status" -> count, for every response the page got
  const posted = { errors: [], events: [] }; // bodies the client sent, with their answers
  const ingestCacheControl = new Set(); // Cache-Control of the ingestion answers

  const count = (key) => answers.set(key, (answers.get(key) || 0) + 1);
  const ingestStats = async () => (await queryApi(stack, 'ingest/stats')).body;

  before(async () => {
    checkSeedFiles();
    dir = mkdtempSync(path.join(tmpdir(), 'edgewatch-e2e-seed-'));
    const root = path.join(dir, 'site');
    mkdirSync(root);
    writeFileSync(path.join(root, 'index.html'), INDEX_HTML);
    const config = path.join(dir, 'edgewatch.toml');
    // Defaults throughout: the default CSP, the seed endpoints where the seed posts,
    // drop_self_timings on; /api/ itself goes to the orchestrator (--upstream).
    writeFileSync(config, '# seed.test.js: edgewatch defaults\n');
    stack = await startStack({ config, root });

    // The bundle needs edgewatch's origin, known once it listens: write it, then reload the
    // static snapshot (SIGHUP) and wait until it is served.
    writeFileSync(path.join(root, 'app.js'), await bundle(stack.url));
    stack.edgewatch.child.kill('SIGHUP');
    const served = await poll(async () => {
      const r = await fetch(`${stack.url}/app.js`);
      const text = await r.text();
      return r.status === 200 && text.includes('getTTFB') ? r : null;
    });
    assert.ok(served, '/app.js is served after the reload');
    assert.match(served.headers.get('content-type'), /javascript/);

    browser = await launchBrowser();
  });

  after(async () => {
    if (page) await page.close().catch(() => {});
    if (browser) await browser.close();
    await stopStack(stack);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Two bugs behind one generated fingerprint: one issue each, the twice-thrown one counted 2.
  test('an error thrown twice is one issue of count 2, another error its own', async (t) => {
    page = await browser.context.newPage();
    problems = watchPage(page);
    page.on('response', (response) => {
      const request = response.request();
      const { pathname } = new URL(request.url());
      count(`${request.method()} ${pathname} ${response.status()}`);
      if (INGEST_PATHS.includes(pathname)) {
        ingestCacheControl.add(response.headers()['cache-control']);
      }
      if (pathname === '/api/monitoring/errors') {
        posted.errors.push({ body: JSON.parse(request.postData()), status: response.status() });
      } else if (pathname === '/api/analytics/events') {
        posted.events.push({ body: JSON.parse(request.postData()), status: response.status() });
      }
    });
    page.on('requestfailed', (request) => {
      count(`${request.method()} ${new URL(request.url()).pathname} failed`);
    });

    const response = await page.goto(`${stack.url}/`);
    assert.equal(response.status(), 200);
    await page
      .locator('#status', { hasText: 'ready' })
      .waitFor({ timeout: 20000 })
      .catch((e) => assert.fail(`the page did not start: ${e.message}\n${problems.join('\n')}`));
    const sessionId = await page.locator('#session').textContent();
    assert.match(sessionId, /^session-\d+-[a-z0-9]+$/);

    await page.click('#save');
    await page.click('#save');
    await page.click('#theme');
    await poll(() => posted.errors.length >= 3 && posted.events.length >= 2);

    // The page itself: nothing wrong but the three thrown errors (no CSP violation, no failed
    // module, no "Failed to send ..." warning turned error).
    assert.deepEqual(
      problems.filter((p) => !p.startsWith('uncaught: ')),
      [],
      'nothing but the thrown errors',
    );
    assert.equal(problems.length, 3, problems.join('\n'));

    // What the client sent: its own payloads, accepted as they are.
    assert.equal(posted.errors.length, 3, JSON.stringify(posted.errors));
    for (const { body, status } of posted.errors) {
      assert.equal(status, 200, `POST /api/monitoring/errors ${JSON.stringify(body)}`);
      assert.deepEqual(
        Object.keys(body).sort(),
        ['context', 'fingerprint', 'message', 'sessionId', 'stack', 'timestamp', 'userId'],
      );
      assert.equal(body.sessionId, sessionId);
      assert.equal(body.userId, USER);
    }
    // The trap: the client's btoa(...).slice(0, 32) covers "TypeError-Cannot read pr" only.
    const fingerprints = new Set(posted.errors.map((e) => e.body.fingerprint));
    assert.equal(fingerprints.size, 1, `one fingerprint for both bugs: ${[...fingerprints]}`);
    assert.equal(atob([...fingerprints][0]), 'TypeError-Cannot read pr');
    for (const { body, status } of posted.events) {
      assert.equal(status, 200, `POST /api/analytics/events ${JSON.stringify(body)}`);
      assert.equal(body.name, 'draft_save_clicked');
    }

    const list = async () =>
      (await queryApi(stack, 'issues?project=0&limit=100')).body.items || [];
    await poll(async () => {
      const issues = await list();
      return (
        issues.some((i) => i.title === SAVE_ERROR && i.count >= 2) &&
        issues.some((i) => i.title === THEME_ERROR)
      );
    });
    const issues = await list();
    const summary = JSON.stringify(
      issues.map((i) => `${i.title} | ${i.culprit} | ${i.count} | ${i.fingerprint}`),
    );
    t.diagnostic(summary);

    const save = issues.filter((i) => i.title === SAVE_ERROR);
    assert.equal(save.length, 1, `exactly one issue for the save bug: ${summary}`);
    const issue = save[0];
    assert.equal(issue.count, 2, summary);
    assert.equal(issue.type, 'TypeError');
    assert.equal(issue.culprit, 'saveDraft(app)');
    assert.equal(issue.project, 0);
    assert.equal(issue.status, 'unresolved');
    assert.equal(issue.users, 1);
    assert.equal(issue.sessions, 1);
    assert.deepEqual(issue.releases, [RELEASE], 'the release from context.version');
    assert.deepEqual(issue.environments, [ENVIRONMENT], 'the environment from the context');
    const theme = issues.filter((i) => i.title === THEME_ERROR);
    assert.equal(theme.length, 1, `the theme bug is an issue of its own: ${summary}`);
    assert.equal(theme[0].count, 1);
    assert.equal(theme[0].culprit, 'applyTheme(app)');
    assert.notEqual(theme[0].fingerprint, issue.fingerprint);
    assert.equal(issues.length, 2, summary);

    const { status, body: detail } = await queryApi(stack, `issues/${issue.id}`);
    assert.equal(status, 200);
    const event = detail.latest_event;
    assert.ok(event, 'the issue has a latest event');
    assert.equal(event.page, '/', 'the page from the Referer');
    assert.equal(event.release, RELEASE);
    t.diagnostic(`grouping: ${JSON.stringify(event.detail?.grouping)}`);
    // Grouped by its exception and frames: the client's fingerprint was recognised as generated.
    const grouping = event.detail?.grouping || {};
    assert.equal(grouping.kind, 'exception', JSON.stringify(event.detail));
    assert.ok(grouping.components.includes('type:TypeError'), JSON.stringify(grouping));
    assert.ok(grouping.components.includes('frame:app:saveDraft'), JSON.stringify(grouping));

    const events = await poll(async () => {
      const rows = (await queryApi(stack, 'events?name=draft_save_clicked')).body.items || [];
      return rows.reduce((n, r) => n + r.count, 0) >= 2 ? rows : null;
    });
    assert.ok(events, 'the two clicks as analytics events');
    assert.equal(events.reduce((n, r) => n + r.unique_sessions, 0), 1);
  });

  test("the page's web vitals, LCP after the interaction", async (t) => {
    const wanted = ['FCP', 'TTFB', 'LCP'];
    const rows = async () =>
      (await queryApi(stack, 'vitals?group_by=page,release')).body.items || [];
    await poll(async () => {
      const metrics = new Set((await rows()).map((r) => r.metric));
      return wanted.every((m) => metrics.has(m));
    });
    const vitals = await rows();
    for (const row of vitals) {
      t.diagnostic(`${row.metric} p75 ${row.p75} ${row.unit} n=${row.count} ${row.page}`);
    }
    for (const metric of wanted) {
      const row = vitals.find((r) => r.metric === metric);
      assert.ok(row, `${metric} from its web_vitals.${metric}: ${JSON.stringify(vitals)}`);
      assert.equal(row.count, 1);
      assert.equal(row.page, '/');
      assert.equal(row.release, RELEASE);
      assert.ok(row.p75 >= 0, `${metric} p75 ${row.p75}`);
    }
  });

  // The loop needs a resource timing of each of the client's own POSTs, and the client never
  // reads an answer's body. Chromium records no resource timing for a fetch whose answer is
  // Cache-Control: no-store until its body is read (it does for no-cache, private or no header),
  // and edgewatch's ingestion answers are no-store: against edgewatch directly the loop never
  // starts in Chromium. If that changes (a Chromium that times unread bodies, an answer without
  // no-store), this test says so; the next one runs the loop on purpose.
  test('in Chromium the loop does not start: no-store answers, never read', async (t) => {
    const metricPosts = () => answers.get('POST /api/monitoring/metrics 200') || 0;
    const first = await ingestStats();
    const postsBefore = metricPosts();
    await sleep(3000); // the observation window is the test: the page stays open, nothing grows
    const second = await ingestStats();
    t.diagnostic(
      `in 3 s: ${metricPosts() - postsBefore} metric posts, dropped_self_timings ` +
        `${first.dropped_self_timings} -> ${second.dropped_self_timings}`,
    );
    assert.equal(first.dropped_self_timings, second.dropped_self_timings);
    assert.equal(metricPosts(), postsBefore, 'the open page posts nothing by itself');
    assert.equal(second.dropped_self_timings, 0, 'no timing of its own POSTs was ever sent');
    assert.deepEqual([...ingestCacheControl], ['no-store'], 'why no loop starts in Chromium');
    await page.screenshot({ path: screenshotPath('seed-page.png') });

    assert.equal((await fetch(`${stack.url}/health`)).status, 200);
    const tally = [...answers].sort(([a], [b]) => a.localeCompare(b));
    await page.close();
    page = null;
    for (const [key, n] of tally) t.diagnostic(`${key}: ${n}`);
    assert.deepEqual(
      tally.filter(([key]) => !/ 200$/.test(key)),
      [],
      'every request of the page answered 200 (no 5xx, no failed request)',
    );
  });

  // The loop as it runs where the answers' timings are recorded: the same page through a proxy
  // that only turns the ingestion answers' "no-store" into "no-cache" (as a CDN or a front
  // nginx that sets Cache-Control could). Every timing of the client's own POSTs is posted again
  // at once, forever; edgewatch must drop each one, count it, answer it, and store none.
  test('behind a proxy that makes them no-cache, the loop runs, dropped and counted', async (t) => {
    const proxy = await startCacheControlProxy(stack.url);
    const loopPage = await browser.context.newPage();
    const loopProblems = watchPage(loopPage);
    const seen = new Map();
    let selfPosts = 0; // posts of a timing of the client's own POSTs, answered 200
    let selfSent = 0;
    const isSelfTiming = (request) => {
      if (new URL(request.url()).pathname !== '/api/monitoring/metrics') return false;
      const body = JSON.parse(request.postData());
      return (
        body.name.startsWith('performance.resource.') &&
        body.tags?.entryType === 'resource' &&
        INGEST_PATHS.includes(new URL(body.tags.name).pathname)
      );
    };
    loopPage.on('request', (request) => {
      if (isSelfTiming(request)) selfSent++;
    });
    loopPage.on('response', (response) => {
      const request = response.request();
      const key = `${request.method()} ${new URL(request.url()).pathname} ${response.status()}`;
      seen.set(key, (seen.get(key) || 0) + 1);
      if (response.status() === 200 && isSelfTiming(request)) selfPosts++;
    });
    loopPage.on('requestfailed', (request) => {
      const key = `${request.method()} ${new URL(request.url()).pathname} failed`;
      seen.set(key, (seen.get(key) || 0) + 1);
    });
    try {
      const before = await ingestStats();
      await loopPage.goto(`${proxy.url}/`);
      await loopPage.locator('#status', { hasText: 'ready' }).waitFor({ timeout: 20000 });
      // Started by the page load's own posts (navigation timing, FCP, TTFB); no click needed.
      assert.ok(await poll(() => selfPosts > 0), 'the loop starts');
      const first = await ingestStats();
      await sleep(3000); // the observation window: how fast the loop grows in 3 s
      const second = await ingestStats();
      const tally = [...seen].sort(([a], [b]) => a.localeCompare(b));
      await loopPage.close();
      // What was in flight is answered: wait until the counts stop moving.
      let after = await ingestStats();
      await poll(async () => {
        const now = await ingestStats();
        const still =
          now.dropped_self_timings === after.dropped_self_timings &&
          now.rate_limited === after.rate_limited;
        after = now;
        return still;
      });
      t.diagnostic(
        `dropped_self_timings ${first.dropped_self_timings} -> ${second.dropped_self_timings} ` +
          `in 3 s; in all ${after.dropped_self_timings - before.dropped_self_timings} dropped, ` +
          `${selfPosts} answered 200 of ${selfSent} sent; rate_limited ` +
          `${after.rate_limited - before.rate_limited}`,
      );
      for (const [key, n] of tally) t.diagnostic(`${key}: ${n}`);

      assert.ok(
        second.dropped_self_timings - first.dropped_self_timings >= 20,
        'the counter grows while the page stays open',
      );
      const dropped = after.dropped_self_timings - before.dropped_self_timings;
      assert.ok(dropped >= selfPosts, `each answered one counted: ${dropped} < ${selfPosts}`);
      // Closing the page cuts the loop's few chains (one per post that started one) mid-flight:
      // their last posts can reach edgewatch after Playwright stopped reporting the page's events.
      assert.ok(dropped <= selfSent + 10, `only self timings counted: ${dropped} > ${selfSent}+10`);
      assert.deepEqual(
        tally.filter(([key]) => / (5\d\d|failed)$/.test(key)),
        [],
        'no 5xx answer and no failed request',
      );
      assert.deepEqual(loopProblems, []);

      const { body: metrics } = await queryApi(stack, 'metrics?prefix=performance.&limit=500');
      const stored = (metrics.items || []).filter((m) =>
        INGEST_PATHS.some((p) => m.name.includes(p)),
      );
      assert.deepEqual(stored, [], "no timing of edgewatch's own endpoints is stored");
      assert.equal((await fetch(`${stack.url}/health`)).status, 200);
      const { status } = await queryApi(stack, 'issues?limit=1');
      assert.equal(status, 200, 'the query API still answers');
    } finally {
      await loopPage.close().catch(() => {});
      await proxy.close();
    }
  });
});
