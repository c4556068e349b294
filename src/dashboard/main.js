// The dashboard: reads /stats and /stats/recent once a second and redraws. It uses nothing but the
// admin API; when that asks for the admin token, the page asks the person once, then goes on.
import { createAdminApi } from './admin-api.js';
import { sinceStart } from './chart-data.js';
import { createCharts } from './charts-view.js';
import { clientsView } from './clients-view.js';
import { startCountdowns } from './countdown.js';
import { formatClock, formatDuration } from './format.js';
import { laterSectionsView } from './later-sections.js';
import { recentView } from './recent-view.js';
import { askForToken } from './token-form.js';
import { totalsView } from './totals-view.js';
import { queueDepth, upstreamsView } from './upstreams-view.js';

const POLL_MS = 1000;
/** What a header can carry: a token with other characters could never be sent. */
const HEADER_SAFE = /^[\x20-\x7e]+$/;

const doc = document;
const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (doc.getElementById(id));
/** The tab's sessionStorage; where a browser refuses it, memory (the token is then asked per load). */
function tabStorage() {
  try {
    window.sessionStorage.getItem('');
    return window.sessionStorage;
  } catch {
    const items = new Map();
    return {
      getItem: (/** @type {string} */ k) => items.get(k) ?? null,
      setItem: (/** @type {string} */ k, /** @type {string} */ v) => void items.set(k, v),
      removeItem: (/** @type {string} */ k) => void items.delete(k),
    };
  }
}
const api = createAdminApi(window.fetch.bind(window), tabStorage());
const charts = createCharts(doc);
const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
let recentShown = '';

/**
 * @param {string} text
 * @param {'ok' | 'stale' | 'waiting'} state
 */
function status(text, state) {
  const node = byId('status');
  node.textContent = text;
  node.dataset.state = state;
}

/**
 * @param {any} stats GET /stats
 * @param {any} recent GET /stats/recent
 * @param {number} polledAt
 */
function render(stats, recent, polledAt) {
  byId('dashboard').hidden = false;
  byId('shaping').textContent = stats.shaping ? 'rate limiting on' : 'rate limiting off';
  byId('uptime').textContent = `up ${formatDuration(stats.uptime_s * 1000)}`;
  byId('totals').replaceChildren(...totalsView(stats.totals, stats.latency_last_minute));
  byId('upstreams').replaceChildren(...upstreamsView(stats.upstreams, polledAt).filter((n) => n !== null));
  byId('later').replaceChildren(...laterSectionsView(stats, polledAt));
  byId('clients').replaceChildren(...clientsView(stats.clients));
  // Redrawn only when it changed, so a row being read or selected stays put.
  const shown = `${recent.requests.length}:${recent.requests[0]?.id ?? ''}`;
  if (shown !== recentShown) {
    byId('recent').replaceChildren(recentView(recent.requests));
    recentShown = shown;
  }
  charts.update(sinceStart(recent.series, stats.uptime_s), queueDepth(stats.upstreams));
  status(`Live · updated ${formatClock(Date.now())}`, 'ok');
}

/** @param {string} message */
async function newToken(message) {
  byId('dashboard').hidden = true;
  status('Waiting for the admin token', 'waiting');
  for (let prompt = message; ; prompt = 'A token has only printable ASCII characters. Enter it again.') {
    const token = await askForToken(doc, prompt);
    if (HEADER_SAFE.test(token)) {
      api.setToken(token);
      return;
    }
  }
}

/** One poll; resolves with how long to wait before the next. */
async function poll() {
  const stats = await api.get('/stats');
  const polledAt = performance.now();
  // /stats/recent only after /stats let us in: a missing token costs one refused request, not two.
  const recent = stats.kind === 'ok' ? await api.get('/stats/recent') : stats;
  const answer = stats.kind === 'ok' ? recent : stats;
  if (stats.kind === 'ok' && recent.kind === 'ok') {
    render(stats.body, recent.body, polledAt);
    return POLL_MS - (performance.now() - polledAt);
  }
  if (answer.kind === 'unauthorized') {
    const hadToken = api.hasToken();
    api.forgetToken();
    await newToken(
      hadToken
        ? 'That token was refused. Enter the admin token again.'
        : 'This gateway has an admin token. Enter it to see the dashboard.',
    );
    return 0;
  }
  if (answer.kind === 'locked') {
    status(`Too many wrong tokens from this address: waiting ${answer.retryAfterS} s`, 'waiting');
    return answer.retryAfterS * 1000;
  }
  status(`${answer.kind === 'failed' ? answer.message : 'No answer.'} Retrying…`, 'stale');
  return POLL_MS;
}

async function run() {
  startCountdowns(doc.body);
  for (;;) {
    let wait = POLL_MS;
    try {
      wait = await poll();
    } catch (err) {
      // An answer this page cannot draw must not stop it: say so and try the next one.
      console.error(err);
      status('The dashboard could not draw the last answer. Retrying…', 'stale');
    }
    await sleep(Math.max(0, wait));
  }
}

void run();
