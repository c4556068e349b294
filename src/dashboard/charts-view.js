// The last minutes as charts (uPlot): requests and errors per second, latency, queue depth and
// wait, 429s from upstreams against those absorbed. /stats/recent gives the series second by second;
// the queue depth is a reading of /stats, so its history starts when the page was opened.
import { chartData, DEPTH_SECONDS } from './chart-data.js';
import { formatClock } from './format.js';
import uPlot from './uplot.js';

const HEIGHT = 170;

/** @param {string} name a CSS custom property of :root */
function color(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/**
 * @param {{ label: string, colour: string, scale?: string, dash?: number[], gaps?: boolean }[]} lines
 *   `gaps`: seconds without requests have no value; points show the lone ones a line cannot join.
 * @param {{ scale: string, side?: number }[]} [extraAxes]
 */
function options(lines, extraAxes = []) {
  const text = color('--muted');
  const grid = color('--grid');
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width: 400,
    height: HEIGHT,
    series: [
      {},
      ...lines.map((l) => ({
        label: l.label,
        stroke: color(l.colour),
        width: 1.5,
        scale: l.scale ?? 'y',
        dash: l.dash,
        spanGaps: false,
        points: l.gaps ? { show: true, size: 4, fill: color(l.colour) } : { show: false },
      })),
    ],
    scales: {
      x: { time: true },
      y: {
        range: (/** @type {unknown} */ _u, /** @type {number} */ _min, /** @type {number} */ max) => [
          0,
          Math.max(1, max * 1.1),
        ],
      },
    },
    axes: [
      {
        ...axis,
        space: 70,
        values: (/** @type {unknown} */ _u, /** @type {number[]} */ ticks) =>
          ticks.map((t) => formatClock(t * 1000)),
      },
      { ...axis, scale: 'y' },
      ...extraAxes.map((a) => ({ ...axis, ...a, grid: { show: false } })),
    ],
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
  };
}

/**
 * @param {HTMLElement} container
 * @param {object} opts
 */
function chart(container, opts) {
  const plot = new uPlot({ ...opts, width: Math.max(200, container.clientWidth) }, [[]], container);
  new ResizeObserver(() =>
    plot.setSize({ width: Math.max(200, container.clientWidth), height: HEIGHT }),
  ).observe(container);
  return plot;
}

/**
 * @param {Document} doc
 */
export function createCharts(doc) {
  const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (doc.getElementById(id));
  const requests = chart(
    byId('chart-requests'),
    options([
      { label: 'requests/s', colour: '--chart-1' },
      { label: 'errors/s', colour: '--chart-bad' },
    ]),
  );
  const latency = chart(
    byId('chart-latency'),
    options([
      { label: 'p50 ms', colour: '--chart-1', gaps: true },
      { label: 'p99 ms', colour: '--chart-2', gaps: true },
    ]),
  );
  const queueOpts = options(
    [
      { label: 'waiting', colour: '--chart-1' },
      { label: 'wait ms', colour: '--chart-2', scale: 'ms', dash: [4, 3], gaps: true },
    ],
    [{ scale: 'ms', side: 1 }],
  );
  queueOpts.scales = { ...queueOpts.scales, ms: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } };
  const queue = chart(byId('chart-queue'), queueOpts);
  const limited = chart(
    byId('chart-429s'),
    options([
      { label: 'upstream 429s', colour: '--chart-bad' },
      { label: 'absorbed', colour: '--chart-good' },
    ]),
  );
  /** @type {Map<number, number>} second -> requests waiting */
  const depth = new Map();
  return {
    /**
     * @param {import('./chart-data.js').SecondStats[]} series
     * @param {number} waiting requests in every queue right now
     */
    update(series, waiting) {
      const now = series.at(-1)?.t;
      if (now !== undefined) {
        depth.set(now, waiting);
        for (const t of depth.keys()) if (t <= now - DEPTH_SECONDS) depth.delete(t);
      }
      const d = chartData(series, depth);
      requests.setData([d.t, d.requests, d.errors]);
      latency.setData([d.t, d.p50, d.p99]);
      queue.setData([d.t, d.depth, d.queueMs]);
      limited.setData([d.t, d.upstream429s, d.absorbed429s]);
    },
  };
}
