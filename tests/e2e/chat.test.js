// The example chat app in headless Chromium, served, proxied and monitored by the real
// edgewatch, with the example orchestrator streaming behind /api/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
import { expectedReply, recordStream, streamSamples } from './chat_stream.js';

const TOKEN_DELAY_MS = 40;

// Sends a message and checks that the reply rendered token by token.
async function chatAndCheckStreaming(page, message, shot) {
  await page.fill('[data-testid="message-input"]', message);
  await recordStream(page);
  await page.click('[data-testid="send"]');
  if (shot) {
    // Mid-stream: part of the reply, with the cursor.
    await page.waitForFunction(() => window.__stream.samples.length >= 8);
    await page.screenshot({ path: screenshotPath(shot) });
  }
  const done = page.locator('[data-testid="assistant-message"]').last().locator('.meta');
  await done.waitFor({ timeout: 20000 });
  const samples = (await streamSamples(page)).filter((s) => s.text.length > 0);
  const final = samples[samples.length - 1].text;
  assert.equal(final, expectedReply(message));
  const tokens = final.split(' ').length;

  // Several steps, not all at once: most tokens were a render of their own ...
  assert.ok(samples.length >= tokens / 2, `${samples.length} renders for ${tokens} tokens`);
  // ... each one the previous text plus more ...
  for (let i = 1; i < samples.length; i++) {
    assert.ok(samples[i].text.startsWith(samples[i - 1].text), `render ${i} is not a growth`);
    assert.ok(samples[i].text.length > samples[i - 1].text.length);
  }
  // ... the first of them a small part of the reply ...
  assert.ok(samples[0].text.length < final.length / 4, `first render: "${samples[0].text}"`);
  // ... spread over the time the orchestrator took to send them.
  const spread = samples[samples.length - 1].t - samples[0].t;
  assert.ok(spread >= (tokens - 1) * TOKEN_DELAY_MS * 0.5, `all tokens within ${spread} ms`);
  return { samples: samples.length, tokens, spreadMs: Math.round(spread) };
}

describe('example chat app through edgewatch in Chromium', () => {
  let stack;
  let browser;
  let page;
  let problems;
  const ingestRequests = [];

  before(async () => {
    stack = await startStack({ tokenDelay: `${TOKEN_DELAY_MS}ms` });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    problems = watchPage(page);
    page.on('request', (r) => {
      if (/\/api\/(monitoring|analytics)\//.test(r.url())) {
        ingestRequests.push({ url: r.url(), type: r.resourceType(), body: r.postData() || '' });
      }
    });
  });

  after(async () => {
    await browser?.close();
    await stopStack(stack);
  });

  test('the app loads under the default strict CSP with no console error', async () => {
    const response = await page.goto(`${stack.url}/`);
    assert.equal(response.status(), 200);
    const csp = response.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp.match(/script-src[^;]*/)[0], /unsafe-inline|unsafe-eval/);
    const html = await response.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.match(html, /<script[^>]+integrity="sha384-/, 'edgewatch sri stamped the page');
    await page.locator('.empty h1').waitFor();
    await page.screenshot({ path: screenshotPath('chat-empty.png') });
    assert.deepEqual(problems, []);
  });

  test('a reply over Server-Sent Events renders token by token', async (t) => {
    const result = await chatAndCheckStreaming(page, 'hello over SSE', 'chat-streaming.png');
    t.diagnostic(`SSE: ${JSON.stringify(result)}`);
    await page.screenshot({ path: screenshotPath('chat-sse.png') });
  });

  test('a reply over WebSocket renders token by token', async (t) => {
    await page.click('[data-testid="transport-ws"]');
    assert.equal(await page.getAttribute('[data-testid="transport-ws"]', 'aria-checked'), 'true');
    const result = await chatAndCheckStreaming(page, 'hello over WebSocket');
    t.diagnostic(`WebSocket: ${JSON.stringify(result)}`);
    const meta = await page.locator('[data-testid="assistant-message"]').last().textContent();
    assert.match(meta, /WebSocket · first token \d+ ms/);
    await page.screenshot({ path: screenshotPath('chat-ws.png') });
    assert.deepEqual(problems, []);
  });

  test('the error button throws a real error that becomes an issue', async (t) => {
    const probe = await queryApi(stack, 'issues');
    if (probe.status === 404) {
      t.skip('GET /_edgewatch/api/issues answers 404: the monitoring backend is not in this build');
      return;
    }
    assert.equal(probe.status, 200, JSON.stringify(probe.body));
    await page.click('[data-testid="throw-error"]');
    await page.locator('[data-testid="notice"]').waitFor();
    await page.screenshot({ path: screenshotPath('chat-error.png') });
    const message = "Cannot read properties of undefined (reading 'text')";
    await poll(() => problems.length > 0, { timeout: 5000 });
    assert.deepEqual(problems.splice(0), [`uncaught: ${message}`]);

    const issue = await poll(async () => {
      const { body } = await queryApi(stack, 'issues');
      return body.items?.find((i) => i.title.includes(message));
    });
    assert.ok(issue, 'the error is listed as an issue');
    assert.equal(issue.title, `TypeError: ${message}`);
    assert.equal(issue.count, 1);
    assert.equal(issue.users, 1);
    assert.equal(issue.status, 'unresolved');
    assert.match(issue.last_release, /^chat@/);

    const detail = await queryApi(stack, `issues/${issue.id}`);
    assert.equal(detail.status, 200);
    const event = JSON.stringify(detail.body);
    assert.match(event, /assets\/index-[\w-]+\.js/, 'the stack points into the built bundle');
    t.diagnostic(`issue ${issue.id}: ${issue.title} (culprit ${issue.culprit})`);

    // Sent once by the SDK, as the seed's error payload, in a JSON array.
    const sent = ingestRequests.filter((r) => r.url.endsWith('/api/monitoring/errors'));
    assert.equal(sent.length, 1);
    const [payload] = JSON.parse(sent[0].body);
    for (const key of ['message', 'stack', 'context', 'userId', 'sessionId', 'timestamp']) {
      assert.ok(key in payload, key);
    }
    assert.equal(payload.context.source, 'window.error');
  });

  test("the page's web vitals are recorded", async (t) => {
    const probe = await queryApi(stack, 'vitals');
    if (probe.status === 404) {
      t.skip('GET /_edgewatch/api/vitals answers 404: the monitoring backend is not in this build');
      return;
    }
    // Leaving the page hides it: web-vitals reports the final CLS, INP and LCP, and the SDK
    // sends them with sendBeacon.
    await page.goto('about:blank');
    const wanted = ['CLS', 'FCP', 'INP', 'LCP', 'TTFB'];
    const rows = await poll(async () => {
      const { body } = await queryApi(stack, 'vitals');
      const items = body.items || [];
      return wanted.every((m) => items.some((r) => r.metric === m)) && items;
    });
    assert.ok(rows, `vitals recorded: ${JSON.stringify((await queryApi(stack, 'vitals')).body)}`);
    for (const metric of wanted) {
      const row = rows.find((r) => r.metric === metric);
      assert.equal(row.count, 1, `${metric} once`);
      assert.equal(row.page, '/');
      assert.match(row.release, /^chat@/);
      t.diagnostic(
        `${metric}: ${row.p75} (${row.good ? 'good' : row.poor ? 'poor' : 'needs improvement'})`,
      );
    }
    // CLS and INP are only final when the page is hidden: they can only have arrived in the
    // SDK's page-hide flush (sendBeacon), after the page was gone.
  });

  test("the SDK never reports its own requests, with the seed's resource observer on", async () => {
    // The seed's setting that caused the endless loop: performance monitoring with a
    // PerformanceObserver on resource timings.
    await page.route('**/config.json', (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({
          apiUrl: '/api',
          enableAnalytics: true,
          enableErrorTracking: true,
          performance: { enablePerfMonitoring: true, sampleRate: 1, enableWebVitals: true },
          monitoring: { flushInterval: 500 },
        }),
      }),
    );
    ingestRequests.length = 0;
    await page.goto(`${stack.url}/`);
    await page.locator('.empty h1').waitFor();
    await page.fill('[data-testid="message-input"]', 'observed');
    await page.click('[data-testid="send"]');
    await page.locator('[data-testid="assistant-message"] .meta').waitFor({ timeout: 20000 });
    // Reported once the SDK flushes (every 500 ms here): the chat request's own timing.
    assert.ok(
      await poll(() =>
        ingestRequests.some(
          (r) => r.url.endsWith('/api/monitoring/metrics') && r.body.includes('/api/chat'),
        ),
      ),
      'the chat request is reported',
    );
    await sleep(1000); // one more flush interval, for what the page had queued with it
    const settled = ingestRequests.length;
    // The observation window is the test: an idle page must stay silent for ten flush intervals.
    await sleep(5000);
    const metrics = ingestRequests
      .filter((r) => r.url.endsWith('/api/monitoring/metrics'))
      .flatMap((r) => JSON.parse(r.body));
    const names = metrics.map((m) => m.name);
    assert.ok(names.some((n) => n.startsWith('performance.resource.') && n.includes('/assets/')));
    assert.ok(
      names.some((n) => n.includes('/api/chat')),
      'the chat request is reported',
    );
    const own = names.filter((n) => /\/api\/(monitoring|analytics)\/|config\.json/.test(n));
    assert.deepEqual(own, [], 'no timing of its own requests');
    assert.equal(ingestRequests.length, settled, 'an idle page sends nothing: no feedback loop');
    await page.unroute('**/config.json');
    assert.deepEqual(problems, []);
  });
});
