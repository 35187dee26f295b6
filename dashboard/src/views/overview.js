// Overview: each service's health with uptime bars, traffic (rate, latency percentiles, errors),
// open streams and WebSockets, time to first token, and recent deployments.
import { api, deployments } from '../api.js';
import { colors, timeChart } from '../charts.js';
import { ago, card, clear, count, dateTime, empty, h, ms, num, pct, sk } from '../ui.js';
import { align, bucketGrid, STATUS_RANK } from './common.js';

const SLOTS = 60;

function splitService(name) {
  const space = name.indexOf(' ');
  return space < 0 ? [name, ''] : [name.slice(0, space), name.slice(space + 1)];
}

const LABELS = { overall: 'Overall', storage: 'Storage', disk: 'Disk space', upstream: 'Upstream', websocket: 'WebSocket' };

// Slot statuses from the transitions of one service: the worst status seen in each slot.
function uptimeSlots(transitions, from, to) {
  const list = transitions.map((t) => ({ at: Date.parse(t.at), to: t.to })).sort((a, b) => a.at - b.at);
  const step = (to - from) / SLOTS;
  const slots = [];
  let i = 0;
  let current = null;
  while (i < list.length && list[i].at <= from) current = list[i++].to;
  for (let s = 0; s < SLOTS; s++) {
    const end = from + (s + 1) * step;
    let worst = current;
    while (i < list.length && list[i].at < end) {
      current = list[i++].to;
      if (worst === null || STATUS_RANK[current] > STATUS_RANK[worst]) worst = current;
    }
    slots.push({ status: worst, start: from + s * step, end });
  }
  return slots;
}

function uptimeBar(slots) {
  const bar = h('div', { class: 'uptime-bar', role: 'img', 'aria-label': 'Status over the range' });
  for (const s of slots) {
    bar.append(h('i', { class: s.status || '', title: `${dateTime(s.start)} – ${dateTime(s.end)}: ${s.status || 'no data'}` }));
  }
  return bar;
}

const fmtUptime = (v) => (v === null || v === undefined ? '—' : `${v >= 99.995 ? '100' : v.toFixed(2)}%`);

// One service's row: name and status, uptime bar, uptime over 24 h, 7 d and 30 d.
function serviceRow(s, slots) {
  const [kind, detail] = splitService(s.service);
  const u = s.uptime || {};
  return h(
    'div',
    { class: 'svc service' },
    h('div', { class: 'name' }, h('strong', null, LABELS[kind] || kind, ' ', h('span', { class: `pill ${s.status}`, text: s.status })), h('span', { text: detail || `since ${ago(s.since)}`, title: s.service })),
    h('div', null, uptimeBar(slots)),
    h('div', { class: 'uptime-nums' }, ['24h', '7d', '30d'].map((k) => h('span', null, h('b', { text: fmtUptime(u[k]) })))),
  );
}

// The same row before the first answer: the same boxes, greyed.
function serviceSkeleton() {
  const bar = h('div', { class: 'uptime-bar loading', 'aria-hidden': 'true' });
  for (let i = 0; i < SLOTS; i++) bar.append(h('i'));
  return h(
    'div',
    { class: 'svc' },
    h('div', { class: 'name' }, h('strong', null, sk('Storage'), ' ', h('span', { class: 'pill sk loading', text: 'healthy' })), sk('since just now')),
    h('div', null, bar),
    h('div', { class: 'uptime-nums' }, ['24h', '7d', '30d'].map(() => h('span', null, h('b', null, sk('100%'))))),
  );
}

// How many services the last answer had (a stack with an upstream has five), to draw as many
// placeholders next time.
const SERVICES_KEY = 'ew.services';
function expectedServices() {
  const n = Number(localStorage.getItem(SERVICES_KEY));
  return n >= 1 && n <= 50 ? n : 5;
}

// A key number; its label is there from the start, its value and note once they are known.
function kpiTile(label, sub) {
  const value = h('div', { class: 'value' }, sk('0.00'));
  const note = h('div', { class: 'sub' }, sk(sub));
  return {
    el: h('div', { class: 'card kpi' }, h('div', { class: 'label', text: label }), value, note),
    set(v, unit, text) {
      clear(value, v, unit ? h('small', { text: unit }) : null);
      note.textContent = text || '';
    },
  };
}

function splitMs(v) {
  if (v === null || v === undefined) return ['—', ''];
  const text = ms(v);
  const i = text.lastIndexOf(' ');
  return [text.slice(0, i), text.slice(i + 1)];
}

let ttftName = { at: 0, name: null };
async function findTtftMetric(since) {
  if (Date.now() - ttftName.at < 60000) return ttftName.name;
  const body = await api('metrics', { since: '7d', limit: 1000 });
  const names = [...new Set((body.items || []).map((r) => r.name))];
  const name = names.find((n) => /time_to_first_token|(^|[._])ttft($|[._])/i.test(n)) || null;
  ttftName = { at: Date.now(), name };
  return name;
}

export function overviewView() {
  const healthBody = h('div', { class: 'services' }, Array.from({ length: expectedServices() }, serviceSkeleton));
  const overall = h('span', null, h('span', { class: 'pill sk loading', text: 'healthy' }));
  const kpi = {
    rps: kpiTile('Requests', 'last 30 s'),
    p95: kpiTile('Latency p95', 'last 30 s'),
    errors: kpiTile('Errors', '5xx, last 30 s'),
    streams: kpiTile('Open streams', '0 WebSockets'),
    ttft: kpiTile('First token', 'average, 1h'),
    issues: kpiTile('Open issues', '0 items ingested'),
  };
  const kpis = h('div', { class: 'grid kpis' }, Object.values(kpi).map((k) => k.el));
  const charts = {
    rate: timeChart({ series: [{ label: 'requests/s', color: colors.accent }], y: { format: (v) => num(v) } }),
    latency: timeChart({
      series: [
        { label: 'p50', color: colors.good, spanGaps: true },
        { label: 'p95', color: colors.accent, spanGaps: true },
        { label: 'p99', color: colors.violet, spanGaps: true },
      ],
      y: { format: (v) => ms(v) },
    }),
    errors: timeChart({
      series: [
        { label: '5xx', color: colors.poor },
        { label: '4xx', color: colors.warn },
      ],
      y: { format: (v) => pct(v, v < 0.1 ? 1 : 0), unit: 0.01 },
    }),
    streams: timeChart({
      series: [
        { label: 'SSE streams', color: colors.cyan },
        { label: 'WebSockets', color: colors.violet },
        { label: 'in flight', color: colors.accent, fill: false },
      ],
      y: { format: (v) => num(Math.round(v)), integer: true },
    }),
    ttft: timeChart({
      series: [
        { label: 'average', color: colors.accent, points: true },
        { label: 'slowest', color: colors.warn, points: true, fill: false },
      ],
      y: { format: (v) => ms(v) },
      empty: 'No time-to-first-token metric reported yet',
    }),
    ttfb: timeChart({
      series: [
        { label: 'p50', color: colors.good, spanGaps: true },
        { label: 'p95', color: colors.accent, spanGaps: true },
      ],
      y: { format: (v) => ms(v) },
      empty: 'No upstream responses yet',
    }),
  };
  const deployList = h('div', { class: 'deploys' }, [0, 1].map(() => h('div', { class: 'deploy', 'aria-hidden': 'true' }, h('i', { class: 'sk loading' }), h('div', null, sk('1.0.0'), ' ', sk('production')), sk('just now · 25 Nov, 12:00:00'))));
  const ttftHint = h('span');
  const trafficHint = 'in memory, up to the last hour';

  const el = h(
    'div',
    { class: 'stack' },
    card(null, { class: 'health' }, h('header', null, h('h2', { text: 'Health' }), overall, h('span', { class: 'right', text: 'uptime 24 h · 7 d · 30 d' })), healthBody),
    kpis,
    h(
      'div',
      { class: 'grid two' },
      card('Request rate', { hint: trafficHint }, charts.rate.el),
      card('Latency', { hint: 'p50 · p95 · p99' }, charts.latency.el),
      card('Error rate', { hint: 'share of answers' }, charts.errors.el),
      card('Open streams and WebSockets', { hint: trafficHint }, charts.streams.el),
      card('Time to first token', { right: ttftHint }, charts.ttft.el),
      card('Upstream time to first byte', { hint: trafficHint }, charts.ttfb.el),
    ),
    card('Deployments', { hint: 'marked on every chart' }, deployList),
  );

  let summary = '';
  return {
    el,
    title: 'Overview',
    subtitle: 'Health, traffic and streaming at a glance',
    interval: 5000,
    setSubtitle: () => summary,
    async refresh(ctx) {
      const [history, traffic, deploys, stats, ttft] = await Promise.all([
        api('health/history', { limit: 1000 }),
        api('traffic'),
        deployments(),
        api('ingest/stats').catch(() => null),
        findTtftMetric().then((name) => (name ? api('metrics', { name, since: ctx.since, bucket: ctx.bucket, limit: 5000 }).then((b) => ({ name, items: b.items || [] })) : null)),
      ]);

      // Health.
      const now = Date.now();
      const from = now - ctx.seconds * 1000;
      const services = history.services || [];
      const transitions = history.transitions || [];
      const overallService = services.find((s) => s.service === 'overall');
      clear(overall, overallService ? h('span', { class: `pill ${overallService.status}`, text: overallService.status }) : null);
      clear(
        healthBody,
        services.length === 0 ? empty('No health checks yet', 'The first round runs a few seconds after start.') : null,
        services
          .filter((s) => s.service !== 'overall')
          .concat(overallService ? [overallService] : [])
          .map((s) => serviceRow(s, uptimeSlots(transitions.filter((t) => t.service === s.service), from, now))),
      );
      if (services.length) localStorage.setItem(SERVICES_KEY, String(services.length));

      // Traffic.
      const t = (traffic.t || []).map((v) => v / 1000);
      const last = t.length - 1;
      const lastOf = (k) => (last >= 0 ? traffic[k][last] : null);
      // Since the first sample (the server's start, or an hour ago), and at least a minute.
      const xTraffic = [Math.max(now / 1000 - Math.min(ctx.seconds, 3600), Math.min(t.length ? t[0] : now / 1000, now / 1000 - 60)), now / 1000];
      charts.rate.update([t, traffic.rps], deploys, xTraffic);
      charts.latency.update([t, traffic.p50_ms, traffic.p95_ms, traffic.p99_ms], deploys, xTraffic);
      charts.errors.update([t, traffic.error_rate, traffic.client_error_rate], deploys, xTraffic);
      charts.streams.update([t, traffic.open_streams, traffic.open_websockets, traffic.in_flight], deploys, xTraffic);
      charts.ttfb.update([t, traffic.ttfb_p50_ms, traffic.ttfb_p95_ms], deploys, xTraffic);

      // Time to first token: the app's own metric, bucketed over the chosen range.
      const xs = bucketGrid(ctx.xRange, ctx.bucket);
      let ttftAvg = null;
      if (ttft) {
        const sum = (a, r) => ({ ...a, count: a.count + r.count, sum: a.sum + r.sum, max: Math.max(a.max, r.max) });
        charts.ttft.update([xs, align(xs, ttft.items, (r) => r.sum / r.count, sum), align(xs, ttft.items, (r) => r.max, sum)], deploys, ctx.xRange);
        const total = ttft.items.reduce((a, r) => ({ count: a.count + r.count, sum: a.sum + r.sum }), { count: 0, sum: 0 });
        ttftAvg = total.count ? total.sum / total.count : null;
        ttftHint.textContent = ttft.name;
      } else {
        charts.ttft.update([xs, xs.map(() => null), xs.map(() => null)], deploys, ctx.xRange);
        ttftHint.textContent = '';
      }

      // Key numbers.
      const recent = (k, n = 6) => {
        const vals = (traffic[k] || []).slice(-n).filter((v) => v !== null);
        return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
      };
      const p95 = splitMs(recent('p95_ms'));
      const ttftParts = splitMs(ttftAvg);
      kpi.rps.set(num(recent('rps') ?? 0), '/s', 'last 30 s');
      kpi.p95.set(p95[0], p95[1], 'last 30 s');
      kpi.errors.set(pct(recent('error_rate') ?? 0), '', '5xx, last 30 s');
      kpi.streams.set(num(lastOf('open_streams') ?? 0), '', count(lastOf('open_websockets') ?? 0, 'WebSocket'));
      kpi.ttft.set(ttftParts[0], ttftParts[1], `average, ${ctx.range}`);
      kpi.issues.set(num(stats && stats.store ? stats.store.open_issues : null), '', stats ? `${count(stats.accepted, 'item')} ingested` : '');

      // Deployments.
      const recentDeploys = deploys.slice(-8).reverse();
      clear(
        deployList,
        recentDeploys.length === 0
          ? empty('No deployments recorded', 'POST /_edgewatch/api/deployments from CI marks them here and on every chart.')
          : recentDeploys.map((d) => h('div', { class: 'deploy' }, h('i'), h('div', null, h('b', { text: d.version }), ' ', h('span', { class: 'muted', text: d.environment })), h('span', { class: 'muted', text: `${ago(d.timestamp)} · ${dateTime(d.timestamp)}` }))),
      );
      summary = overallService ? `All systems ${overallService.status === 'healthy' ? 'healthy' : overallService.status} · updated ${new Date().toLocaleTimeString('en-GB')}` : '';
    },
    destroy() {
      for (const c of Object.values(charts)) c.destroy();
    },
  };
}
