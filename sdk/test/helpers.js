// A minimal window for the SDK under node's test runner: EventTargets for window and document,
// a manual clock and timers, and recorders for fetch and sendBeacon. Only what the SDK touches.
import { createMonitor } from '../src/core.js';

export function fakePage(options = {}) {
  const clock = { t: 1_700_000_000_000 };
  const timers = new Map();
  let nextTimer = 1;
  const calls = { fetch: [], beacon: [] };
  const win = new EventTarget();
  const document = new EventTarget();
  document.visibilityState = 'visible';
  const storage = new Map();
  const responder =
    options.respond ||
    (() => ({
      ok: true,
      status: 200,
      headers: new Headers({ 'Content-Type': 'application/json' }),
    }));

  Object.assign(win, {
    document,
    location: {
      href: options.href || 'https://app.example/chat/42?tab=1',
      pathname: new URL(options.href || 'https://app.example/chat/42?tab=1').pathname,
      origin: new URL(options.href || 'https://app.example/chat/42?tab=1').origin,
    },
    navigator: {
      sendBeacon(url, body) {
        calls.beacon.push({ url, body });
        return options.beaconResult ?? true;
      },
    },
    fetch(url, init) {
      calls.fetch.push({ url, init });
      return Promise.resolve().then(() => responder(url, init, calls.fetch.length));
    },
    setTimeout(fn, ms) {
      const id = nextTimer++;
      timers.set(id, { fn, at: clock.t + Math.max(0, ms || 0) });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    sessionStorage: {
      getItem: (k) => (storage.has(k) ? storage.get(k) : null),
      setItem: (k, v) => storage.set(k, String(v)),
    },
    console: { debug() {}, warn() {}, error() {} },
  });
  if (options.extra) Object.assign(win, options.extra);

  const randomValues = options.random ? [...options.random] : null;
  const monitor = createMonitor({
    global: win,
    vitals: options.vitals ?? null,
    now: () => clock.t,
    random: () =>
      randomValues && randomValues.length ? randomValues.shift() : (options.randomDefault ?? 0.5),
  });

  // Lets promise callbacks (fetch answers) run.
  async function settle() {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  // Moves the clock forward, running due timers in order, and lets promises settle.
  async function advance(ms = 0) {
    const end = clock.t + ms;
    await settle();
    for (;;) {
      let next = null;
      for (const [id, t] of timers) if (t.at <= end && (!next || t.at < next[1].at)) next = [id, t];
      if (!next) break;
      timers.delete(next[0]);
      clock.t = Math.max(clock.t, next[1].at);
      next[1].fn();
      await settle();
    }
    clock.t = end;
  }

  function hide() {
    document.visibilityState = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
  }

  function dispatchError(fields) {
    const ev = new Event('error');
    Object.assign(ev, fields);
    win.dispatchEvent(ev);
  }

  function dispatchRejection(reason) {
    const ev = new Event('unhandledrejection');
    ev.reason = reason;
    win.dispatchEvent(ev);
  }

  // Every item sent, by endpoint path, in order, whichever way it went.
  function sent(path) {
    const out = [];
    for (const c of calls.fetch) {
      if (new URL(c.url, win.location.href).pathname === path && c.init?.method === 'POST') {
        out.push(...JSON.parse(c.init.body));
      }
    }
    for (const c of calls.beacon) {
      if (new URL(c.url, win.location.href).pathname === path) out.push(...JSON.parse(c.body));
    }
    return out;
  }

  return {
    win,
    document,
    monitor,
    calls,
    clock,
    timers,
    advance,
    settle,
    hide,
    dispatchError,
    dispatchRejection,
    sent,
  };
}

export const EVENTS = '/api/analytics/events';
export const METRICS = '/api/monitoring/metrics';
export const ERRORS = '/api/monitoring/errors';
