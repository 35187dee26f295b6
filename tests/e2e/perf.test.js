// The seed's performance checklist, measured in headless Chromium through edgewatch over
// loopback for the example chat app: first contentful paint under 2 s, largest contentful
// paint under 2.5 s, cumulative layout shift under 0.1. Cold loads (a fresh profile each: no
// cache) and warm loads (reloads: immutable assets from cache, index.html revalidated). Then
// the same for the dashboard's overview (/_edgewatch/, signed in), cold loads.
// Results go to artifacts/browser-performance.json; docs/benchmarks.md quotes them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import {
  launchBrowser,
  poll,
  queryApi,
  screenshotPath,
  signInToDashboard,
  startStack,
  stopStack,
} from './harness.js';

const BUDGET = { fcp: 2000, lcp: 2500, cls: 0.1 };
const COLD_LOADS = Number(process.env.EW_PERF_COLD || 3);
const WARM_LOADS = Number(process.env.EW_PERF_WARM || 5);

// FCP, LCP, CLS (every shift without recent input, summed: at least web-vitals' session-window
// value) and TTFB of the page as loaded, read from the browser's own performance entries;
// ready is what shows that the page has drawn its first screen.
async function measure(page, url, ready = '.empty h1') {
  await page.goto(url, { waitUntil: 'load' });
  await page.locator(ready).first().waitFor();
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const out = { fcp: null, lcp: null, cls: 0, ttfb: null };
        const nav = performance.getEntriesByType('navigation')[0];
        out.ttfb = nav ? nav.responseStart : null;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries())
            if (e.name === 'first-contentful-paint') out.fcp = e.startTime;
        }).observe({ type: 'paint', buffered: true });
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          out.lcp = entries[entries.length - 1].startTime;
        }).observe({ type: 'largest-contentful-paint', buffered: true });
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (!e.hadRecentInput) out.cls += e.value;
        }).observe({ type: 'layout-shift', buffered: true });
        // Late shifts (config arriving, fonts) would show within a second after load.
        setTimeout(() => resolve(out), 1000);
      }),
  );
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return { median, max: sorted[sorted.length - 1], values };
}

function summarize(loads) {
  const out = {};
  for (const metric of ['fcp', 'lcp', 'cls', 'ttfb']) {
    out[metric] = summary(loads.map((r) => r[metric]));
  }
  return out;
}

// Timings are recorded, never asserted: on a shared machine they are noise, and the project
// measures performance in bench/ (docs/benchmarks.md has the numbers). Layout shift is not a
// timing — a page that shifts is a defect — so it is asserted on every load.
function check(t, label, r) {
  t.diagnostic(
    `${label}: FCP median ${r.fcp.median.toFixed(0)} ms (max ${r.fcp.max.toFixed(0)}), ` +
      `LCP median ${r.lcp.median.toFixed(0)} ms (max ${r.lcp.max.toFixed(0)}), ` +
      `CLS max ${r.cls.max.toFixed(4)}, TTFB median ${r.ttfb.median.toFixed(1)} ms`,
  );
  if (r.fcp.median >= BUDGET.fcp) t.diagnostic(`over budget: ${label} FCP ${r.fcp.median} ms`);
  if (r.lcp.median >= BUDGET.lcp) t.diagnostic(`over budget: ${label} LCP ${r.lcp.median} ms`);
  assert.ok(r.cls.max < BUDGET.cls, `${label} CLS ${r.cls.max}`);
}

describe('browser performance checklist (seed)', () => {
  let stack;
  const report = { budget: BUDGET, machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model}` };
  const writeReport = () =>
    writeFileSync(
      screenshotPath('browser-performance.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );

  before(async () => {
    stack = await startStack();
  });

  after(async () => {
    await stopStack(stack);
  });

  test('FCP < 2 s, LCP < 2.5 s, CLS < 0.1 for cold and warm loads', async (t) => {
    const url = `${stack.url}/`;
    const runs = { cold: [], warm: [] };
    for (let i = 0; i < COLD_LOADS; i++) {
      const browser = await launchBrowser();
      try {
        const page = await browser.context.newPage();
        runs.cold.push(await measure(page, url));
        if (i === 0) await page.screenshot({ path: screenshotPath('chat-loaded.png') });
        await page.goto('about:blank'); // hide: the SDK's final vitals leave by beacon
      } finally {
        await browser.close();
      }
    }
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await measure(page, url); // fills the cache
      for (let i = 0; i < WARM_LOADS; i++) runs.warm.push(await measure(page, url));
      await page.goto('about:blank');
    } finally {
      await browser.close();
    }

    report.cold = summarize(runs.cold);
    report.warm = summarize(runs.warm);

    // What the pages reported through the SDK, as edgewatch aggregated it (p75 over every load).
    const probe = await queryApi(stack, 'vitals');
    if (probe.status === 200) {
      const rows = await poll(async () => {
        const { body } = await queryApi(stack, 'vitals');
        const items = body.items || [];
        const fcp = items.find((r) => r.metric === 'FCP');
        return fcp && fcp.count >= COLD_LOADS + WARM_LOADS ? items : null;
      });
      report.reported = (rows || []).map(
        ({ metric, p75, count, good, needs_improvement, poor }) => ({
          metric,
          p75,
          count,
          good,
          needs_improvement,
          poor,
        }),
      );
    }
    writeReport();
    for (const row of report.reported || []) {
      t.diagnostic(`reported ${row.metric}: p75 ${row.p75} over ${row.count}`);
    }
    check(t, 'cold', report.cold);
    check(t, 'warm', report.warm);
  });

  // The dashboard as an operator opens it: signed in, a fresh profile each time, straight into
  // the overview. It lays out at its final size at once (placeholders where the data goes) and
  // fills in once its first API answers are in; measured from then (.service: a real health row).
  test('dashboard overview: CLS < 0.1 on cold loads (FCP and LCP recorded)', async (t) => {
    const runs = [];
    for (let i = 0; i < COLD_LOADS; i++) {
      const browser = await launchBrowser();
      try {
        const page = await browser.context.newPage();
        await signInToDashboard(page, stack);
        runs.push(await measure(page, `${stack.url}/_edgewatch/`, '.service'));
        if (i === 0) await page.screenshot({ path: screenshotPath('dashboard-loaded.png') });
      } finally {
        await browser.close();
      }
    }
    report.dashboard = { cold: summarize(runs) };
    writeReport();
    check(t, 'dashboard cold', report.dashboard.cold);
  });
});
