// Small DOM and formatting helpers.

// h('div', { class: 'card', onclick: fn, title: 'x' }, child, [children], 'text')
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

// Icons: 16x16 strokes.
const ICONS = {
  overview: 'M2 13h12M4 10v3M7 6v7M10 8v5M13 3v10',
  issues: 'M8 2l6.5 11.5h-13zM8 6.5v3.5M8 12v.01',
  vitals: 'M1.5 8.5h3l2-5 3 9 2-4.5h3',
  events: 'M3 3h10v10H3zM3 7h10M7 7v6',
  logout: 'M6 3H3v10h3M10 5l3 3-3 3M13 8H6',
};
export function icon(name) {
  return svg(
    'svg',
    { viewBox: '0 0 16 16', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.5', 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true' },
    svg('path', { d: ICONS[name] }),
  );
}

export function logo() {
  return svg(
    'svg',
    { viewBox: '0 0 32 32', 'aria-hidden': 'true' },
    svg('rect', { width: '32', height: '32', rx: '8', fill: '#1b2130' }),
    svg('path', { d: 'M5 18h5l3-8 5 14 3-9 2 3h4', fill: 'none', stroke: '#7aa7ff', 'stroke-width': '2.6', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }),
  );
}

// Formatting.
export function num(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n < 10 ? n.toFixed(2) : n.toFixed(1);
}

// "1 sample", "2 samples", "1.2k samples": a count with its noun, singular only for exactly one.
export function count(n, one, many = `${one}s`) {
  return `${num(n)} ${n === 1 ? one : many}`;
}

export function ms(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v === 0) return '0 ms';
  if (v >= 10000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${Math.round(v)} ms`;
  if (v >= 1) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}

export function pct(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const p = v * 100;
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p.toFixed(digits)}%`;
}

export function ago(when) {
  if (!when) return '—';
  const t = typeof when === 'number' ? when : Date.parse(when);
  const s = Math.max(0, (Date.now() - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function dateTime(when) {
  if (!when) return '—';
  const d = new Date(when);
  return d.toLocaleString('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function card(title, opts, ...body) {
  const o = opts || {};
  return h(
    'section',
    { class: `card${o.flush ? ' flush' : ''}${o.class ? ` ${o.class}` : ''}` },
    title || o.hint || o.right
      ? h('header', null, title ? h('h2', { text: title }) : null, o.hint ? h('span', { class: 'hint', text: o.hint }) : null, o.right ? h('span', { class: 'right' }, o.right) : null)
      : null,
    body,
  );
}

// A placeholder for text that has not arrived yet: a grey bar as wide and as tall as `text` would
// be, so that the real text takes its place without moving anything.
export function sk(text, tag = 'span') {
  return h(tag, { class: 'sk loading', text, 'aria-hidden': 'true' });
}

export function empty(title, text) {
  return h('div', { class: 'empty' }, h('strong', { text: title }), text ? h('span', { text }) : null);
}

// An inline bar sparkline of counts.
export function sparkline(values, width = 120, height = 28) {
  const el = svg('svg', { class: 'spark', width: String(width), height: String(height), viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true' });
  if (!values || !values.length) return el;
  const max = Math.max(1, ...values);
  const w = width / values.length;
  values.forEach((v, i) => {
    const bh = v > 0 ? Math.max(2, (v / max) * (height - 2)) : 1;
    el.append(svg('rect', { x: (i * w + 0.5).toFixed(1), y: (height - bh).toFixed(1), width: Math.max(1, w - 1.5).toFixed(1), height: bh.toFixed(1), rx: '1', opacity: v > 0 ? '0.85' : '0.25' }));
  });
  return el;
}

// Good / needs-improvement / poor shares as a stacked bar.
export function shares(good, ni, poor, small) {
  const pc = (x) => `width:${Math.max(0, x * 100).toFixed(2)}%`;
  const bar = h('div', { class: `shares${small ? ' small' : ''}`, title: `good ${pct(good)} · needs improvement ${pct(ni)} · poor ${pct(poor)}` });
  // Widths are set through the CSSOM (allowed by a strict style-src), never as inline markup.
  for (const [cls, v] of [['g', good], ['n', ni], ['p', poor]]) {
    const i = h('i', { class: cls });
    i.style.cssText = pc(v || 0);
    bar.append(i);
  }
  return bar;
}
