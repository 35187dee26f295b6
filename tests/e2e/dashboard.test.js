// The dashboard at /_edgewatch/ in headless Chromium: sign in with the admin token, load every
// view with no console error, resolve an issue, sign out; screenshots of each view go to
// artifacts/, and to docs/screenshots/dashboard-<view>.png when EW_UPDATE_SCREENSHOTS=1 (a test
// run never rewrites tracked files on its own).
//
// Data: the chat app used for real (a reply over SSE and one over WebSocket, the error
// button), plus an hour of history sent the way the seed's client and CI send it (errors,
// web vitals, events, a time-to-first-token metric, two deployments).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  launchBrowser,
  poll,
  queryApi,
  repo,
  screenshotPath,
  sleep,
  startStack,
  stopStack,
  watchPage,
} from './harness.js';

const MINUTE = 60_000;

async function post(stack, pathname, body, headers = {}) {
  const response = await fetch(`${stack.url}${pathname}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${pathname}: ${response.status} ${text}`);
  return text;
}

// Deterministic pseudo-random numbers, so that screenshots are stable from run to run.
function rng(seed) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

async function seedHistory(stack) {
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const admin = { Authorization: `Bearer ${stack.token}` };
  await post(stack, '/_edgewatch/api/deployments', { deployment: { environment: 'production', version: '1.3.0', timestamp: iso(now - 48 * MINUTE) } }, admin);
  await post(stack, '/_edgewatch/api/deployments', { deployment: { environment: 'production', version: '1.4.0', timestamp: iso(now - 17 * MINUTE) } }, admin);

  const random = rng(7);
  const ua = { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' };
  const errors = [];
  const bugs = [
    { name: 'TypeError', message: "Cannot read properties of undefined (reading 'map')", fn: 'ProductList', chunk: 'index-4f3a9c1e', weight: 9 },
    { name: 'TypeError', message: "Cannot read properties of null (reading 'focus')", fn: 'SearchBox.onKeyDown', chunk: 'search-8d1b2c3a', weight: 4 },
    { name: 'RangeError', message: 'Maximum call stack size exceeded', fn: 'renderTree', chunk: 'tree-1a2b3c4d', weight: 2 },
    { name: 'Error', message: 'Chat stream closed before the first token', fn: 'readStream', chunk: 'chat-77aa1c0e', weight: 3 },
  ];
  for (let i = 0; i < 60; i++) {
    const at = now - 58 * MINUTE + i * MINUTE;
    for (const bug of bugs) {
      if (random() > bug.weight / 12) continue;
      const release = at < now - 17 * MINUTE ? '1.3.0' : '1.4.0';
      errors.push({
        message: bug.message,
        stack: `${bug.name}: ${bug.message}\n    at ${bug.fn} (https://app.example.com/assets/${bug.chunk}.js:${40 + i}:17)\n    at renderWithHooks (https://app.example.com/assets/vendor-0b1c2d3e.js:1:52310)\n    at commitRoot (https://app.example.com/assets/vendor-0b1c2d3e.js:1:98231)`,
        sessionId: `session-${Math.floor(random() * 40)}`,
        userId: `user-${Math.floor(random() * 25)}`,
        timestamp: iso(at),
        page: ['/products', '/search', '/chat'][i % 3],
        context: { release, environment: 'production', component: bug.fn },
      });
    }
  }
  await post(stack, '/api/monitoring/errors', errors.slice(0, 50), ua);
  if (errors.length > 50) await post(stack, '/api/monitoring/errors', errors.slice(50, 100), ua);

  // Web vitals as the seed's reportWebVital sends them, a little slower on /products in 1.3.0.
  const vitals = [];
  const pages = ['/', '/products', '/products/42', '/search', '/chat'];
  const base = { LCP: 1700, FCP: 1100, CLS: 0.04, INP: 120, TTFB: 380 };
  for (let i = 0; i < 240; i++) {
    const at = now - 58 * MINUTE + i * 14_000;
    const page = pages[i % pages.length];
    const release = at < now - 17 * MINUTE ? '1.3.0' : '1.4.0';
    for (const [name, b] of Object.entries(base)) {
      const slow = release === '1.3.0' && page.startsWith('/products') ? 1.7 : 1;
      const spread = name === 'CLS' ? 0.5 + random() * 2.2 : 0.55 + random() * random() * 2.6;
      const value = b * slow * spread;
      vitals.push({
        name: `web_vitals.${name}`,
        value: name === 'CLS' ? Number(value.toFixed(3)) : Math.round(value),
        unit: 'ms',
        page,
        tags: { id: `v4-${i}-${name}`, rating: 'good', sessionId: `session-${i % 40}`, userId: 'anonymous', environment: 'production', version: release },
        timestamp: iso(at),
      });
    }
  }
  for (let i = 0; i < vitals.length; i += 100) await post(stack, '/api/monitoring/metrics', vitals.slice(i, i + 100), ua);

  // Time to first token as the chat app reports it, and analytics events.
  const ttft = [];
  const events = [];
  for (let i = 0; i < 58; i++) {
    const at = now - 58 * MINUTE + i * MINUTE;
    ttft.push({ name: 'chat.time_to_first_token', value: Math.round(180 + random() * 140 + (i > 40 ? 60 : 0)), unit: 'ms', tags: { transport: i % 2 ? 'sse' : 'websocket', sessionId: `session-${i % 40}`, version: '1.4.0' }, timestamp: iso(at) });
    for (const [name, p] of [['page_view', 0.95], ['message_sent', 0.7], ['search', 0.4], ['add_to_cart', 0.25], ['checkout', 0.1]]) {
      const n = Math.floor(random() * 4 * p) + (random() < p ? 1 : 0);
      for (let k = 0; k < n; k++) events.push({ name, properties: { plan: k % 2 ? 'free' : 'pro' }, sessionId: `session-${(i + k) % 40}`, userId: `user-${k}`, timestamp: iso(at + k * 1000) });
    }
  }
  await post(stack, '/api/monitoring/metrics', ttft, ua);
  for (let i = 0; i < events.length; i += 100) await post(stack, '/api/analytics/events', events.slice(i, i + 100), ua);
}

const VIEWS = [
  { name: 'overview', hash: '#/', ready: '.service' },
  { name: 'issues', hash: '#/issues', ready: 'tbody tr.link' },
  { name: 'issue', hash: null, ready: '.frames' },
  { name: 'vitals', hash: '#/vitals', ready: '.vital .value.good, .vital .value.needs-improvement, .vital .value.poor' },
  { name: 'events', hash: '#/events', ready: 'td.mono' },
];

describe('dashboard', { timeout: 180_000 }, () => {
  let stack;
  let browser;
  let page;
  let problems;

  before(async () => {
    stack = await startStack({ env: { EDGEWATCH_DASHBOARD_SAMPLE_INTERVAL: '1s' } });
    await seedHistory(stack);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    // Real traffic through edgewatch: the chat app, one reply over SSE, one over WebSocket, and
    // the error button.
    await page.goto(`${stack.url}/`);
    for (const transport of ['sse', 'ws']) {
      await page.click(`[data-testid="transport-${transport}"]`);
      await page.fill('[data-testid="message-input"]', `hello over ${transport}`);
      await page.click('[data-testid="send"]');
      await page.locator('[data-testid="assistant-message"] .meta').nth(transport === 'sse' ? 0 : 1).waitFor({ timeout: 20000 });
    }
    await page.click('[data-testid="throw-error"]');
    await page.locator('[data-testid="notice"]').waitFor();
    await page.goto('about:blank'); // page hide: the SDK flushes its batches
    // A deployment now, as CI posts it: marked on the traffic charts too.
    await post(stack, '/_edgewatch/api/deployments', { deployment: { environment: 'production', version: '1.4.1', timestamp: new Date().toISOString() } }, { Authorization: `Bearer ${stack.token}` });
    await poll(async () => {
      const r = await queryApi(stack, 'issues?limit=100');
      return r.body.items && r.body.items.length >= 5;
    });
    problems = watchPage(page);
  });

  after(async () => {
    if (browser) await browser.close();
    await stopStack(stack);
  });

  test('signs in with the admin token and shows every view with no console error', async () => {
    const response = await page.goto(`${stack.url}/_edgewatch/`);
    assert.equal(response.status(), 200);
    await page.locator('.login input[name="token"]').waitFor();
    await page.screenshot({ path: screenshotPath('dashboard-login.png') });

    // A wrong token is refused in the form (the 401 is expected: not counted as a problem).
    await page.fill('.login input[name="token"]', 'not-the-token');
    await page.click('.login button[type="submit"]');
    await page.locator('.login .error:not(:empty)').waitFor();
    problems.length = 0;

    await page.fill('.login input[name="token"]', stack.token);
    await page.click('.login button[type="submit"]');
    await page.locator('.sidebar').waitFor();

    const cookies = await browser.context.cookies(`${stack.url}/_edgewatch/`);
    const session = cookies.find((c) => c.name === 'edgewatch_session');
    assert.ok(session, 'the session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/_edgewatch');
    assert.equal(await page.evaluate(() => document.cookie), '', 'the cookie is not readable by scripts');

    // Let the traffic history gather a few samples, with some requests to show.
    for (let i = 0; i < 30; i++) {
      await fetch(`${stack.url}/`).then((r) => r.text());
      if (i % 10 === 0) await fetch(`${stack.url}/no-such-page.js`).then((r) => r.text());
      await sleep(100); // pacing: the requests spread over several samples
    }

    const shots = process.env.EW_UPDATE_SCREENSHOTS === '1' ? path.join(repo, 'docs/screenshots') : null;
    if (shots) mkdirSync(shots, { recursive: true });
    for (const view of VIEWS) {
      if (view.hash) {
        await page.evaluate((hash) => (location.hash = hash), view.hash);
      } else {
        // The busiest issue's detail.
        await page.evaluate(() => (location.hash = '#/issues'));
        await page.locator('tbody tr.link').first().waitFor();
        await page.selectOption('select[aria-label="Sort"]', 'count');
        await page.waitForFunction(() => {
          const counts = [...document.querySelectorAll('tbody tr.link td.num:nth-child(3)')].map((td) => Number(td.textContent.replace(/,/g, '')));
          return counts.length > 1 && counts.every((c, i) => i === 0 || counts[i - 1] >= c);
        });
        await page.locator('tbody tr.link a.issue-title').first().click();
      }
      await page.locator(view.ready).first().waitFor({ timeout: 15000 });
      await page.waitForFunction(() => !document.querySelector('.banner'));
      await sleep(1200); // charts animate in after data arrives; no event marks the end
      const file = screenshotPath(`dashboard-${view.name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      if (shots) copyFileSync(file, path.join(shots, `dashboard-${view.name}.png`));
      assert.deepEqual(problems, [], `${view.name}: no console error`);
    }

    // Every chart draws deployments: the overview's last hour holds both.
    await page.evaluate(() => (location.hash = '#/'));
    await page.locator('.service').first().waitFor();
    const services = await page.locator('.service').count();
    assert.ok(services >= 3, `${services} services with uptime bars`);
    assert.ok((await page.locator('.uptime-bar i.healthy').count()) > 0, 'uptime bars are drawn');
    assert.ok((await page.locator('.chart canvas').count()) >= 6, 'the overview draws its charts');
    assert.match(await page.locator('.deploys').textContent(), /1\.4\.0/);
    assert.deepEqual(problems, []);
  });

  test('resolves and reopens an issue from its detail view', async () => {
    await page.evaluate(() => (location.hash = '#/issues'));
    await page.locator('tbody tr.link').first().waitFor();
    const before = await page.locator('tbody tr.link').count();
    await page.locator('tbody tr.link a.issue-title').first().click();
    await page.locator('.detail-head button', { hasText: 'Resolve' }).click();
    await page.locator('.detail-head .pill.resolved').waitFor();
    const id = await page.evaluate(() => location.hash.split('/').pop());
    const resolved = await queryApi(stack, `issues/${id}`);
    assert.equal(resolved.body.status, 'resolved');
    await page.evaluate(() => (location.hash = '#/issues'));
    await poll(async () => (await page.locator('tbody tr.link').count()) === before - 1);
    assert.equal(await page.locator('tbody tr.link').count(), before - 1, 'gone from the unresolved list');
    await page.evaluate((i) => (location.hash = `#/issues/${i}`), id);
    await page.locator('.detail-head button', { hasText: 'Reopen' }).click();
    await page.locator('.detail-head .pill.unresolved').waitFor();
    assert.deepEqual(problems, []);
  });

  test('the issue table keeps every column in view at 1280 px, however long a title or release', async () => {
    const release = 'chat@0.1.0+adc9dc6d4367.build-20240501-with-a-long-suffix';
    await post(stack, '/api/monitoring/errors', {
      message: `TypeError: ${'a very long message that goes on '.repeat(6)}`,
      stack: 'TypeError: long\n    at VeryLongComponentNameThatKeepsGoing.render (http://localhost/assets/index-4f3a9c1e.js:1:1)',
      release,
    });
    await page.setViewportSize({ width: 1280, height: 800 });
    try {
      await page.evaluate(() => (location.hash = '#/issues'));
      await page.locator(`tbody tr.link .tag.release[title="${release}"]`).waitFor();
      const layout = await page.evaluate(() => {
        const card = document.querySelector('.card.flush');
        const box = card.getBoundingClientRect();
        const cells = [...card.querySelectorAll('th, tbody tr.link td')];
        return {
          overflow: card.scrollWidth - card.clientWidth,
          cut: cells.filter((c) => c.getBoundingClientRect().right > box.right + 0.5).map((c) => c.textContent.slice(0, 40)),
          headers: [...card.querySelectorAll('th')].map((th) => th.textContent),
        };
      });
      assert.deepEqual(layout.headers, ['Issue', 'Last 24 h', 'Events', 'Users', 'Last seen', 'Release']);
      assert.deepEqual(layout.cut, [], 'no cell reaches past the card');
      assert.equal(layout.overflow, 0, 'the table fits its card without scrolling');
      assert.deepEqual(problems, []);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  test('signing out ends the session', async () => {
    await page.click('.sidebar button:has-text("Sign out")');
    await page.locator('.login input[name="token"]').waitFor();
    const cookies = await browser.context.cookies(`${stack.url}/_edgewatch/`);
    assert.equal(cookies.find((c) => c.name === 'edgewatch_session'), undefined);
    const response = await page.evaluate(() => fetch('/_edgewatch/session').then((r) => r.json()));
    assert.equal(response.authenticated, false);
    assert.deepEqual(problems, []);
  });
});
