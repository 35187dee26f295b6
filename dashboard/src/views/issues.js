// Issues: the grouped errors, with a sparkline of the last 24 hours, and one issue in detail
// (stack trace, breadcrumbs, tags, recent events) with resolve and ignore.
import { api, deployments, patchIssue } from '../api.js';
import { colors, timeChart } from '../charts.js';
import { ago, card, clear, dateTime, empty, h, num, sk, sparkline } from '../ui.js';
import { align, bucketGrid } from './common.js';

const SPARK_LIMIT = 30;

// An issue's counts over time, as bucketed rows.
function countRows(issue) {
  return ((issue.counts && issue.counts.series) || []).map((r) => ({ bucket_start: r.start, count: r.count }));
}
const sparkCache = new Map(); // id -> { key, at, values }

async function spark(issue) {
  const key = `${issue.count}:${issue.last_seen}`;
  const hit = sparkCache.get(issue.id);
  if (hit && hit.key === key && Date.now() - hit.at < 5 * 60000) return hit.values;
  const body = await api(`issues/${issue.id}`, { since: '24h', bucket: '1h' });
  const now = Date.now() / 1000;
  const xs = bucketGrid([now - 86400 + 3600, now], '1h');
  const values = align(xs, countRows(body), (r) => r.count).map((v) => v || 0);
  sparkCache.set(issue.id, { key, at: Date.now(), values });
  return values;
}

function statusPill(issue) {
  return [h('span', { class: `pill ${issue.status}`, text: issue.status }), issue.regressed ? h('span', { class: 'pill regressed', text: 'regressed' }) : null];
}

const pillSkeleton = () => h('span', { class: 'pill sk loading', text: 'unresolved' });

// Rows of the list until its answer: the boxes of an issue's row, greyed.
function rowSkeletons(n) {
  return Array.from({ length: n }, () =>
    h(
      'tr',
      { 'aria-hidden': 'true' },
      h('td', null, h('div', { class: 'issue-title' }, sk("TypeError: Cannot read properties of undefined (reading 'map')")), h('div', { class: 'issue-sub' }, pillSkeleton(), sk('ProductList'))),
      h('td', null, h('div', { class: 'spark sk loading' })),
      h('td', { class: 'num' }, sk('00')),
      h('td', { class: 'num' }, sk('00')),
      h('td', null, sk('just now')),
      h('td', null, sk('1.0.0')),
    ),
  );
}

export function issuesView({ setCount }) {
  let status = 'unresolved';
  let sort = 'last_seen';
  const tbody = h('tbody', null, rowSkeletons(3));
  const countLabel = h('span', { class: 'muted' });
  const tabs = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Status' });
  const buttons = {};
  let view;
  for (const s of ['unresolved', 'resolved', 'ignored', 'all']) {
    buttons[s] = h('button', {
      type: 'button',
      text: s[0].toUpperCase() + s.slice(1),
      onclick: () => {
        status = s;
        for (const [k, b] of Object.entries(buttons)) b.classList.toggle('on', k === s);
        clear(tbody, rowSkeletons(3));
        view.refresh().catch(() => {});
      },
    });
    tabs.append(buttons[s]);
  }
  buttons[status].classList.add('on');
  const sortSelect = h(
    'select',
    {
      'aria-label': 'Sort',
      onchange: (e) => {
        sort = e.target.value;
        view.refresh().catch(() => {});
      },
    },
    h('option', { value: 'last_seen', text: 'Last seen' }),
    h('option', { value: 'count', text: 'Most events' }),
    h('option', { value: 'first_seen', text: 'Newest' }),
  );
  const table = h(
    'table',
    null,
    h('thead', null, h('tr', null, h('th', { class: 'grow', text: 'Issue' }), h('th', { text: 'Last 24 h' }), h('th', { class: 'num', text: 'Events' }), h('th', { class: 'num', text: 'Users' }), h('th', { text: 'Last seen' }), h('th', { text: 'Release' }))),
    tbody,
  );
  const el = h('div', null, h('div', { class: 'toolbar' }, tabs, countLabel, h('div', { class: 'right' }, sortSelect)), card(null, { flush: true }, table));

  view = {
    el,
    title: 'Issues',
    subtitle: 'Errors grouped by fingerprint, from the seed client and Sentry SDKs',
    interval: 10000,
    async refresh() {
      const body = await api('issues', { status: status === 'all' ? undefined : status, sort, limit: 100 });
      const items = body.items || [];
      countLabel.textContent = `${items.length}${body.next_cursor ? '+' : ''} ${items.length === 1 ? 'issue' : 'issues'}`;
      if (status === 'unresolved') setCount('issues', items.length ? `${items.length}${body.next_cursor ? '+' : ''}` : '');
      const sparks = await Promise.all(items.slice(0, SPARK_LIMIT).map((i) => spark(i).catch(() => null)));
      clear(
        tbody,
        items.length === 0 ? h('tr', null, h('td', { colspan: '6' }, empty(status === 'unresolved' ? 'No unresolved issues' : 'Nothing here', status === 'unresolved' ? 'Errors reported by your app show up here, grouped.' : ''))) : null,
        items.map((issue, n) =>
          h(
            'tr',
            { class: 'link', onclick: () => (location.hash = `#/issues/${issue.id}`) },
            h('td', { class: 'grow' }, h('a', { class: 'issue-title', href: `#/issues/${issue.id}`, text: issue.title || '(no message)' }), h('div', { class: 'issue-sub' }, statusPill(issue), h('span', { text: issue.culprit || '' }))),
            h('td', null, sparks[n] ? sparkline(sparks[n]) : null),
            h('td', { class: 'num', text: num(issue.count) }),
            h('td', { class: 'num', text: num(issue.users) }),
            h('td', { class: 'nowrap', title: dateTime(issue.last_seen), text: ago(issue.last_seen) }),
            h('td', null, issue.last_release ? h('span', { class: 'tag release', title: issue.last_release, text: issue.last_release }) : h('span', { class: 'muted', text: '—' })),
          ),
        ),
      );
    },
  };
  return view;
}

// ---- Detail ---------------------------------------------------------------------------------

function frames(detail) {
  const exceptions = detail.exception || [];
  if (!exceptions.length && detail.stack) return [h('pre', { class: 'raw', text: detail.stack })];
  return exceptions.map((ex) => {
    // Events list frames oldest first; show the one that threw at the top, as browsers do.
    const list = (ex.frames || []).slice().reverse();
    return h(
      'div',
      null,
      h('div', { class: 'exception-line' }, h('b', { text: ex.type || 'Error' }), ex.value ? `: ${ex.value}` : ''),
      list.length
        ? h(
            'div',
            { class: 'frames' },
            list.map((f) =>
              h(
                'div',
                { class: `frame${f.in_app ? ' in-app' : ''}` },
                h('span', { class: 'fn', text: f.function || '<anonymous>' }),
                h('span', { class: 'loc', title: f.filename || '', text: `${f.module || f.filename || ''}${f.lineno ? `:${f.lineno}` : ''}${f.colno ? `:${f.colno}` : ''}` }),
              ),
            ),
          )
        : detail.stack
          ? h('pre', { class: 'raw', text: detail.stack })
          : h('div', { class: 'muted', text: 'No stack trace was sent.' }),
    );
  });
}

function crumbText(c) {
  if (c.message) return c.message;
  if (c.data) {
    const d = c.data;
    if (d.url) return `${d.method || ''} ${d.url} ${d.status_code || ''}`.trim();
    return JSON.stringify(d);
  }
  return '';
}

function breadcrumbs(detail) {
  // Sentry events carry them at the top; the browser SDK sends them in the seed's context.
  const fromContext = detail.context && Array.isArray(detail.context.breadcrumbs) ? detail.context.breadcrumbs : [];
  const list = (Array.isArray(detail.breadcrumbs) ? detail.breadcrumbs : fromContext).filter((c) => c && typeof c === 'object');
  if (!list.length) return empty('No breadcrumbs', 'The Sentry SDKs and the edgewatch browser SDK send them; the seed client does not.');
  return h(
    'div',
    { class: 'crumbs' },
    list.slice(-30).reverse().map((c) => {
      // Sentry: seconds since the epoch; others: milliseconds or ISO 8601.
      const ts = typeof c.timestamp === 'number' ? (c.timestamp < 1e11 ? c.timestamp * 1000 : c.timestamp) : c.timestamp;
      return h('div', { class: 'crumb' }, h('span', { class: 'muted mono', text: ts ? new Date(ts).toLocaleTimeString('en-GB') : '' }), h('span', { class: 'cat', text: c.category || c.type || '' }), h('span', { text: crumbText(c) }));
    }),
  );
}

function kv(key, value) {
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return h('span', { class: 'kv' }, h('span', { text: key }), h('b', { text, title: text }));
}

function tags(event) {
  const d = event.detail || {};
  const pairs = [];
  for (const [k, v] of [['release', event.release], ['environment', event.environment], ['browser', event.browser], ['os', event.os], ['device', event.device], ['page', event.page], ['level', event.level]]) {
    if (v) pairs.push([k, v]);
  }
  for (const source of [d.tags, d.context]) {
    if (source && typeof source === 'object') {
      for (const [k, v] of Object.entries(source)) if (k !== 'breadcrumbs') pairs.push([k, v]);
    }
  }
  if (d.sdk && d.sdk.name) pairs.push(['sdk', `${d.sdk.name} ${d.sdk.version || ''}`.trim()]);
  return pairs.length ? h('div', { class: 'tags' }, pairs.map(([k, v]) => kv(k, v))) : empty('No tags');
}

const FACTS = ['Events', 'Users', 'Sessions', 'First seen', 'Last seen', 'Releases', 'Environments', 'Regressions'];
const fact = (label, value, title) => h('div', { title: title || '' }, h('span', { text: label }), h('b', null, value));
const times = (n, make) => Array.from({ length: n }, make);

export function issueView(id) {
  // Until the first answer, every part holds placeholders of the size of what comes.
  const head = h(
    'div',
    { class: 'detail-head' },
    h('div', { class: 'grow' }, h('h1', null, sk('TypeError: Cannot read properties of undefined')), h('div', { class: 'issue-sub' }, pillSkeleton(), sk('ProductList'))),
    h('div', { class: 'actions' }, h('span', { class: 'btn sk loading', text: 'Resolve' }), h('span', { class: 'btn sk loading', text: 'Ignore' })),
  );
  const facts = h('div', { class: 'facts' }, FACTS.map((label) => fact(label, sk('1.0.0'))));
  const chart = timeChart({ series: [{ label: 'events', color: colors.poor, bars: true }], y: { format: (v) => num(Math.round(v)), integer: true }, height: 170, legend: false });
  const stack = h(
    'div',
    null,
    h('div', { class: 'exception-line' }, sk('TypeError: Cannot read properties of undefined')),
    h('div', { class: 'frames-skel' }, times(4, () => h('div', { class: 'frame' }, sk('renderWithHooks'), sk('assets/vendor.js:1:52310')))),
  );
  const crumbs = h('div', null, h('div', { class: 'crumbs' }, times(4, () => h('div', { class: 'crumb' }, sk('12:00:00'), sk('navigation'), sk('GET /api/products 200')))));
  const tagBox = h('div', null, h('div', { class: 'tags' }, times(8, () => h('span', { class: 'kv sk loading', text: 'browser Chrome 126' }))));
  const events = h('tbody', null, times(3, () => h('tr', null, ['just now', '1.4.0', 'Chrome · Linux', '/products', 'user-20'].map((text) => h('td', null, sk(text))))));
  const back = h('a', { href: '#/issues', class: 'muted', text: '← All issues' });
  const el = h(
    'div',
    { class: 'stack' },
    back,
    head,
    card(null, null, facts),
    card('Events over time', null, chart.el),
    h('div', { class: 'grid two' }, card('Stack trace', { hint: 'latest event' }, stack), h('div', { class: 'stack' }, card('Tags', { hint: 'latest event' }, tagBox), card('Breadcrumbs', { hint: 'latest first' }, crumbs))),
    card('Recent events', { flush: true }, h('table', null, h('thead', null, h('tr', null, h('th', { text: 'When' }), h('th', { text: 'Release' }), h('th', { text: 'Browser' }), h('th', { text: 'Page' }), h('th', { text: 'User' }))), events)),
  );
  let busy = false;
  let issueTitle = '';
  const view = {
    el,
    title: 'Issue',
    interval: 10000,
    setSubtitle: () => issueTitle,
    async refresh(ctx) {
      const [issue, list, deploys] = await Promise.all([api(`issues/${id}`, { since: ctx.since, bucket: ctx.bucket }), api(`issues/${id}/events`, { limit: 20 }), deployments()]);
      issueTitle = `#${issue.id} · ${issue.type || issue.level || 'error'}`;
      const act = (status, label, cls) =>
        h('button', {
          class: `btn ${cls || ''}`,
          type: 'button',
          disabled: busy,
          text: label,
          onclick: async () => {
            busy = true;
            try {
              await patchIssue(id, status);
            } finally {
              busy = false;
            }
            view.refresh(ctx).catch(() => {});
          },
        });
      clear(
        head,
        h('div', { class: 'grow' }, h('h1', { text: issue.title || '(no message)', title: issue.title || '' }), h('div', { class: 'issue-sub' }, statusPill(issue), h('span', { class: 'mono', text: issue.culprit || '' }))),
        h(
          'div',
          { class: 'actions' },
          issue.status !== 'resolved' ? act('resolved', 'Resolve', 'good') : null,
          issue.status !== 'ignored' ? act('ignored', 'Ignore') : null,
          issue.status !== 'unresolved' ? act('unresolved', 'Reopen') : null,
        ),
      );
      clear(
        facts,
        fact('Events', num(issue.count)),
        fact('Users', num(issue.users)),
        fact('Sessions', num(issue.sessions)),
        fact('First seen', ago(issue.first_seen), dateTime(issue.first_seen)),
        fact('Last seen', ago(issue.last_seen), dateTime(issue.last_seen)),
        fact('Releases', (issue.releases || []).join(', ') || '—'),
        fact('Environments', (issue.environments || []).join(', ') || '—'),
        fact('Regressions', num(issue.regressions || 0)),
      );
      const xs = bucketGrid(ctx.xRange, ctx.bucket);
      chart.update([xs, align(xs, countRows(issue), (r) => r.count)], deploys, ctx.xRange);
      const latest = issue.latest_event;
      clear(stack, latest ? frames(latest.detail || {}) : empty('No event stored', 'Raw events may have passed their retention.'));
      clear(crumbs, latest ? breadcrumbs(latest.detail || {}) : null);
      clear(tagBox, latest ? tags(latest) : null);
      const items = list.items || [];
      clear(
        events,
        items.length === 0 ? h('tr', null, h('td', { colspan: '5' }, empty('No events'))) : null,
        items.map((e) =>
          h(
            'tr',
            null,
            h('td', { title: dateTime(e.timestamp), text: ago(e.timestamp) }),
            h('td', null, e.release ? h('span', { class: 'tag', text: e.release }) : '—'),
            h('td', { class: 'soft', text: [e.browser, e.os].filter(Boolean).join(' · ') || '—' }),
            h('td', { class: 'mono soft', text: e.page || '—' }),
            h('td', { class: 'soft', text: e.user || '—' }),
          ),
        ),
      );
    },
    destroy() {
      chart.destroy();
    },
  };
  return view;
}
