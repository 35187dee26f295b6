// Analytics events: counts and unique sessions per name, and the busiest names over time.
import { api, deployments } from '../api.js';
import { palette, timeChart } from '../charts.js';
import { card, clear, empty, h, num, sk } from '../ui.js';
import { align, bucketGrid } from './common.js';

const TOP = 5;

function eventsChart(names) {
  return timeChart({
    series: (names.length ? names : ['events']).map((name, i) => ({ label: name, color: palette[i % palette.length], points: true })),
    y: { format: (v) => num(Math.round(v)), integer: true },
    empty: 'No events in this range',
  });
}

function tableHead() {
  return h('thead', null, h('tr', null, h('th', { text: 'Event' }), h('th', { text: '' }), h('th', { class: 'num', text: 'Count' }), h('th', { class: 'num', text: 'Unique sessions' })));
}

export function eventsView() {
  // Until the first answer: a chart with no series yet (a placeholder of its size), table rows.
  let chart = eventsChart([]);
  let chartNames = null;
  const chartBox = h('div', null, chart.el);
  const tableBox = h(
    'div',
    null,
    h('table', null, tableHead(), h('tbody', null, [90, 60, 30].map((width) => {
      const bar = h('div', { class: 'events-bar sk loading' });
      bar.style.width = `${width}%`;
      return h('tr', null, h('td', null, sk('page_view')), h('td', { class: 'bar-cell' }, bar), h('td', { class: 'num' }, sk('000')), h('td', { class: 'num' }, sk('00')));
    }))),
  );
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
      if (names !== chartNames) {
        chart.destroy();
        chart = eventsChart(top);
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
              tableHead(),
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
      chart.destroy();
    },
  };
}
