// edgewatch browser SDK: the logic, with no import of its own. index.js binds it to web-vitals
// and to the page; tests bind it to stubs (createMonitor({ global, vitals, random, now })).
//
// Rules kept everywhere below:
//   - never throw into the app: every entry point and every listener is wrapped;
//   - never block: nothing waits for the network, batches leave on a timer or on page hide;
//   - never report itself: no resource timing of its own requests, no error about its own
//     sending, no loop when the endpoint is down (bounded retries, then the batch is dropped).

export const DEFAULT_PATHS = Object.freeze({
  events: '/api/analytics/events',
  metrics: '/api/monitoring/metrics',
  errors: '/api/monitoring/errors',
});

const KINDS = ['errors', 'metrics', 'events'];
const MAX_ITEMS_PER_REQUEST = 100; // edgewatch's [ingest] max_items default
const MAX_BODY_BYTES = 60000; // under the 64 KiB keepalive / sendBeacon quota
const MAX_RETRIES = 2;
const MAX_BREADCRUMBS = 20;
const EARLY_LIMIT = 200; // items held while /config.json is loading
const VITALS = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'];

const DEFAULTS = {
  endpoint: '',
  paths: DEFAULT_PATHS,
  release: 'unknown',
  environment: 'production',
  sampleRate: 1,
  errorSampleRate: 1,
  eventSampleRate: 1,
  userId: undefined,
  configUrl: undefined,
  configTimeout: 3000,
  enabled: true,
  captureErrors: true,
  trackEvents: true,
  webVitals: true,
  performanceObserver: false,
  flushInterval: 5000,
  errorFlushDelay: 1000,
  maxBatchSize: 20,
  maxQueueSize: 1000,
  maxErrorsPerMinute: 30,
  clickBreadcrumbs: true,
  beforeSend: undefined,
  debug: false,
};

function clamp(value, lo, hi, fallback) {
  const n = Number(value);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(hi, Math.max(lo, n));
}

function str(value, max = 2000) {
  let s;
  try {
    s = typeof value === 'string' ? value : String(value);
  } catch {
    s = '[unprintable]';
  }
  return s.length > max ? s.slice(0, max) : s;
}

// A JSON-safe copy: no cycles, no functions, no BigInt surprises, bounded in size and depth.
export function sanitize(value, depth = 0, seen = new WeakSet()) {
  if (value === null || value === undefined) return value ?? null;
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value instanceof Date) {
    return Number.isFinite(value.getTime()) ? value.toISOString() : null;
  }
  if (typeof value.message === 'string' && typeof value.name === 'string') {
    return { name: str(value.name, 200), message: str(value.message) };
  }
  if (depth >= 6 || seen.has(value)) return '[…]';
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return value.slice(0, 50).map((v) => {
        const s = sanitize(v, depth + 1, seen);
        return s === undefined ? null : s;
      });
    }
    const out = {};
    let n = 0;
    for (const key of Object.keys(value)) {
      if (n++ >= 50) break;
      const s = sanitize(value[key], depth + 1, seen);
      if (s !== undefined) out[str(key, 200)] = s;
    }
    return out;
  } catch {
    return '[unreadable]';
  } finally {
    seen.delete(value);
  }
}

function stringTags(tags) {
  const out = {};
  if (!tags || typeof tags !== 'object') return out;
  let n = 0;
  for (const key of Object.keys(tags)) {
    if (n++ >= 32) break;
    const v = tags[key];
    if (v === undefined || v === null || typeof v === 'object' || typeof v === 'function') continue;
    out[str(key, 64)] = str(v, 500);
  }
  return out;
}

// UTF-8 size of a string, for the 64 KiB keepalive and beacon quotas.
function byteLength(s) {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) n += c > 0x7ff ? 2 : 1;
  }
  return n;
}

function firstFrame(stack) {
  if (typeof stack !== 'string') return '';
  const lines = stack.split('\n');
  for (const line of lines.slice(1)) {
    if (line.trim()) return line.trim();
  }
  return '';
}

// createMonitor returns one independent SDK instance. env:
//   global  the window-like object (default globalThis): fetch, navigator, document, location,
//           addEventListener, setTimeout, clearTimeout, PerformanceObserver, sessionStorage
//   vitals  { onLCP, onINP, onCLS, onFCP, onTTFB } (the web-vitals module) or null
//   random, now   for tests
export function createMonitor(env = {}) {
  const G = env.global || globalThis;
  const vitals = env.vitals || null;
  const random = env.random || Math.random;
  const now = env.now || Date.now;

  let opts = { ...DEFAULTS, paths: { ...DEFAULT_PATHS } };
  let initialised = false;
  let ready = false; // configuration known (no /config.json, or it arrived, or it timed out)
  let rawConfig = null;
  let configPromise = Promise.resolve(null);
  let resolveConfigured = () => {};
  const configured = new Promise((resolve) => {
    resolveConfigured = resolve;
  });
  let userId;
  let userProperties;
  let sessionId;
  let sessionSampled = true; // performance data and events of this page load
  let eventsSampled = true;
  const early = [];
  const queues = { errors: [], metrics: [], events: [] };
  const sending = { errors: false, metrics: false, events: false };
  const retries = { errors: 0, metrics: 0, events: 0 };
  let backoffUntil = 0;
  let timer = null;
  let timerDue = 0;
  let keepaliveBytes = 0;
  let listenersInstalled = false;
  let vitalsStarted = false;
  let observerStarted = false;
  let hiddenNow = false;
  let inSdk = 0;
  const breadcrumbs = [];
  const recentErrors = new Map(); // key -> last time sent
  let errorWindowStart = 0;
  let errorsInWindow = 0;
  const stats = {
    queued: 0,
    sent: 0,
    requests: 0,
    beacons: 0,
    failedRequests: 0,
    dropped: 0,
    sampledOut: 0,
    selfFiltered: 0,
    suppressedErrors: 0,
    internalErrors: 0,
  };

  function debug(...args) {
    if (!opts.debug) return;
    try {
      G.console?.debug?.('[edgewatch]', ...args);
    } catch {
      /* nothing */
    }
  }

  // Every entry point goes through guard: the app never sees an exception from the SDK, and
  // errors raised while the SDK itself runs are never captured as the app's errors.
  function guard(fn, fallback) {
    return function guarded(...args) {
      inSdk++;
      try {
        return fn.apply(this, args);
      } catch (e) {
        stats.internalErrors++;
        debug('internal error', e);
        return fallback;
      } finally {
        inSdk--;
      }
    };
  }

  // ---- environment helpers -------------------------------------------------------------------

  function location() {
    try {
      return G.location || null;
    } catch {
      return null;
    }
  }

  function page() {
    const loc = location();
    return loc && typeof loc.pathname === 'string' ? loc.pathname : undefined;
  }

  function baseHref() {
    const loc = location();
    return loc && typeof loc.href === 'string' ? loc.href : 'http://localhost/';
  }

  function urlFor(kind) {
    const base = String(opts.endpoint || '').replace(/\/+$/, '');
    return base + opts.paths[kind];
  }

  function parseUrl(u) {
    try {
      return new URL(u, baseHref());
    } catch {
      return null;
    }
  }

  function isSameOrigin(u) {
    const parsed = parseUrl(u);
    const here = parseUrl(baseHref());
    return !!parsed && !!here && parsed.origin === here.origin;
  }

  // True for a URL of one of the SDK's own requests: an ingestion endpoint or the config file.
  function isOwnUrl(u) {
    if (typeof u !== 'string' || !u) return false;
    const target = parseUrl(u);
    if (!target) return false;
    const own = KINDS.map(urlFor);
    if (opts.configUrl) own.push(opts.configUrl);
    return own.some((o) => {
      const p = parseUrl(o);
      return !!p && p.origin === target.origin && p.pathname === target.pathname;
    });
  }

  // A metric that is a resource timing of the SDK's own traffic (the seed's endless loop).
  function isSelfTiming(metric) {
    const tags = metric.tags || {};
    const name = typeof metric.name === 'string' ? metric.name : '';
    const resource = tags.entryType === 'resource' || name.startsWith('performance.resource');
    if (!resource) return false;
    let u = typeof tags.name === 'string' ? tags.name : '';
    if (!u && name.startsWith('performance.resource.'))
      u = name.slice('performance.resource.'.length);
    return isOwnUrl(u);
  }

  // Set by the SDK's own pagehide / visibilitychange listener, which runs after web-vitals'
  // (a page that merely loads in a background tab still batches).
  function hidden() {
    return hiddenNow;
  }

  // The seed's session id format. Math.random, not env.random: that one is the sampling dice.
  function newSessionId() {
    return `session-${now()}-${Math.random().toString(36).slice(2, 11)}`;
  }

  function loadSessionId() {
    try {
      const stored = G.sessionStorage?.getItem('edgewatch.session');
      if (stored && /^session-\d+-[a-z0-9]+$/.test(stored)) return stored;
      const id = newSessionId();
      G.sessionStorage?.setItem('edgewatch.session', id);
      return id;
    } catch {
      return newSessionId();
    }
  }

  // ---- options and /config.json ---------------------------------------------------------------

  function applyOptions(o) {
    if (!o || typeof o !== 'object') return;
    const next = { ...opts };
    for (const key of Object.keys(DEFAULTS)) {
      if (o[key] !== undefined && key !== 'paths') next[key] = o[key];
    }
    if (o.paths && typeof o.paths === 'object') {
      next.paths = { ...opts.paths };
      for (const k of KINDS) if (typeof o.paths[k] === 'string') next.paths[k] = o.paths[k];
    }
    next.endpoint = typeof next.endpoint === 'string' ? next.endpoint : '';
    next.release = str(next.release ?? 'unknown', 200);
    next.environment = str(next.environment ?? 'production', 200);
    next.sampleRate = clamp(next.sampleRate, 0, 1, 1);
    next.errorSampleRate = clamp(next.errorSampleRate, 0, 1, 1);
    next.eventSampleRate = clamp(next.eventSampleRate, 0, 1, 1);
    next.maxBatchSize = Math.round(clamp(next.maxBatchSize, 1, MAX_ITEMS_PER_REQUEST, 20));
    next.maxQueueSize = Math.round(clamp(next.maxQueueSize, 1, 100000, 1000));
    next.flushInterval = clamp(next.flushInterval, 0, 3600000, 5000);
    next.errorFlushDelay = clamp(next.errorFlushDelay, 0, 3600000, 1000);
    next.maxErrorsPerMinute = clamp(next.maxErrorsPerMinute, 0, 100000, 30);
    opts = next;
    if (o.userId !== undefined && o.userId !== null) userId = str(o.userId, 200);
  }

  // Settings from the seed's EnvironmentConfig shape (environment.ts) and an optional
  // "monitoring" object with the SDK's own option names; the file wins over init's values.
  function optionsFromConfig(cfg) {
    const o = {};
    if (!cfg || typeof cfg !== 'object') return o;
    if (typeof cfg.enableErrorTracking === 'boolean') o.captureErrors = cfg.enableErrorTracking;
    if (typeof cfg.enableAnalytics === 'boolean') o.trackEvents = cfg.enableAnalytics;
    const perf = cfg.performance;
    if (perf && typeof perf === 'object') {
      if (typeof perf.sampleRate === 'number') o.sampleRate = perf.sampleRate;
      if (typeof perf.enableWebVitals === 'boolean') o.webVitals = perf.enableWebVitals;
      if (typeof perf.enablePerfMonitoring === 'boolean') {
        o.performanceObserver = perf.enablePerfMonitoring;
      }
    }
    for (const key of ['release', 'version']) {
      if (o.release === undefined && typeof cfg[key] === 'string') o.release = cfg[key];
    }
    if (typeof cfg.environment === 'string') o.environment = cfg.environment;
    const m = cfg.monitoring;
    if (m && typeof m === 'object') {
      for (const key of Object.keys(DEFAULTS)) {
        if (key !== 'configUrl' && key !== 'beforeSend' && m[key] !== undefined) o[key] = m[key];
      }
    }
    return o;
  }

  function loadConfig(url) {
    const fetchFn = G.fetch;
    if (typeof fetchFn !== 'function') return Promise.resolve(null);
    let timeoutId;
    const timeout = new Promise((resolve) => {
      try {
        timeoutId = G.setTimeout(() => resolve(null), opts.configTimeout);
      } catch {
        resolve(null);
      }
    });
    const request = Promise.resolve()
      .then(() => fetchFn.call(G, url, { credentials: 'same-origin', cache: 'no-cache' }))
      .then((res) => (res && res.ok ? res.json() : null))
      .catch(() => null);
    return Promise.race([request, timeout]).then((cfg) => {
      try {
        G.clearTimeout(timeoutId);
      } catch {
        /* nothing */
      }
      return cfg && typeof cfg === 'object' ? cfg : null;
    }, () => null);
  }

  function becomeReady() {
    if (ready) return;
    ready = true;
    sessionSampled = random() < opts.sampleRate;
    eventsSampled = random() < opts.eventSampleRate;
    startFeatures();
    const held = early.splice(0, early.length);
    for (const [kind, payload] of held) admit(kind, restamp(kind, payload));
    resolveConfigured(rawConfig);
  }

  // Items created while /config.json was loading take the release and environment it set.
  function restamp(kind, payload) {
    if ('release' in payload) payload.release = opts.release;
    if ('environment' in payload) payload.environment = opts.environment;
    if (kind === 'metrics' && payload.tags) {
      payload.tags.environment = opts.environment;
      payload.tags.version = opts.release;
    }
    return payload;
  }

  // ---- admission, queues and sending ---------------------------------------------------------

  function enqueue(kind, payload) {
    if (!initialised) return;
    if (!ready) {
      if (early.length < EARLY_LIMIT) early.push([kind, payload]);
      else stats.dropped++;
      return;
    }
    admit(kind, payload);
  }

  function admit(kind, payload) {
    if (!opts.enabled) return;
    if (kind === 'errors') {
      if (!opts.captureErrors && payload.__auto) return;
      if (random() >= opts.errorSampleRate) {
        stats.sampledOut++;
        return;
      }
    } else if (kind === 'events') {
      if (!opts.trackEvents) return;
      if (!eventsSampled) {
        stats.sampledOut++;
        return;
      }
    } else if (kind === 'metrics') {
      if (isSelfTiming(payload)) {
        stats.selfFiltered++;
        return;
      }
      if (!opts.webVitals && String(payload.name).startsWith('web_vitals.')) return;
      if (!sessionSampled) {
        stats.sampledOut++;
        return;
      }
    }
    delete payload.__auto;
    let item = payload;
    if (typeof opts.beforeSend === 'function') {
      try {
        item = opts.beforeSend(kind, payload);
      } catch (e) {
        debug('beforeSend threw', e);
        item = payload;
      }
      if (!item || typeof item !== 'object') return;
    }
    const queue = queues[kind];
    if (queue.length >= opts.maxQueueSize) {
      stats.dropped++;
      return;
    }
    queue.push(item);
    stats.queued++;
    if (hidden()) {
      // The page may be going away: what arrives now (web-vitals' final CLS, INP and LCP are
      // reported in visibilitychange listeners) leaves at once.
      flushKind(kind, true);
    } else if (queue.length >= opts.maxBatchSize) {
      flushKind(kind, false);
    } else {
      schedule(kind === 'errors' ? opts.errorFlushDelay : opts.flushInterval);
    }
  }

  function schedule(delay) {
    const due = Math.max(now() + delay, backoffUntil);
    if (timer !== null && timerDue <= due) return;
    if (timer !== null) {
      try {
        G.clearTimeout(timer);
      } catch {
        /* nothing */
      }
    }
    timerDue = due;
    try {
      timer = G.setTimeout(onTimer, Math.max(0, due - now()));
    } catch {
      timer = null;
    }
  }

  const onTimer = guard(() => {
    timer = null;
    flushAll(false);
  });

  function flushAll(beacon) {
    for (const kind of KINDS) flushKind(kind, beacon);
  }

  // Splits items into request bodies of at most maxBatchSize items and MAX_BODY_BYTES.
  function bodies(items) {
    const out = [];
    let parts = [];
    let raw = [];
    let size = 2;
    const close = () => {
      if (parts.length) out.push({ body: `[${parts.join(',')}]`, count: parts.length, items: raw });
      parts = [];
      raw = [];
      size = 2;
    };
    for (const item of items) {
      let json;
      try {
        json = JSON.stringify(item);
      } catch {
        json = undefined;
      }
      const bytes = typeof json === 'string' ? byteLength(json) : Infinity;
      if (bytes + 2 > MAX_BODY_BYTES) {
        stats.dropped++;
        continue;
      }
      if (parts.length >= opts.maxBatchSize || size + bytes + 1 > MAX_BODY_BYTES) close();
      parts.push(json);
      raw.push(item);
      size += bytes + 1;
    }
    close();
    return out;
  }

  function flushKind(kind, beacon) {
    const queue = queues[kind];
    if (!queue.length) return;
    if (!beacon && sending[kind]) return; // the request's completion schedules the rest
    if (!beacon && now() < backoffUntil) {
      schedule(0); // fires when the back-off ends
      return;
    }
    const url = urlFor(kind);
    if (beacon) {
      const batches = bodies(queue.splice(0, queue.length));
      for (const b of batches) sendBeacon(kind, url, b);
      return;
    }
    const [batch, ...rest] = bodies(queue.splice(0, opts.maxBatchSize));
    if (!batch) return;
    for (let i = rest.length - 1; i >= 0; i--) queue.unshift(...rest[i].items);
    sendFetch(kind, url, batch);
  }

  function sendBeacon(kind, url, batch) {
    const nav = G.navigator;
    let ok = false;
    if (nav && typeof nav.sendBeacon === 'function') {
      try {
        // A string body goes as text/plain;charset=UTF-8: no CORS preflight, and edgewatch
        // accepts it.
        ok = nav.sendBeacon(url, batch.body) === true;
      } catch {
        ok = false;
      }
    }
    if (ok) {
      stats.beacons++;
      stats.sent += batch.count;
      return;
    }
    // The beacon queue is full (or absent): a keepalive fetch is the other way out.
    sendFetch(kind, url, batch, true);
  }

  function sendFetch(kind, url, batch, lastChance = false) {
    const fetchFn = G.fetch;
    if (typeof fetchFn !== 'function') {
      stats.dropped += batch.count;
      return;
    }
    const size = batch.body.length;
    const keepalive = keepaliveBytes + size <= MAX_BODY_BYTES;
    if (keepalive) keepaliveBytes += size;
    const init = {
      method: 'POST',
      body: batch.body,
      keepalive,
      credentials: 'same-origin',
      headers: {
        // Same origin: JSON. Elsewhere: text/plain keeps it a simple request (no preflight).
        'Content-Type': isSameOrigin(url) ? 'application/json' : 'text/plain;charset=UTF-8',
      },
    };
    if (!lastChance) sending[kind] = true;
    stats.requests++;
    let promise;
    try {
      promise = Promise.resolve(fetchFn.call(G, url, init));
    } catch (e) {
      promise = Promise.reject(e);
    }
    promise
      .then(
        (res) => onResponse(kind, batch, res, lastChance),
        (err) => onFailure(kind, batch, null, lastChance, err),
      )
      .catch(() => {
        stats.internalErrors++;
      })
      .finally(() => {
        if (keepalive) keepaliveBytes -= size;
        if (!lastChance) sending[kind] = false;
        inSdk++;
        try {
          if (queues[kind].length) {
            if (queues[kind].length >= opts.maxBatchSize) schedule(0);
            else schedule(kind === 'errors' ? opts.errorFlushDelay : opts.flushInterval);
          }
        } finally {
          inSdk--;
        }
      });
  }

  function onResponse(kind, batch, res, lastChance) {
    const status = res && typeof res.status === 'number' ? res.status : 0;
    if (status >= 200 && status < 300) {
      retries[kind] = 0;
      stats.sent += batch.count;
      return;
    }
    if (status === 429 || status >= 500) {
      let retryAfter = 0;
      try {
        retryAfter = Number(res.headers?.get?.('Retry-After')) || 0;
      } catch {
        retryAfter = 0;
      }
      onFailure(kind, batch, retryAfter, lastChance);
      return;
    }
    // 4xx: the items are wrong; sending them again would not help.
    stats.failedRequests++;
    stats.dropped += batch.count;
    debug(`${kind}: edgewatch answered ${status}; ${batch.count} ${batch.count === 1 ? 'item' : 'items'} dropped`);
  }

  function onFailure(kind, batch, retryAfterSeconds, lastChance, err) {
    stats.failedRequests++;
    if (err) debug(`${kind}: sending failed`, err);
    if (lastChance || retries[kind] >= MAX_RETRIES) {
      retries[kind] = 0;
      stats.dropped += batch.count;
      return;
    }
    retries[kind]++;
    const wait = retryAfterSeconds ? retryAfterSeconds * 1000 : 1000 * 2 ** retries[kind];
    backoffUntil = Math.max(backoffUntil, now() + Math.min(wait, 60000));
    // Back to the front of the queue, within the queue's bound.
    const queue = queues[kind];
    const room = Math.max(0, opts.maxQueueSize - queue.length);
    const back = batch.items.slice(0, room);
    stats.dropped += batch.items.length - back.length;
    queue.unshift(...back);
  }

  // ---- capture --------------------------------------------------------------------------------

  function addBreadcrumb(category, message, data) {
    breadcrumbs.push({
      timestamp: new Date(now()).toISOString(),
      category: str(category, 50),
      message: str(message, 200),
      ...(data ? { data: sanitize(data, 4) } : {}),
    });
    if (breadcrumbs.length > MAX_BREADCRUMBS) breadcrumbs.shift();
  }

  // Flood guard: the same error within 5 s is counted, not sent again; at most
  // maxErrorsPerMinute errors leave per minute (an error in a render loop must not flood).
  function admitError(key) {
    const t = now();
    for (const [k, at] of recentErrors) if (t - at > 5000) recentErrors.delete(k);
    if (recentErrors.has(key)) {
      stats.suppressedErrors++;
      return false;
    }
    if (t - errorWindowStart > 60000) {
      errorWindowStart = t;
      errorsInWindow = 0;
    }
    if (errorsInWindow >= opts.maxErrorsPerMinute) {
      stats.suppressedErrors++;
      return false;
    }
    errorsInWindow++;
    recentErrors.set(key, t);
    if (recentErrors.size > 100) recentErrors.delete(recentErrors.keys().next().value);
    return true;
  }

  // Builds the seed's error payload (sendToErrorEndpoint) plus name, level, release, environment
  // and page, which edgewatch also reads. No fingerprint is invented: edgewatch groups by the
  // stack; one the app chose is passed on.
  function errorPayload(report, source, auto) {
    const error = report.error;
    const isErr = error && typeof error === 'object';
    const name = str((isErr && error.name) || report.name || 'Error', 200);
    const message = str(
      report.message ?? (isErr ? error.message : error !== undefined ? error : '') ?? '',
      2000,
    );
    const stack = str(
      report.stack || (isErr && typeof error.stack === 'string' ? error.stack : '') || '',
      16000,
    );
    const context = sanitize({
      ...(report.context && typeof report.context === 'object' ? report.context : {}),
      source,
      ...(userProperties ? { user: userProperties } : {}),
      breadcrumbs: breadcrumbs.slice(),
    });
    const payload = {
      message,
      stack,
      context,
      userId: report.userId ?? userId,
      sessionId: report.sessionId ?? sessionId,
      timestamp: toIso(report.timestamp),
      ...(report.fingerprint ? { fingerprint: str(report.fingerprint, 200) } : {}),
      name,
      level: report.level ? str(report.level, 16) : 'error',
      release: opts.release,
      environment: opts.environment,
      page: page(),
    };
    if (auto) payload.__auto = true;
    return payload;
  }

  function toIso(ts) {
    if (ts instanceof Date && Number.isFinite(ts.getTime())) return ts.toISOString();
    if (typeof ts === 'number' && Number.isFinite(ts)) return new Date(ts).toISOString();
    if (typeof ts === 'string' && ts) return ts;
    return new Date(now()).toISOString();
  }

  function captureError(report, source, auto) {
    const payload = errorPayload(report, source, auto);
    if (!payload.message.trim() && !payload.stack.trim()) payload.message = 'Unknown error';
    const key = `${payload.name}|${payload.message}|${firstFrame(payload.stack)}`;
    if (!admitError(key)) return;
    enqueue('errors', payload);
    addBreadcrumb('error', `${payload.name}: ${payload.message}`);
  }

  const onWindowError = guard((event) => {
    if (inSdk > 1 || !event) return;
    const error = event.error;
    const message = error && typeof error === 'object' ? error.message : event.message;
    // "Script error." is a cross-origin script hiding its details: nothing to group by.
    if (!error && (!event.message || /^Script error\.?$/.test(event.message))) return;
    let stack = error && typeof error.stack === 'string' ? error.stack : '';
    if (!stack && event.filename) {
      const where = `${event.filename}:${event.lineno || 0}:${event.colno || 0}`;
      stack = `${(error && error.name) || 'Error'}: ${message}\n    at ${where}`;
    }
    captureError(
      {
        error: error && typeof error === 'object' ? error : undefined,
        message: typeof message === 'string' ? message : str(error ?? event.message ?? ''),
        stack,
        context: event.filename
          ? { filename: event.filename, lineno: event.lineno, colno: event.colno }
          : undefined,
      },
      'window.error',
      true,
    );
  });

  const onRejection = guard((event) => {
    if (inSdk > 1 || !event) return;
    const reason = event.reason;
    if (reason && typeof reason === 'object' && typeof reason.message === 'string') {
      captureError({ error: reason }, 'unhandledrejection', true);
      return;
    }
    let described;
    try {
      described = typeof reason === 'string' ? reason : JSON.stringify(sanitize(reason));
    } catch {
      described = str(reason);
    }
    captureError(
      {
        name: 'UnhandledRejection',
        message: `Non-Error promise rejection: ${str(described, 500)}`,
      },
      'unhandledrejection',
      true,
    );
  });

  const onHide = guard((event) => {
    const isHidden = event?.type === 'pagehide' || G.document?.visibilityState === 'hidden';
    if (!isHidden) return;
    hiddenNow = true;
    flushAll(true);
  });

  const onShow = guard((event) => {
    if (event?.type === 'pageshow' || G.document?.visibilityState === 'visible') hiddenNow = false;
  });

  const onClick = guard((event) => {
    const el = event && event.target;
    if (!el || typeof el !== 'object' || typeof el.tagName !== 'string') return;
    const tag = el.tagName.toLowerCase();
    if (tag !== 'button' && tag !== 'a' && el.getAttribute?.('role') !== 'button') return;
    const id = el.id ? `#${el.id}` : '';
    const label = (el.getAttribute?.('aria-label') || el.textContent || '').trim().slice(0, 60);
    addBreadcrumb('ui.click', `${tag}${id}${label ? ` "${label}"` : ''}`);
  });

  function listen(target, type, handler, options) {
    try {
      target?.addEventListener?.(type, handler, options);
    } catch {
      /* nothing */
    }
  }

  function installListeners() {
    if (listenersInstalled) return;
    listenersInstalled = true;
    listen(G, 'error', onWindowError);
    listen(G, 'unhandledrejection', onRejection);
    // On the document, in the bubbling phase: after web-vitals' window capture listeners have
    // reported the final values, so they are in the queue when it is flushed.
    listen(G.document, 'visibilitychange', onHide);
    listen(G.document, 'visibilitychange', onShow);
    listen(G, 'pagehide', onHide);
    listen(G, 'pageshow', onShow);
    if (opts.clickBreadcrumbs)
      listen(G.document, 'click', onClick, { capture: true, passive: true });
  }

  const reportWebVital = guard((metric) => {
    if (!metric || typeof metric.name !== 'string') return;
    trackMetric({
      name: `web_vitals.${metric.name}`,
      value: metric.value,
      unit: metric.name === 'CLS' ? 'score' : 'ms',
      tags: {
        id: metric.id,
        rating: metric.rating,
        ...(metric.navigationType ? { navigationType: metric.navigationType } : {}),
        page: page(),
      },
    });
  });

  function startVitals() {
    if (vitalsStarted || !opts.webVitals || !vitals) return;
    vitalsStarted = true;
    for (const name of VITALS) {
      const fn = vitals[`on${name}`];
      if (typeof fn !== 'function') continue;
      try {
        fn(reportWebVital);
      } catch (e) {
        debug(`web-vitals on${name} failed`, e);
      }
    }
  }

  // The seed's PerformanceObserver (navigation, resource and measure entries), minus the
  // SDK's own requests.
  function startObserver() {
    if (observerStarted || !opts.performanceObserver) return;
    const PO = G.PerformanceObserver;
    if (typeof PO !== 'function') return;
    observerStarted = true;
    const onEntries = guard((list) => {
      for (const entry of list.getEntries()) {
        if (entry.entryType === 'resource' && isOwnUrl(entry.name)) {
          stats.selfFiltered++;
          continue;
        }
        let name = entry.name;
        if (entry.entryType === 'resource' || entry.entryType === 'navigation') {
          const u = parseUrl(entry.name);
          if (u) name = u.origin + u.pathname;
        }
        trackMetric({
          name: `performance.${entry.entryType}.${name}`,
          value: entry.duration || entry.startTime,
          unit: 'ms',
          tags: { entryType: entry.entryType, name },
        });
      }
    });
    for (const type of ['navigation', 'resource', 'measure']) {
      try {
        new PO(onEntries).observe({ type, buffered: true });
      } catch (e) {
        debug(`PerformanceObserver ${type} not supported`, e);
      }
    }
  }

  function startFeatures() {
    startVitals();
    startObserver();
  }

  // ---- public API -----------------------------------------------------------------------------

  // The seed's trackPerformanceMetric: tags gain sessionId, userId, environment and version.
  function trackMetric(metric) {
    if (!metric || typeof metric !== 'object' || typeof metric.name !== 'string') return;
    const value = Number(metric.value);
    if (!Number.isFinite(value)) return;
    enqueue('metrics', {
      name: str(metric.name, 500),
      value,
      unit: str(metric.unit ?? 'ms', 16),
      tags: {
        ...stringTags(metric.tags),
        sessionId,
        userId: userId || 'anonymous',
        environment: opts.environment,
        version: opts.release,
      },
      timestamp: toIso(metric.timestamp),
      release: opts.release,
      environment: opts.environment,
      page: page(),
    });
  }

  const api = {};

  api.init = guard((options = {}) => {
    if (!initialised) sessionId = loadSessionId();
    applyOptions(options);
    const firstInit = !initialised;
    initialised = true;
    installListeners();
    if (firstInit && typeof opts.configUrl === 'string' && opts.configUrl) {
      const initOptions = options;
      configPromise = loadConfig(opts.configUrl).then(
        guard((cfg) => {
          rawConfig = cfg;
          if (cfg) {
            applyOptions(optionsFromConfig(cfg));
            // The page's explicit userId wins over nothing in the file.
            if (initOptions.userId !== undefined) userId = str(initOptions.userId, 200);
          }
          becomeReady();
          return cfg;
        }),
      );
    } else if (firstInit) {
      becomeReady();
    } else {
      startFeatures();
    }
    return api;
  }, api);

  api.trackEvent = guard((event, properties) => {
    if (typeof event === 'string') event = { name: event, properties };
    if (!event || typeof event !== 'object' || typeof event.name !== 'string') return;
    enqueue('events', {
      name: str(event.name, 200),
      ...(event.properties !== undefined ? { properties: sanitize(event.properties) } : {}),
      timestamp: toIso(event.timestamp),
      userId: event.userId ?? userId,
      sessionId: event.sessionId ?? sessionId,
      release: opts.release,
      environment: opts.environment,
      page: page(),
    });
    addBreadcrumb('event', event.name);
  });

  api.trackPerformanceMetric = guard((metric) => trackMetric(metric));

  // reportError(error), reportError(error, context) or the seed's reportError({ error, context,
  // userId, sessionId, timestamp, stack, fingerprint }).
  api.reportError = guard((report, context) => {
    if (report === undefined || report === null) return;
    let r;
    if (
      typeof report === 'object' &&
      !(typeof report.message === 'string' && typeof report.name === 'string') &&
      'error' in report
    ) {
      r = { ...report };
    } else {
      r = { error: report, context };
    }
    captureError(r, 'reportError', false);
  });

  api.setUser = guard((id, properties) => {
    userId = id === undefined || id === null ? undefined : str(id, 200);
    userProperties =
      properties && typeof properties === 'object' ? sanitize(properties, 3) : undefined;
  });

  api.addBreadcrumb = guard((message, data) => {
    addBreadcrumb('app', message, data);
  });

  // Sends what is queued now; beacon: true uses sendBeacon (as on page hide).
  api.flush = guard((options = {}) => {
    if (!ready) return;
    flushAll(!!options.beacon);
  });

  api.getSessionInfo = guard(
    () => ({
      sessionId,
      userId,
      version: opts.release,
      release: opts.release,
      environment: opts.environment,
      sampled: sessionSampled,
    }),
    {},
  );

  // The /config.json contents once loaded (null when absent or not asked for).
  api.whenConfigured = () => configured;
  api.getConfig = () => rawConfig;
  api.getStats = () => ({
    ...stats,
    queuedNow: queues.errors.length + queues.metrics.length + queues.events.length,
  });
  api.reportWebVital = reportWebVital;
  api.isOwnUrl = guard((u) => isOwnUrl(u), false);
  api._configPromise = () => configPromise;

  return api;
}
