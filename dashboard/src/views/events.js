// Analytics events: counts and unique sessions per name, and the busiest names over time.
import { api, deployments } from '../api.js';
import { palette, timeChart } from '../charts.js';
import { card, clear, empty, h, num } from '../ui.js';
import { align, bucketGrid } from './common.js';

const TOP = 5;

export function eventsView() {
  const tableBox = h('div');
  const chartBox = h('div');
  let chart = null;
  let chartNames = '';
  const el = h('div', { class: 'stack' }, card('Events over time', { hint: `the ${TOP} most frequent` }, chartBox), card('All events', { flush: true }, tableBox));
  return {
    el,
    title: 'Events',
    subtitle: 'Analytics events sent with trackEvent, counted per name',
    interval: 10000,
    async refresh(ctx) {
      const [totals, series, deploys] = await Promise.all([api('events', { since: ctx.since, limit: 1000 }), api('events', { since: ctx.since, bucket: ctx.bucket, limit: 10000 }), deployments()]);
      const rows = (totals.items || []).slice().sort((a, b) => b.count - a.count);
      const top = rows.slice(0, TOP).map((r) => r.name);
      const names = top.join('\u0000');
      if (!chart || names !== chartNames) {
        if (chart) chart.destroy();
        chart = timeChart({
          series: (top.length ? top : ['events']).map((name, i) => ({ label: name, color: palette[i % palette.length], points: true })),
          y: { format: (v) => num(Math.round(v)), integer: true },
          empty: 'No events in this range',
        });
        chartNames = names;
        clear(chartBox, chart.el);
      }
      const xs = bucketGrid(ctx.xRange, ctx.bucket);
      const items = series.items || [];
      const ys = (top.length ? top : ['']).map((name) => align(xs, items.filter((r) => r.name === name), (r) => r.count));
      chart.update([xs, ...ys], deploys, ctx.xRange);
      const max = Math.max(1, ...rows.map((r) => r.count));
      clear(
        tableBox,
        rows.length === 0
          ? empty('No events in this range', 'trackEvent({ name, properties }) from the SDK or the seed client records them.')
          : h(
              'table',
              null,
              h('thead', null, h('tr', null, h('th', { text: 'Event' }), h('th', { text: '' }), h('th', { class: 'num', text: 'Count' }), h('th', { class: 'num', text: 'Unique sessions' }))),
              h(
                'tbody',
                null,
                rows.map((r) => {
                  const bar = h('div', { class: 'events-bar' });
                  bar.style.width = `${Math.max(1, (r.count / max) * 100).toFixed(1)}%`;
                  return h('tr', null, h('td', { class: 'mono', text: r.name }), h('td', { class: 'bar-cell' }, bar), h('td', { class: 'num', text: num(r.count) }), h('td', { class: 'num', text: num(r.unique_sessions) }));
                }),
              ),
            ),
      );
    },
    destroy() {
      if (chart) chart.destroy();
    },
  };
}
