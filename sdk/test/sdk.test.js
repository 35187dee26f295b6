// Unit tests of the SDK's own logic, under node's test runner with a stubbed window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakePage, EVENTS, METRICS, ERRORS } from './helpers.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function fakeVitals() {
  const callbacks = {};
  const mod = {};
  for (const name of ['LCP', 'INP', 'CLS', 'FCP', 'TTFB']) {
    mod[`on${name}`] = (cb) => {
      callbacks[name] = cb;
    };
  }
  return { mod, callbacks };
}

// ---- batching ------------------------------------------------------------------------------

test('events leave in batches of maxBatchSize as JSON arrays, in order', async () => {
  const p = fakePage();
  p.monitor.init({ release: 'r1', maxBatchSize: 20, flushInterval: 5000, webVitals: false });
  for (let i = 0; i < 45; i++) p.monitor.trackEvent({ name: `e${i}` });
  await p.advance(0);
  await p.advance(0);
  // Two full batches at once, the remainder only when the flush interval is up.
  let bodies = p.calls.fetch.map((c) => JSON.parse(c.init.body));
  assert.deepEqual(
    bodies.map((b) => b.length),
    [20, 20],
  );
  await p.advance(4999);
  assert.equal(p.calls.fetch.length, 2);
  await p.advance(1);
  bodies = p.calls.fetch.map((c) => JSON.parse(c.init.body));
  assert.deepEqual(
    bodies.map((b) => b.length),
    [20, 20, 5],
  );
  assert.deepEqual(
    bodies.flat().map((e) => e.name),
    Array.from({ length: 45 }, (_, i) => `e${i}`),
  );
  for (const c of p.calls.fetch) {
    assert.equal(c.url, EVENTS);
    assert.equal(c.init.method, 'POST');
    assert.equal(c.init.keepalive, true);
    assert.equal(c.init.headers['Content-Type'], 'application/json');
    assert.ok(Array.isArray(JSON.parse(c.init.body)));
  }
  assert.equal(p.monitor.getStats().sent, 45);
});

test('one request per kind at a time; errors leave sooner than events', async () => {
  const p = fakePage();
  p.monitor.init({ flushInterval: 5000, errorFlushDelay: 1000, webVitals: false });
  p.monitor.trackEvent('opened');
  p.monitor.reportError(new Error('boom'));
  p.monitor.trackPerformanceMetric({ name: 'chat.ttft', value: 120, unit: 'ms' });
  await p.advance(999);
  assert.equal(p.calls.fetch.length, 0);
  await p.advance(1);
  // The timer flushes every queue that has something.
  assert.deepEqual(p.calls.fetch.map((c) => c.url).sort(), [EVENTS, ERRORS, METRICS].sort());
});

test('maxBatchSize is capped at 100 (edgewatch max_items) and bodies stay under 60 KB', async () => {
  const p = fakePage();
  p.monitor.init({ maxBatchSize: 1000, flushInterval: 10, webVitals: false });
  const big = 'x'.repeat(1500);
  for (let i = 0; i < 150; i++) p.monitor.trackEvent({ name: 'big', properties: { big } });
  await p.advance(100);
  await p.advance(100);
  for (const c of p.calls.fetch) {
    assert.ok(JSON.parse(c.init.body).length <= 100);
    assert.ok(Buffer.byteLength(c.init.body) < 61440, `body of ${c.init.body.length}`);
  }
  assert.equal(p.sent(EVENTS).length, 150);
});

test('the queue is bounded; overflow is counted, not kept', async () => {
  const p = fakePage({ respond: () => new Promise(() => {}) }); // the server never answers
  p.monitor.init({ maxQueueSize: 50, maxBatchSize: 10, webVitals: false });
  for (let i = 0; i < 500; i++) p.monitor.trackEvent({ name: 'e' });
  await p.advance(60_000);
  const s = p.monitor.getStats();
  assert.ok(s.queuedNow <= 50);
  assert.ok(s.dropped >= 440);
  assert.equal(p.calls.fetch.length, 1); // one stuck request, no pile-up
});

// ---- payload shapes (the seed's productionMonitoring.ts) ------------------------------------

test("trackEvent sends the seed's MonitoringEvent with timestamp, userId and sessionId", async () => {
  const p = fakePage();
  p.monitor.init({ release: '1.2.3', environment: 'staging', userId: 'u-1', webVitals: false });
  p.monitor.trackEvent({ name: 'message_sent', properties: { transport: 'sse', length: 12 } });
  p.monitor.trackEvent('button', { id: 'x' });
  p.monitor.flush();
  await p.settle();
  const [e1, e2] = p.sent(EVENTS);
  for (const key of ['name', 'properties', 'timestamp', 'userId', 'sessionId'])
    assert.ok(key in e1, key);
  assert.equal(e1.name, 'message_sent');
  assert.deepEqual(e1.properties, { transport: 'sse', length: 12 });
  assert.match(e1.timestamp, ISO);
  assert.equal(e1.userId, 'u-1');
  assert.match(e1.sessionId, /^session-\d+-[a-z0-9]+$/);
  assert.equal(e1.release, '1.2.3');
  assert.equal(e1.environment, 'staging');
  assert.equal(e1.page, '/chat/42');
  assert.deepEqual(e2.properties, { id: 'x' });
  assert.equal(e2.sessionId, e1.sessionId);
});

test("trackPerformanceMetric sends the seed's PerformanceMetric with its tags", async () => {
  const p = fakePage();
  p.monitor.init({ release: '1.2.3', environment: 'production', webVitals: false });
  p.monitor.trackPerformanceMetric({
    name: 'chat.ttft',
    value: 87.5,
    unit: 'ms',
    tags: { transport: 'ws' },
  });
  p.monitor.setUser('u-9');
  p.monitor.trackPerformanceMetric({ name: 'chat.tokens', value: 21, unit: 'count' });
  p.monitor.flush();
  await p.settle();
  const [m1, m2] = p.sent(METRICS);
  assert.deepEqual(
    Object.keys(m1).sort(),
    ['environment', 'name', 'page', 'release', 'tags', 'timestamp', 'unit', 'value'].sort(),
  );
  assert.equal(m1.name, 'chat.ttft');
  assert.equal(m1.value, 87.5);
  assert.equal(m1.unit, 'ms');
  assert.match(m1.timestamp, ISO);
  const { sessionId, ...rest } = m1.tags;
  assert.match(sessionId, /^session-/);
  assert.deepEqual(rest, {
    transport: 'ws',
    userId: 'anonymous',
    environment: 'production',
    version: '1.2.3',
  });
  assert.equal(m2.tags.userId, 'u-9');
});

test("web vitals go as web_vitals.<NAME> with tags id and rating, as the seed's reportWebVital", async () => {
  const v = fakeVitals();
  const p = fakePage({ vitals: v.mod });
  p.monitor.init({ release: 'r' });
  assert.deepEqual(Object.keys(v.callbacks).sort(), ['CLS', 'FCP', 'INP', 'LCP', 'TTFB']);
  v.callbacks.LCP({
    name: 'LCP',
    value: 1234.5,
    rating: 'good',
    id: 'v6-1-2',
    navigationType: 'navigate',
    delta: 1,
  });
  v.callbacks.CLS({
    name: 'CLS',
    value: 0.02,
    rating: 'good',
    id: 'v6-3-4',
    navigationType: 'reload',
  });
  v.callbacks.INP({ name: 'INP', value: 560, rating: 'poor', id: 'v6-5-6' });
  p.monitor.flush();
  await p.settle();
  const [lcp, cls, inp] = p.sent(METRICS);
  assert.equal(lcp.name, 'web_vitals.LCP');
  assert.equal(lcp.value, 1234.5);
  assert.equal(lcp.unit, 'ms');
  assert.equal(lcp.tags.id, 'v6-1-2');
  assert.equal(lcp.tags.rating, 'good');
  assert.equal(lcp.tags.navigationType, 'navigate');
  assert.equal(lcp.tags.page, '/chat/42');
  assert.equal(cls.name, 'web_vitals.CLS');
  assert.equal(cls.value, 0.02);
  assert.equal(inp.tags.rating, 'poor');
});

test("errors carry the seed's error payload with a stack trace, and no invented fingerprint", async () => {
  const p = fakePage();
  p.monitor.init({ release: '2.0.0', environment: 'production', userId: 'u-7', webVitals: false });
  const err = new TypeError("Cannot read properties of undefined (reading 'x')");
  p.monitor.reportError({ error: err, context: { component: 'Chat' } });
  p.monitor.reportError(new RangeError('bad'), { where: 'here' });
  p.monitor.reportError({ error: new Error('chosen'), fingerprint: 'my-group' });
  p.monitor.flush();
  await p.settle();
  const [e1, e2, e3] = p.sent(ERRORS);
  for (const key of ['message', 'stack', 'context', 'userId', 'sessionId', 'timestamp'])
    assert.ok(key in e1, key);
  assert.equal(e1.message, "Cannot read properties of undefined (reading 'x')");
  assert.equal(e1.name, 'TypeError');
  assert.match(e1.stack, /^TypeError: Cannot read/);
  assert.match(e1.stack, /\n\s+at /);
  assert.equal(e1.context.component, 'Chat');
  assert.equal(e1.context.source, 'reportError');
  assert.equal(e1.userId, 'u-7');
  assert.equal(e1.release, '2.0.0');
  assert.equal(e1.level, 'error');
  assert.match(e1.timestamp, ISO);
  assert.equal('fingerprint' in e1, false);
  assert.equal(e2.name, 'RangeError');
  assert.equal(e2.context.where, 'here');
  assert.equal(e3.fingerprint, 'my-group');
});

test('window errors and unhandled rejections are captured with stacks', async () => {
  const p = fakePage();
  p.monitor.init({ webVitals: false });
  const err = new Error('from a click handler');
  p.dispatchError({
    error: err,
    message: 'Uncaught Error: from a click handler',
    filename: 'https://app.example/assets/index-abc.js',
    lineno: 1,
    colno: 99,
  });
  p.dispatchRejection(new TypeError('fetch failed'));
  p.dispatchRejection({ code: 42 });
  // No Error object (a string thrown): a stack is built from the event's position.
  p.dispatchError({
    error: 'just a string',
    message: 'Uncaught just a string',
    filename: 'https://app.example/a.js',
    lineno: 3,
    colno: 4,
  });
  // Cross-origin "Script error." carries nothing worth grouping: ignored.
  p.dispatchError({ error: null, message: 'Script error.', filename: '', lineno: 0, colno: 0 });
  await p.advance(1000);
  const errors = p.sent(ERRORS);
  assert.equal(errors.length, 4);
  assert.equal(errors[0].message, 'from a click handler');
  assert.equal(errors[0].stack, err.stack);
  assert.equal(errors[0].context.source, 'window.error');
  assert.equal(errors[0].context.filename, 'https://app.example/assets/index-abc.js');
  assert.equal(errors[1].name, 'TypeError');
  assert.equal(errors[1].context.source, 'unhandledrejection');
  assert.equal(errors[2].name, 'UnhandledRejection');
  assert.equal(errors[2].message, 'Non-Error promise rejection: {"code":42}');
  assert.equal(errors[3].message, 'Uncaught just a string');
  assert.match(errors[3].stack, /at https:\/\/app\.example\/a\.js:3:4/);
});

test('breadcrumbs: events and earlier errors travel in the context of the next error', async () => {
  const p = fakePage();
  p.monitor.init({ webVitals: false });
  p.monitor.trackEvent('message_sent');
  p.monitor.addBreadcrumb('switched transport', { to: 'ws' });
  p.monitor.reportError(new Error('later'));
  p.monitor.flush();
  await p.settle();
  const [e] = p.sent(ERRORS);
  assert.deepEqual(
    e.context.breadcrumbs.map((b) => [b.category, b.message]),
    [
      ['event', 'message_sent'],
      ['app', 'switched transport'],
    ],
  );
});

test('the same error repeated (a render loop) is sent once; errors per minute are capped', async () => {
  const p = fakePage();
  p.monitor.init({ webVitals: false, maxErrorsPerMinute: 5 });
  for (let i = 0; i < 200; i++) p.dispatchError({ error: new Error('loop'), message: 'loop' });
  for (let i = 0; i < 20; i++) p.monitor.reportError(new Error(`distinct ${i}`));
  await p.advance(2000);
  assert.equal(p.sent(ERRORS).length, 5);
  assert.ok(p.monitor.getStats().suppressedErrors >= 215);
});

// ---- sampling --------------------------------------------------------------------------------

test('sampleRate is decided once per page load for performance data; errors are kept', async () => {
  const out = (p) => p.sent(METRICS).length;
  const unsampled = fakePage({ random: [0.7], randomDefault: 0 });
  unsampled.monitor.init({ sampleRate: 0.5, webVitals: false });
  const sampled = fakePage({ random: [0.3], randomDefault: 0 });
  sampled.monitor.init({ sampleRate: 0.5, webVitals: false });
  for (const p of [unsampled, sampled]) {
    for (let i = 0; i < 10; i++) p.monitor.trackPerformanceMetric({ name: 'm', value: i });
    p.monitor.reportError(new Error('still reported'));
    p.monitor.flush();
    await p.settle();
  }
  assert.equal(out(unsampled), 0);
  assert.equal(unsampled.monitor.getStats().sampledOut, 10);
  assert.equal(unsampled.sent(ERRORS).length, 1);
  assert.equal(out(sampled), 10);
  assert.equal(unsampled.monitor.getSessionInfo().sampled, false);
});

test('sampleRate 0 sends no metrics, 1 sends all; errorSampleRate and eventSampleRate apply', async () => {
  const zero = fakePage({ randomDefault: 0 });
  zero.monitor.init({ sampleRate: 0, errorSampleRate: 0, eventSampleRate: 0, webVitals: false });
  const one = fakePage({ randomDefault: 0.999999 });
  one.monitor.init({ sampleRate: 1, webVitals: false });
  for (const p of [zero, one]) {
    p.monitor.trackPerformanceMetric({ name: 'm', value: 1 });
    p.monitor.trackEvent('e');
    p.monitor.reportError(new Error('x'));
    p.monitor.flush();
    await p.settle();
  }
  assert.equal(zero.calls.fetch.length, 0);
  assert.equal(one.sent(METRICS).length + one.sent(EVENTS).length + one.sent(ERRORS).length, 3);
});

test('sampling distribution: about sampleRate of page loads are kept', () => {
  let kept = 0;
  const runs = 2000;
  for (let i = 0; i < runs; i++) {
    const p = fakePage({ random: [Math.random()], randomDefault: 0 });
    p.monitor.init({ sampleRate: 0.25, webVitals: false });
    if (p.monitor.getSessionInfo().sampled) kept++;
  }
  assert.ok(Math.abs(kept / runs - 0.25) < 0.05, `kept ${kept} of ${runs}`);
});

// ---- page hide: sendBeacon -------------------------------------------------------------------

test('on page hide everything leaves by sendBeacon, as text', async () => {
  const v = fakeVitals();
  const p = fakePage({ vitals: v.mod });
  p.monitor.init({ webVitals: true });
  p.monitor.trackEvent('e1');
  p.monitor.reportError(new Error('x'));
  v.callbacks.FCP({ name: 'FCP', value: 300, rating: 'good', id: 'a' });
  p.hide();
  assert.equal(p.calls.fetch.length, 0);
  assert.deepEqual(p.calls.beacon.map((b) => b.url).sort(), [ERRORS, EVENTS, METRICS].sort());
  for (const b of p.calls.beacon) assert.equal(typeof b.body, 'string'); // text/plain;charset=UTF-8
  // What web-vitals reports while hidden (final CLS, LCP, INP) leaves at once.
  v.callbacks.CLS({ name: 'CLS', value: 0.01, rating: 'good', id: 'b' });
  assert.equal(p.calls.beacon.length, 4);
  assert.equal(JSON.parse(p.calls.beacon[3].body)[0].name, 'web_vitals.CLS');
});

test('pagehide also flushes, and a refused beacon falls back to fetch keepalive', async () => {
  const p = fakePage({ beaconResult: false });
  p.monitor.init({ webVitals: false });
  p.monitor.trackEvent('e1');
  p.win.dispatchEvent(new Event('pagehide'));
  await p.settle();
  assert.equal(p.calls.beacon.length, 1);
  assert.equal(p.calls.fetch.length, 1);
  assert.equal(p.calls.fetch[0].init.keepalive, true);
  assert.equal(JSON.parse(p.calls.fetch[0].init.body)[0].name, 'e1');
});

test('a cross-origin endpoint gets text/plain (no CORS preflight) and the configured paths', async () => {
  const p = fakePage();
  p.monitor.init({
    endpoint: 'https://edge.example/',
    paths: { events: '/ingest/events' },
    webVitals: false,
  });
  p.monitor.trackEvent('e');
  p.monitor.reportError(new Error('x'));
  p.monitor.flush();
  await p.settle();
  const urls = p.calls.fetch.map((c) => c.url).sort();
  assert.deepEqual(urls, [
    'https://edge.example/api/monitoring/errors',
    'https://edge.example/ingest/events',
  ]);
  for (const c of p.calls.fetch)
    assert.equal(c.init.headers['Content-Type'], 'text/plain;charset=UTF-8');
});

// ---- no self-reporting -----------------------------------------------------------------------

class FakeObserver {
  static instances = [];
  constructor(cb) {
    this.cb = cb;
    FakeObserver.instances.push(this);
  }
  observe(opts) {
    this.type = opts.type;
  }
  emit(entries) {
    this.cb({ getEntries: () => entries });
  }
}

test("resource timings of the SDK's own requests are never reported", async () => {
  FakeObserver.instances = [];
  const p = fakePage({ extra: { PerformanceObserver: FakeObserver } });
  p.monitor.init({ performanceObserver: true, webVitals: false, configUrl: undefined });
  const resources = FakeObserver.instances.find((o) => o.type === 'resource');
  assert.ok(resources, 'observes resource timings');
  resources.emit([
    {
      entryType: 'resource',
      name: 'https://app.example/api/monitoring/metrics',
      duration: 5,
      startTime: 1,
    },
    {
      entryType: 'resource',
      name: 'https://app.example/api/monitoring/errors?x=1',
      duration: 5,
      startTime: 1,
    },
    {
      entryType: 'resource',
      name: 'https://app.example/api/analytics/events',
      duration: 5,
      startTime: 1,
    },
    {
      entryType: 'resource',
      name: 'https://app.example/assets/index-abc.js?v=2',
      duration: 30,
      startTime: 2,
    },
    { entryType: 'resource', name: 'https://app.example/api/chat', duration: 800, startTime: 3 },
  ]);
  // The seed's own observer code, running in the app, reports through trackPerformanceMetric:
  // its resource entries for edgewatch's endpoints are dropped too.
  p.monitor.trackPerformanceMetric({
    name: 'performance.resource.https://app.example/api/monitoring/metrics',
    value: 3,
    unit: 'ms',
    tags: { entryType: 'resource', name: 'https://app.example/api/monitoring/metrics' },
  });
  p.monitor.flush();
  await p.settle();
  // Sending produced more resource entries of its own: still nothing new is reported.
  resources.emit([
    {
      entryType: 'resource',
      name: 'https://app.example/api/monitoring/metrics',
      duration: 2,
      startTime: 9,
    },
  ]);
  await p.advance(60_000);
  const names = p.sent(METRICS).map((m) => m.name);
  assert.deepEqual(names, [
    'performance.resource.https://app.example/assets/index-abc.js',
    'performance.resource.https://app.example/api/chat',
  ]);
  assert.equal(p.monitor.getStats().selfFiltered, 5);
  assert.equal(p.calls.fetch.length, 1, 'no feedback loop: one request in a minute');
});

test('a failing endpoint produces no error reports and a bounded number of requests', async () => {
  let attempt = 0;
  const p = fakePage({
    respond: () => {
      attempt++;
      throw new TypeError('Failed to fetch');
    },
  });
  p.monitor.init({ webVitals: false, flushInterval: 1000 });
  p.monitor.trackEvent('e');
  await p.advance(10 * 60_000);
  // First try plus two retries with back-off, then the batch is dropped.
  assert.equal(attempt, 3);
  assert.equal(p.sent(ERRORS).length, 0);
  assert.equal(p.calls.fetch.filter((c) => c.url === ERRORS).length, 0);
  assert.equal(p.monitor.getStats().dropped, 1);
});

test('failures to send errors do not become errors: the error endpoint down sends each once + retries', async () => {
  const p = fakePage({ respond: () => ({ ok: false, status: 500, headers: new Headers() }) });
  p.monitor.init({ webVitals: false });
  p.monitor.reportError(new Error('original'));
  await p.advance(10 * 60_000);
  const bodies = p.calls.fetch.map((c) => JSON.parse(c.init.body));
  assert.equal(bodies.length, 3);
  for (const b of bodies)
    assert.deepEqual(
      b.map((e) => e.message),
      ['original'],
    );
});

test('503 with Retry-After is retried after that delay; 400 is dropped without retry', async () => {
  let n = 0;
  const p = fakePage({
    respond: (url) => {
      n++;
      if (url === EVENTS)
        return n === 1
          ? { ok: false, status: 503, headers: new Headers({ 'Retry-After': '7' }) }
          : { ok: true, status: 200, headers: new Headers() };
      return { ok: false, status: 400, headers: new Headers() };
    },
  });
  p.monitor.init({ webVitals: false });
  p.monitor.trackEvent('e');
  p.monitor.flush();
  await p.advance(6999);
  assert.equal(p.calls.fetch.length, 1);
  await p.advance(1);
  assert.equal(p.calls.fetch.length, 2);
  assert.equal(p.monitor.getStats().sent, 1);
  p.monitor.trackPerformanceMetric({ name: 'm', value: 1 });
  p.monitor.flush();
  await p.advance(600_000);
  assert.equal(p.calls.fetch.filter((c) => c.url === METRICS).length, 1);
});

// ---- never throw -----------------------------------------------------------------------------

test('no entry point throws, whatever the arguments', () => {
  const p = fakePage();
  const m = p.monitor;
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  const hostile = {};
  Object.defineProperty(hostile, 'boom', {
    enumerable: true,
    get() {
      throw new Error('getter');
    },
  });
  const args = [
    undefined,
    null,
    0,
    NaN,
    '',
    'x',
    [],
    {},
    cyclic,
    hostile,
    10n,
    Symbol('s'),
    () => {},
    new Error('e'),
  ];
  // Before init, then after.
  for (const phase of ['before', 'after']) {
    if (phase === 'after')
      m.init({
        webVitals: false,
        beforeSend: () => {
          throw new Error('beforeSend');
        },
      });
    for (const a of args) {
      assert.doesNotThrow(() => m.trackEvent(a, a));
      assert.doesNotThrow(() => m.trackEvent({ name: 'n', properties: a }));
      assert.doesNotThrow(() => m.trackPerformanceMetric(a));
      assert.doesNotThrow(() => m.trackPerformanceMetric({ name: 'n', value: a, tags: a }));
      assert.doesNotThrow(() => m.reportError(a, a));
      assert.doesNotThrow(() => m.reportError({ error: a, context: a, timestamp: a }));
      assert.doesNotThrow(() => m.setUser(a, a));
      assert.doesNotThrow(() => m.addBreadcrumb(a, a));
      assert.doesNotThrow(() => m.flush(a));
    }
  }
  assert.doesNotThrow(() => m.init(null));
  assert.doesNotThrow(() => m.init('nonsense'));
  assert.doesNotThrow(() => m.getSessionInfo());
});

test('a hostile environment (throwing fetch, sendBeacon, storage, location) never throws into the app', async () => {
  const p = fakePage({
    extra: {
      fetch() {
        throw new Error('fetch is broken');
      },
      navigator: {
        sendBeacon() {
          throw new Error('beacon is broken');
        },
      },
      sessionStorage: {
        getItem() {
          throw new Error('SecurityError');
        },
        setItem() {
          throw new Error('SecurityError');
        },
      },
    },
  });
  Object.defineProperty(p.win, 'location', {
    get() {
      throw new Error('no location');
    },
  });
  assert.doesNotThrow(() => p.monitor.init({ webVitals: false }));
  assert.doesNotThrow(() => p.monitor.trackEvent({ name: 'e', properties: { big: 10n } }));
  assert.doesNotThrow(() => p.monitor.reportError(new Error('x')));
  assert.doesNotThrow(() => p.hide());
  await p.advance(60_000);
  assert.equal(p.monitor.getStats().sent, 0);
});

test('no window at all (server-side rendering): every call is a no-op', async () => {
  const { createMonitor } = await import('../src/core.js');
  const m = createMonitor({ global: {} });
  assert.doesNotThrow(() => m.init({ configUrl: '/config.json' }));
  assert.doesNotThrow(() => m.trackEvent('e'));
  assert.doesNotThrow(() => m.reportError(new Error('x')));
  assert.doesNotThrow(() => m.flush());
});

test('the SDK never blocks: init and tracking return at once, before any network answer', () => {
  const p = fakePage({ respond: () => new Promise(() => {}) });
  const t0 = performance.now();
  p.monitor.init({ configUrl: '/config.json', webVitals: false });
  for (let i = 0; i < 1000; i++) p.monitor.trackEvent({ name: 'e', properties: { i } });
  assert.ok(performance.now() - t0 < 500);
});

// ---- /config.json ----------------------------------------------------------------------------

test("settings come from /config.json in the seed's EnvironmentConfig shape", async () => {
  const config = {
    apiUrl: 'http://localhost:8004',
    websocketUrl: 'ws://localhost:8004',
    enableAnalytics: false,
    enableErrorTracking: true,
    performance: { enablePerfMonitoring: false, sampleRate: 0, enableWebVitals: true },
    release: 'from-config',
    environment: 'canary',
  };
  const p = fakePage({
    respond: (url) =>
      url === '/config.json'
        ? { ok: true, status: 200, json: async () => config, headers: new Headers() }
        : { ok: true, status: 200, headers: new Headers() },
  });
  p.monitor.init({
    configUrl: '/config.json',
    release: 'from-init',
    userId: 'u',
    webVitals: false,
  });
  // Held until the file is read, then judged by its settings.
  p.monitor.reportError(new Error('early'));
  p.monitor.trackEvent('analytics off in config');
  p.monitor.trackPerformanceMetric({ name: 'm', value: 1 });
  const cfg = await p.monitor.whenConfigured();
  assert.deepEqual(cfg, config);
  await p.advance(5000);
  assert.equal(p.sent(EVENTS).length, 0);
  assert.equal(p.sent(METRICS).length, 0); // sampleRate 0
  const [e] = p.sent(ERRORS);
  assert.equal(e.message, 'early');
  assert.equal(e.release, 'from-config');
  assert.equal(e.environment, 'canary');
  assert.equal(e.userId, 'u');
  assert.equal(p.monitor.getConfig(), cfg);
});

test('a missing /config.json (404) leaves the init settings', async () => {
  const p = fakePage({
    respond: (url) =>
      url === '/config.json'
        ? { ok: false, status: 404, headers: new Headers() }
        : { ok: true, status: 200, headers: new Headers() },
  });
  p.monitor.init({ configUrl: '/config.json', release: 'from-init', webVitals: false });
  p.monitor.trackEvent('e');
  assert.equal(await p.monitor.whenConfigured(), null);
  await p.advance(5000);
  assert.equal(p.sent(EVENTS)[0].release, 'from-init');
});

test('a /config.json that never answers times out and the SDK carries on', async () => {
  const p = fakePage({
    respond: (url) =>
      url === '/config.json'
        ? new Promise(() => {})
        : { ok: true, status: 200, headers: new Headers() },
  });
  p.monitor.init({ configUrl: '/config.json', configTimeout: 2000, webVitals: false });
  p.monitor.trackEvent('e');
  await p.advance(1999);
  assert.equal(p.sent(EVENTS).length, 0);
  await p.advance(10_000);
  assert.equal(p.sent(EVENTS).length, 1);
  assert.ok(!p.monitor.isOwnUrl('https://app.example/api/chat'));
  assert.ok(p.monitor.isOwnUrl('https://app.example/config.json'));
});

test('the package entry point loads under node and exports the seed API', async () => {
  const sdk = await import('../src/index.js');
  for (const fn of [
    'init',
    'trackEvent',
    'trackPerformanceMetric',
    'reportError',
    'setUser',
    'flush',
  ]) {
    assert.equal(typeof sdk[fn], 'function', fn);
  }
});
