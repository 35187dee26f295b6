// The edgewatch dashboard: a sidebar, a top bar with the time range and the live indicator, and
// one view at a time chosen by the URL hash. Each view refreshes itself every few seconds while
// the tab is visible.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { AuthError, logout, session, login, whenAuthLost } from './api.js';
import { clear, h, icon, logo } from './ui.js';
import { overviewView } from './views/overview.js';
import { issuesView, issueView } from './views/issues.js';
import { vitalsView } from './views/vitals.js';
import { eventsView } from './views/events.js';

const RANGES = {
  '1h': { seconds: 3600, bucket: '1m', label: '1 h' },
  '6h': { seconds: 6 * 3600, bucket: '5m', label: '6 h' },
  '24h': { seconds: 86400, bucket: '30m', label: '24 h' },
  '7d': { seconds: 7 * 86400, bucket: '6h', label: '7 d' },
};

const app = document.getElementById('app');
const state = {
  range: localStorage.getItem('ew.range') in RANGES ? localStorage.getItem('ew.range') : '1h',
  view: null,
  timer: 0,
  signedIn: false,
  lastOk: 0,
};

function ctx() {
  const r = RANGES[state.range];
  const now = Date.now() / 1000;
  return { range: state.range, since: state.range, bucket: r.bucket, seconds: r.seconds, xRange: [now - r.seconds, now] };
}

// ---- Login ----------------------------------------------------------------------------------
function showLogin(message) {
  stopView();
  state.signedIn = false;
  app.className = 'app bare';
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true, placeholder: 'admin token', 'aria-label': 'Admin token' });
  const error = h('div', { class: 'error', role: 'alert', text: message || '' });
  const button = h('button', { class: 'btn primary', type: 'submit', text: 'Sign in' });
  const form = h(
    'form',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        error.textContent = '';
        try {
          const result = await login(input.value.trim());
          if (result.ok) {
            start();
          } else {
            error.textContent = result.message;
            input.select();
          }
        } catch {
          error.textContent = 'edgewatch did not answer.';
        } finally {
          button.disabled = false;
        }
      },
    },
    h('div', { class: 'brand' }, logo(), 'edgewatch'),
    h('p', { text: 'Sign in with the admin token ([admin] token or EDGEWATCH_ADMIN_TOKEN). The session lasts 12 hours.' }),
    h('label', null, 'Admin token', input),
    error,
    button,
  );
  clear(app, h('div', { class: 'login' }, form));
  input.focus();
}

whenAuthLost(() => {
  if (state.signedIn) showLogin('Your session ended. Sign in again.');
});

// ---- Shell ----------------------------------------------------------------------------------
const NAV = [
  { id: 'overview', href: '#/', label: 'Overview', icon: 'overview' },
  { id: 'issues', href: '#/issues', label: 'Issues', icon: 'issues' },
  { id: 'vitals', href: '#/vitals', label: 'Web vitals', icon: 'vitals' },
  { id: 'events', href: '#/events', label: 'Events', icon: 'events' },
];

let shell = null;
function buildShell() {
  const nav = h('nav', { class: 'nav' });
  const links = {};
  for (const item of NAV) {
    const count = h('span', { class: 'count' });
    links[item.id] = { a: h('a', { href: item.href }, icon(item.icon), item.label, count), count };
    nav.append(links[item.id].a);
  }
  const live = h('span', { class: 'live', title: 'Refreshes every few seconds' }, h('span', { class: 'dot' }), h('span', { text: 'Live' }));
  const rangeButtons = {};
  const ranges = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Time range' });
  for (const [key, r] of Object.entries(RANGES)) {
    rangeButtons[key] = h('button', {
      type: 'button',
      text: r.label,
      onclick: () => {
        state.range = key;
        localStorage.setItem('ew.range', key);
        for (const [k, b] of Object.entries(rangeButtons)) b.classList.toggle('on', k === key);
        refreshNow();
      },
    });
    rangeButtons[key].classList.toggle('on', key === state.range);
    ranges.append(rangeButtons[key]);
  }
  const title = h('h1');
  const subtitle = h('div', { class: 'subtitle' });
  const banner = h('div');
  const content = h('div');
  const main = h('main', null, h('div', { class: 'topbar' }, h('div', { class: 'title' }, title, subtitle), h('div', { class: 'tools' }, live, ranges)), banner, content);
  const sidebar = h(
    'aside',
    { class: 'sidebar' },
    h('div', { class: 'sidebar-inner' },
    h('div', { class: 'brand' }, logo(), 'edgewatch'),
    nav,
    h('div', { class: 'spacer' }),
    h(
      'div',
      { class: 'foot' },
      h('button', {
        class: 'btn quiet',
        type: 'button',
        onclick: async () => {
          await logout().catch(() => {});
          showLogin('Signed out.');
        },
      }, icon('logout'), 'Sign out'),
    ),
    ),
  );
  app.className = 'app';
  clear(app, sidebar, main);
  shell = { links, title, subtitle, banner, content, live };
}

function setBanner(text) {
  clear(shell.banner, text ? h('div', { class: 'banner', role: 'status', text }) : null);
}

// ---- Views and refresh ----------------------------------------------------------------------
function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, id] = hash.split('/');
  if (name === 'issues' && id) return { nav: 'issues', make: () => issueView(decodeURIComponent(id)) };
  if (name === 'issues') return { nav: 'issues', make: issuesView };
  if (name === 'vitals') return { nav: 'vitals', make: vitalsView };
  if (name === 'events') return { nav: 'events', make: eventsView };
  return { nav: 'overview', make: overviewView };
}

function stopView() {
  clearTimeout(state.timer);
  if (state.view && state.view.destroy) state.view.destroy();
  state.view = null;
}

function mountView() {
  stopView();
  const r = route();
  for (const [id, link] of Object.entries(shell.links)) link.a.classList.toggle('active', id === r.nav);
  const view = r.make({ setCount });
  state.view = view;
  shell.title.textContent = view.title;
  shell.subtitle.textContent = view.subtitle || '';
  document.title = `${view.title} · edgewatch`;
  clear(shell.content, view.el);
  refreshNow();
}

function setCount(nav, text) {
  if (shell && shell.links[nav]) shell.links[nav].count.textContent = text;
}

let generation = 0;
async function refreshNow() {
  clearTimeout(state.timer);
  const view = state.view;
  if (!view) return;
  const mine = ++generation;
  try {
    await view.refresh(ctx());
    if (mine !== generation) return;
    state.lastOk = Date.now();
    shell.live.classList.remove('stale');
    setBanner('');
    if (view.setSubtitle) shell.subtitle.textContent = view.setSubtitle();
  } catch (e) {
    if (e instanceof AuthError) return;
    if (mine !== generation) return;
    shell.live.classList.add('stale');
    setBanner(`Could not refresh: ${e.message}. Retrying…`);
  }
  if (state.view === view && mine === generation) {
    state.timer = setTimeout(tick, view.interval || 5000);
  }
}

function tick() {
  if (document.hidden) {
    state.timer = setTimeout(tick, 1000);
    return;
  }
  refreshNow();
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && state.signedIn && Date.now() - state.lastOk > 5000) refreshNow();
});

window.addEventListener('hashchange', () => {
  if (state.signedIn) mountView();
});

async function start() {
  state.signedIn = true;
  buildShell();
  mountView();
}

async function boot() {
  try {
    const s = await session();
    if (s.authenticated) start();
    else showLogin(s.login_enabled ? '' : 'No admin token is configured: set [admin] token or EDGEWATCH_ADMIN_TOKEN and restart.');
  } catch {
    clear(app, h('div', { class: 'boot', text: 'edgewatch did not answer. Reload to try again.' }));
  }
}

boot();
