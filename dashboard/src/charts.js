// Time charts on uPlot, themed, with deployments drawn as vertical markers on every chart and
// optional budget lines. A chart keeps its uPlot instance across refreshes (setData only).
import uPlot from 'uplot';
import { h } from './ui.js';

export const colors = {
  accent: '#7aa7ff',
  good: '#3ecf8e',
  warn: '#f2b84b',
  poor: '#f26d78',
  violet: '#b594ff',
  cyan: '#4fd1d9',
  grid: 'rgba(255,255,255,0.06)',
  axis: '#7d8696',
};
export const palette = [colors.accent, colors.cyan, colors.violet, colors.warn, colors.good, colors.poor];

function fill(color, alpha) {
  const n = parseInt(color.slice(1), 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
}

// Draws deployments (vertical dashed violet lines labelled with the version) and budgets.
function markersPlugin(state) {
  return {
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          const { left, top, width, height } = u.bbox;
          const px = devicePixelRatio || 1;
          ctx.save();
          ctx.beginPath();
          ctx.rect(left, top, width, height);
          ctx.clip();
          for (const b of state.budgets) {
            const scale = b.scale || 'y';
            if (!u.scales[scale] || u.scales[scale].min === undefined) continue;
            const y = u.valToPos(b.value, scale, true);
            ctx.strokeStyle = b.color || colors.poor;
            ctx.setLineDash([6 * px, 4 * px]);
            ctx.lineWidth = px;
            ctx.beginPath();
            ctx.moveTo(left, y);
            ctx.lineTo(left + width, y);
            ctx.stroke();
            ctx.setLineDash([]);
            ctx.fillStyle = b.color || colors.poor;
            ctx.font = `${11 * px}px system-ui, sans-serif`;
            ctx.textAlign = 'left';
            ctx.fillText(b.label, left + 6 * px, y - 5 * px);
          }
          const [min, max] = [u.scales.x.min, u.scales.x.max];
          let lastLabelX = -Infinity;
          for (const d of state.deployments) {
            if (d.t < min || d.t > max) continue;
            const x = u.valToPos(d.t, 'x', true);
            ctx.strokeStyle = colors.violet;
            ctx.globalAlpha = 0.85;
            ctx.setLineDash([3 * px, 3 * px]);
            ctx.lineWidth = 1.5 * px;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.setLineDash([]);
            ctx.globalAlpha = 1;
            ctx.fillStyle = colors.violet;
            ctx.beginPath();
            ctx.arc(x, top + 3 * px, 3 * px, 0, 2 * Math.PI);
            ctx.fill();
            if (x - lastLabelX > 70 * px) {
              ctx.font = `${11 * px}px ui-monospace, monospace`;
              ctx.textAlign = x + 80 * px > left + width ? 'right' : 'left';
              const dx = ctx.textAlign === 'right' ? -6 * px : 6 * px;
              ctx.fillText(d.version, x + dx, top + 12 * px);
              lastLabelX = x;
            }
          }
          ctx.restore();
        },
      ],
    },
  };
}

const axisFont = '11px system-ui, -apple-system, Segoe UI, sans-serif';

// One line of uPlot's legend as styled here (.chart .u-legend).
const LEGEND_HEIGHT = 28;
const X_AXIS_HEIGHT = 50; // uPlot's default axis size
const PADDING_TOP = 14; // also .chart-skel's top

// opts: { height, series: [{label, color, fill, width, bars, scale}], y: {format, min, max},
//         y2: {format}, budgets: [{value, label, color}], legend, empty }
// The chart has its final size from the start (the plot's height and one line of legend) and a
// placeholder until its first data, so that drawing it moves nothing around it.
export function timeChart(opts) {
  const height = opts.height || 200;
  const el = h('div', { class: 'chart' });
  const placeholder = h('div', { class: 'chart-skel loading', 'aria-hidden': 'true' });
  el.style.minHeight = `${height + (opts.legend === false ? 0 : LEGEND_HEIGHT)}px`;
  placeholder.style.height = `${height - PADDING_TOP - X_AXIS_HEIGHT}px`; // the plot area
  el.append(placeholder);
  const noData = h('div', { class: 'nodata', text: opts.empty || 'No data in this range yet' });
  const state = { deployments: [], budgets: opts.budgets || [] };
  let plot = null;
  let lastData = null;

  const yFormat = (opts.y && opts.y.format) || ((v) => String(v));
  const series = [
    { label: 'at', value: (u, v) => (v === null || v === undefined ? '' : new Date(v * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })) },
    ...opts.series.map((s, i) => {
      const color = s.color || palette[i % palette.length];
      return {
        label: s.label,
        stroke: color,
        width: s.width || 1.75,
        scale: s.scale || 'y',
        fill: s.fill === false ? undefined : fill(color, s.fill || (s.bars ? 0.55 : opts.series.length === 1 ? 0.12 : 0.04)),
        points: { show: s.points ? true : false, size: 5, fill: color },
        spanGaps: !!s.spanGaps,
        paths: s.bars ? uPlot.paths.bars({ size: [0.8, 40], align: 1 }) : undefined,
        value: (u, v) => (v === null || v === undefined ? '—' : (s.scale === 'y2' && opts.y2 ? opts.y2.format : yFormat)(v)),
      };
    }),
  ];

  function build(width) {
    placeholder.remove();
    const axes = [
      { stroke: colors.axis, font: axisFont, grid: { stroke: colors.grid, width: 1 }, ticks: { show: false } },
      {
        stroke: colors.axis,
        font: axisFont,
        grid: { stroke: colors.grid, width: 1 },
        ticks: { show: false },
        size: 56,
        values: (u, vals) => vals.map((v) => yFormat(v)),
        incrs: opts.y && opts.y.integer ? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 1e5, 1e6] : undefined,
      },
    ];
    const scales = { x: { time: true, range: (u, min, max) => state.xRange || [min, max] }, y: { range: yRange(opts.y) } };
    if (opts.y2) {
      axes.push({ scale: 'y2', side: 1, stroke: colors.axis, font: axisFont, grid: { show: false }, ticks: { show: false }, size: 50, values: (u, vals) => vals.map((v) => opts.y2.format(v)) });
      scales.y2 = { range: yRange(opts.y2) };
    }
    return new uPlot(
      {
        width,
        height,
        series,
        axes,
        scales,
        cursor: { points: { size: 6 }, drag: { x: false, y: false } },
        legend: { show: opts.legend !== false, live: true },
        plugins: [markersPlugin(state)],
        padding: [PADDING_TOP, 8, 0, 0],
      },
      lastData,
      el,
    );
  }

  function yRange(y) {
    return (u, min, max) => {
      const lo = y && y.min !== undefined ? y.min : 0;
      let hi = Math.max(max || 0, ...state.budgets.map((b) => b.value * 1.15));
      if (y && y.max !== undefined) hi = Math.max(hi, y.max);
      if (!(hi > lo)) hi = lo + (y && y.unit ? y.unit : 1);
      return [lo, hi * 1.08];
    };
  }

  const resize = new ResizeObserver(() => {
    const width = Math.floor(el.clientWidth);
    if (!width) return;
    if (!plot) {
      if (!lastData) return;
      plot = build(width);
    } else if (Math.abs(plot.width - width) > 1) {
      plot.setSize({ width, height });
    }
  });
  resize.observe(el);

  return {
    el,
    // data: [xs (seconds), ...ys]; deployments: [{t, version}]; xRange: [min, max] seconds
    update(data, deployments, xRange) {
      state.deployments = deployments || [];
      state.xRange = xRange || null;
      const hasData = data[0].length > 0 && data.slice(1).some((ys) => ys.some((v) => v !== null && v !== undefined));
      noData.remove();
      if (!hasData) el.append(noData);
      // uPlot wants at least the range's ends so that markers and an empty chart still show time.
      if (xRange && data[0].length === 0) data = [[xRange[0], xRange[1]], ...data.slice(1).map(() => [null, null])];
      lastData = data;
      if (!plot) {
        const width = Math.floor(el.clientWidth);
        if (width) plot = build(width);
        return;
      }
      plot.setData(data);
    },
    destroy() {
      resize.disconnect();
      if (plot) plot.destroy();
    },
  };
}
