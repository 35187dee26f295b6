// Web vitals: p75 per metric against the official thresholds and the seed's performance budget
// (LCP 2.5 s, FCP 2 s, CLS 0.1), their trend, and the same per page and per release.
import { api, deployments } from '../api.js';
import { colors, timeChart } from '../charts.js';
import { card, clear, count, empty, h, ms, num, pct, shares, sk } from '../ui.js';
import { align, bucketGrid } from './common.js';

// Official thresholds (good up to the first, poor from the second) and the seed's budgets.
export const VITALS = [
  { metric: 'LCP', name: 'Largest Contentful Paint', good: 2500, poor: 4000, budget: 2500 },
  { metric: 'INP', name: 'Interaction to Next Paint', good: 200, poor: 500 },
  { metric: 'CLS', name: 'Cumulative Layout Shift', good: 0.1, poor: 0.25, budget: 0.1, unitless: true },
  { metric: 'FCP', name: 'First Contentful Paint', good: 1800, poor: 3000, budget: 2000 },
  { metric: 'TTFB', name: 'Time to First Byte', good: 800, poor: 1800 },
];

function fmt(v, unitless) {
  if (v === null || v === undefined) return '—';
  return unitless ? (v < 0.01 && v > 0 ? v.toFixed(3) : v.toFixed(2)) : ms(v);
}

function rating(v, def) {
  if (v === null || v === undefined) return 'nodata';
  if (v <= def.good) return 'good';
  if (v <= def.poor) return 'needs-improvement';
  return 'poor';
}

// One metric's card; loading: before the first answer, the same card with placeholders.
function vitalCard(def, row, loading) {
  const p75 = row ? row.p75 : null;
  const r = rating(p75, def);
  const over = def.budget !== undefined && p75 !== null && p75 > def.budget;
  // One line whatever the value, so that the cards keep their height.
  const budget = def.budget !== undefined ? `p75 · ${over ? 'over budget' : 'budget'} ${fmt(def.budget, def.unitless)}` : `p75 · good ≤ ${fmt(def.good, def.unitless)}`;
  const share = (v) => (loading ? sk('00%', 'b') : h('b', { text: row ? pct(v, 0) : '—' }));
  return h(
    'section',
    { class: 'card vital' },
    h('div', { class: 'head' }, h('strong', { text: def.metric }), h('span', { text: def.name })),
    loading ? h('div', { class: 'value' }, sk(def.unitless ? '0.00' : '0.00 s')) : h('div', { class: `value ${r}`, text: fmt(p75, def.unitless) }),
    h('div', { class: `budget${over ? ' over' : ''}`, title: budget, text: budget }),
    shares(row ? row.good : 0, row ? row.needs_improvement : 0, row ? row.poor : 0),
    h(
      'div',
      { class: 'share-legend' },
      h('span', { class: 'g' }, share(row && row.good), ' good'),
      h('span', { class: 'n' }, share(row && row.needs_improvement), ' needs impr.'),
      h('span', { class: 'p' }, share(row && row.poor), ' poor'),
    ),
    h('div', { class: 'sub muted' }, loading ? sk('000 samples') : row ? count(row.count, 'sample') : 'no samples'),
  );
}

function breakdownHead(label) {
  return h('thead', null, h('tr', null, h('th', { text: label }), VITALS.map((d) => h('th', { class: 'num', text: d.metric })), h('th', { class: 'num', text: 'Samples' })));
}

// The breakdown's table until its first answer, with placeholder rows.
function breakdownSkeleton(label, rows) {
  const cell = () => h('td', { class: 'num' }, h('div', { class: 'cell-vital' }, sk('0.00 s'), shares(0, 0, 0, true)));
  return h('table', null, breakdownHead(label), h('tbody', null, Array.from({ length: rows }, () => h('tr', null, h('td', null, sk('/products/42')), VITALS.map(cell), h('td', { class: 'num' }, sk('000'))))));
}

function breakdown(rows, key, label) {
  const groups = new Map();
  for (const r of rows) {
    const k = r[key] || '(none)';
    if (!groups.has(k)) groups.set(k, {});
    groups.get(k)[r.metric] = r;
  }
  if (!groups.size) return empty('No web vitals in this range', 'Pages using the SDK (or the seed client) report them.');
  const total = (g) => Object.values(g).reduce((a, r) => a + r.count, 0);
  const sorted = [...groups.entries()].sort((a, b) => total(b[1]) - total(a[1])).slice(0, 25);
  return h(
    'table',
    null,
    breakdownHead(label),
    h(
      'tbody',
      null,
      sorted.map(([k, g]) =>
        h(
          'tr',
          null,
          h('td', { class: key === 'page' ? 'mono' : '' }, key === 'release' ? h('span', { class: 'tag', text: k }) : k),
          VITALS.map((d) => {
            const r = g[d.metric];
            if (!r) return h('td', { class: 'num muted', text: '—' });
            return h('td', { class: 'num' }, h('div', { class: 'cell-vital' }, h('span', { class: `v ${rating(r.p75, d)}`, text: fmt(r.p75, d.unitless) }), shares(r.good, r.needs_improvement, r.poor, true)));
          }),
          h('td', { class: 'num muted', text: num(total(g)) }),
        ),
      ),
    ),
  );
}

export function vitalsView() {
  const cards = h('div', { class: 'grid five' }, VITALS.map((def) => vitalCard(def, null, true)));
  const trendCharts = VITALS.map((def) =>
    timeChart({
      series: [{ label: `${def.metric} p75`, color: colors.accent, points: true, spanGaps: true }],
      y: { format: (v) => fmt(v, def.unitless), unit: def.unitless ? 0.1 : 100 },
      budgets: [def.budget !== undefined ? { value: def.budget, label: `budget ${fmt(def.budget, def.unitless)}`, color: colors.poor } : { value: def.good, label: `good ≤ ${fmt(def.good, def.unitless)}`, color: colors.good }],
      height: 160,
      legend: false,
      empty: 'No samples in this range',
    }),
  );
  const byPage = h('div', null, breakdownSkeleton('Page', 3));
  const byRelease = h('div', null, breakdownSkeleton('Release', 2));
  const el = h(
    'div',
    { class: 'stack' },
    cards,
    h('div', { class: 'grid two' }, VITALS.map((def, i) => card(`${def.metric} p75 over time`, { hint: def.budget !== undefined ? 'dashed: budget' : 'dashed: good threshold' }, trendCharts[i].el))),
    card('By page', { flush: true, hint: 'p75, with good / needs improvement / poor shares' }, byPage),
    card('By release', { flush: true, hint: 'p75 per release' }, byRelease),
  );
  return {
    el,
    title: 'Web vitals',
    subtitle: 'p75 of real users, against the performance budget: LCP 2.5 s · FCP 2 s · CLS 0.1',
    interval: 10000,
    async refresh(ctx) {
      const [overall, trend, pages, releases, deploys] = await Promise.all([
        // Without group_by the API splits by page, release and device; "metric" merges them.
        api('vitals', { since: ctx.since, group_by: 'metric' }),
        api('vitals', { since: ctx.since, bucket: ctx.bucket, group_by: 'metric', limit: 10000 }),
        api('vitals', { since: ctx.since, group_by: 'page' }),
        api('vitals', { since: ctx.since, group_by: 'release' }),
        deployments(),
      ]);
      const byMetric = Object.fromEntries((overall.items || []).map((r) => [r.metric, r]));
      clear(cards, VITALS.map((def) => vitalCard(def, byMetric[def.metric])));
      const xs = bucketGrid(ctx.xRange, ctx.bucket);
      VITALS.forEach((def, i) => {
        const rows = (trend.items || []).filter((r) => r.metric === def.metric);
        trendCharts[i].update([xs, align(xs, rows, (r) => r.p75)], deploys, ctx.xRange);
      });
      clear(byPage, breakdown(pages.items || [], 'page', 'Page'));
      clear(byRelease, breakdown(releases.items || [], 'release', 'Release'));
    },
    destroy() {
      for (const c of trendCharts) c.destroy();
    },
  };
}
