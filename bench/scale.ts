// bench/scale: what sharing limits through Redis costs and what it buys. The mock provider runs in
// this process (its `received` records each answer); the gateways are the real CLI, 1 or 3 processes,
// limits in memory (each process believes it owns the keys) or on one redis-server, in one run.
// Phase "overhead": a limit far above the load, so nothing queues: req/s, p50/p99 and the p50 added
// over going direct, at `concurrency` in flight and (the latency a path adds, CPU aside) at one
// connection with the mock answering at once. Phase "limit": a hidden 60 requests per 2 s window on each of two keys: req/s, the
// provider's 429s, and each key's worst window of admitted (and of sent) requests, replayed with
// the mock's own rule. Load: closed loop, requests dealt round robin over the gateways' URLs.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MockUpstream, type ReceivedRequest, startMockUpstream } from '../src/mock/mock-upstream.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { closedLoop, type LoopResult } from './lib/closed-loop.ts';
import { pairedLatency } from './lib/paired-latency.ts';

interface Options {
  /** Load per row and phase. */
  seconds: number;
  /** Requests in flight at once (closed loop). */
  concurrency: number;
  /** The mock's delay before each answer, in ms. */
  latency: number;
}

const BIN = fileURLToPath(new URL('../bin/cooldown.js', import.meta.url));
const PATH = '/v1/chat/completions';
const KEYS = ['sk-scale-pool-key-000000000000001', 'sk-scale-pool-key-000000000000002'];
const LIMIT = 60;
const WINDOW_MS = 2_000;
const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  max_tokens: 5,
  messages: [{ role: 'user', content: 'Say hello in five words.' }],
});

interface Setup {
  name: string;
  /** Gateway processes; 0: straight to the mock. */
  processes: number;
  redis: boolean;
}

const SETUPS: Setup[] = [
  { name: 'direct', processes: 0, redis: false },
  { name: '1 gw memory', processes: 1, redis: false },
  { name: '1 gw redis', processes: 1, redis: true },
  { name: '3 gw memory', processes: 3, redis: false },
  { name: '3 gw redis', processes: 3, redis: true },
];

/** One answer as the mock's limiter saw it: the key, the status, and the clock value it admitted (or refused) at. */
interface Answered {
  key: string;
  status: number;
  at: number;
}

type Stop = () => Promise<void>;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** The real CLI on a free port, in a folder of its own; resolves at its "listening" log line. */
async function startGateway(config: string, stops: Stop[]): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'cooldown-bench-scale-'));
  const child = spawn(process.execPath, [BIN, '--config', config], {
    cwd,
    env: { PATH: process.env.PATH ?? '', COOLDOWN_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stops.push(async () => {
    await stopChild(child);
    rmSync(cwd, { recursive: true, force: true });
  });
  const exited = once(child, 'exit').then(([code]) =>
    Promise.reject(new Error(`a gateway exited (${code}) before it listened`)),
  );
  exited.catch(() => {}); // its exit later, when stopped, is no error
  const listening = new Promise<string>((resolve) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /"msg":"cooldown listening on (http:\/\/[^"]+)"/.exec(out)?.[1];
      if (url === undefined) return;
      child.stdout.off('data', onData);
      // Drained from here on, unread (a line per request): a full pipe would stall the gateway.
      child.stdout.resume();
      resolve(url);
    };
    child.stdout.on('data', onData);
  });
  return Promise.race([listening, exited]);
}

/** Until every process's heartbeats have counted all of them in Redis (no event to wait on: /stats, asked again). */
async function untilRostered(urls: string[]): Promise<void> {
  for (const url of urls) {
    for (;;) {
      const stats = (await (await fetch(`${url}/stats`)).json()) as { shared?: { processes: number } };
      if ((stats.shared?.processes ?? urls.length) >= urls.length) break;
    }
  }
}

/** The setup's gateways (and redis-server), each pushing its stop onto `stops` as soon as it is spawned. */
async function startSetup(setup: Setup, mock: MockUpstream, dir: string, stops: Stop[]): Promise<string[]> {
  if (setup.processes === 0) return [mock.url];
  let redis: string | undefined;
  if (setup.redis) {
    const server = await startRedisServer();
    stops.push(() => server.stop());
    redis = server.url;
  }
  const config = join(dir, `${setup.name.replaceAll(' ', '-')}.json`);
  const upstream = { url: mock.url, keys: KEYS, rate_limits: { reset_buffer: '50ms' } };
  const store = redis === undefined ? {} : { store: { redis } };
  writeFileSync(
    config,
    JSON.stringify({ upstreams: { openai: upstream }, cache: { enabled: false }, ...store }),
  );
  const urls = await Promise.all(Array.from({ length: setup.processes }, () => startGateway(config, stops)));
  if (setup.redis) await untilRostered(urls);
  return urls;
}

/**
 * Per key, windows as the mock makes them: one starts at the key's first admitted request once
 * the last one ended and lasts `WINDOW_MS`. The most admitted in one, and the most sent (admitted
 * or refused) in one. The mock refuses past its limit, so admitted never exceeds it; sent can.
 */
function worstWindows(answers: Answered[], key: string): { admitted: number; sent: number } {
  let endsAt = Number.NEGATIVE_INFINITY;
  let admitted = 0;
  let sent = 0;
  const worst = { admitted: 0, sent: 0 };
  for (const a of answers) {
    if (a.key !== key) continue;
    if (a.at >= endsAt) {
      if (a.status !== 200) continue;
      endsAt = a.at + WINDOW_MS;
      admitted = 0;
      sent = 0;
    }
    sent++;
    if (a.status === 200) admitted++;
    worst.admitted = Math.max(worst.admitted, admitted);
    worst.sent = Math.max(worst.sent, sent);
  }
  return worst;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

interface Measured {
  /** At `concurrency` in flight. */
  loaded: LoopResult;
  /** One request at a time, the mock answering at once: the latency each path adds, uncontended. */
  single: LoopResult;
  limit: LoopResult;
  refused: number;
  windows: { admitted: number; sent: number }[];
}

export async function runScale(options: Options): Promise<void> {
  let clock = 0;
  const answers: Answered[] = [];
  // The mock reads its clock when a request arrives and once more when it admits or refuses it,
  // then sets the record's status in the same tick: the last reading is the admission's time.
  const mock = await startMockUpstream({ latencyMs: options.latency, now: () => (clock = Date.now()) });
  const push = mock.received.push.bind(mock.received);
  mock.received.push = (...records: ReceivedRequest[]) => {
    for (const record of records) {
      let status: number | undefined;
      Object.defineProperty(record, 'status', {
        enumerable: true,
        get: () => status,
        set(value: number) {
          status = value;
          answers.push({ key: record.key ?? '', status: value, at: clock });
        },
      });
    }
    return push(...records);
  };
  const dir = mkdtempSync(join(tmpdir(), 'cooldown-bench-scale-'));
  const results = new Map<Setup, Measured>();
  let paired: number[] = [];
  const started = performance.now();
  const load = (urls: string[], seconds: number, connections = options.concurrency, extra = {}) =>
    closedLoop({
      url: urls.map((u) => u + PATH),
      body: () => BODY,
      connections,
      seconds,
      // Straight to the mock the client names the key itself, the two in turn; the gateways pick their own.
      headers:
        urls[0] === mock.url
          ? (i) => ({ authorization: `Bearer ${KEYS[i % KEYS.length]}`, ...extra })
          : extra,
    });
  try {
    process.stdout.write(
      `mock answers after ${options.latency} ms, in this process; ${options.concurrency} requests in flight; ${options.seconds}s per row and phase; nothing pinned\n`,
    );
    const overhead = new Map<Setup, Pick<Measured, 'loaded' | 'single'>>();
    for (const phase of ['overhead', 'limit'] as const) {
      for (const setup of SETUPS) {
        mock.reset();
        // The same limit shape in both phases; in "overhead" far above anything the load reaches.
        mock.setLimits({ requests: phase === 'overhead' ? 100_000_000 : LIMIT, windowMs: WINDOW_MS });
        mock.setRecording(phase === 'limit');
        const stops: Stop[] = [];
        try {
          const urls = await startSetup(setup, mock, dir, stops);
          // Warms the JIT and the connection pools; the limit phase starts cold, limits unknown, as in life.
          if (phase === 'overhead') await load(urls, 1);
          mock.reset();
          answers.length = 0;
          const r = await load(urls, options.seconds);
          if (phase === 'overhead') {
            const single = await load(urls, 2, 1, { 'x-mock-latency-ms': '0' });
            overhead.set(setup, { loaded: r, single });
          } else
            results.set(setup, {
              ...overhead.get(setup)!,
              limit: r,
              refused: mock.received.filter((x) => x.status === 429).length,
              windows: KEYS.map((k) => worstWindows(answers, k)),
            });
        } finally {
          for (const stop of stops.reverse()) await stop();
        }
      }
    }
    paired = await sideBySide(mock, dir, BODY);
  } finally {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const direct = results.get(SETUPS[0]!)!;
  process.stdout.write(
    `\n             overhead (limit far above the load)                     | limit ${LIMIT} per ${WINDOW_MS / 1000} s per key, 2 keys; worst window: admitted/limit (sent)\n`,
  );
  process.stdout.write(
    `             ${options.concurrency} in flight                      1 conn, mock 0 ms |\n`,
  );
  process.stdout.write(
    'setup         req/s  p50 ms  p99 ms  +p50 ms  errors  p50 ms  +p50 ms |  req/s  upstream 429s  key 1         key 2         client errors\n',
  );
  const cell = (w: { admitted: number; sent: number }) => `${w.admitted}/${LIMIT} (${w.sent})`.padEnd(12);
  const added = (setup: Setup, r: LoopResult, d: LoopResult, digits: number) =>
    setup.processes === 0 ? '-' : fmt(r.p50ms - d.p50ms, digits);
  for (const setup of SETUPS) {
    const { loaded: o, single: one, limit: l, refused, windows } = results.get(setup)!;
    process.stdout.write(
      `${setup.name.padEnd(12)} ${fmt(o.rps).padStart(6)}  ${fmt(o.p50ms, 2).padStart(6)}  ${fmt(o.p99ms, 2).padStart(6)}  ${added(setup, o, direct.loaded, 2).padStart(7)}  ${String(o.errors + one.errors).padStart(6)}  ${fmt(one.p50ms, 3).padStart(6)}  ${added(setup, one, direct.single, 3).padStart(7)} | ${fmt(l.rps, 1).padStart(6)}  ${String(refused).padStart(13)}  ${cell(windows[0]!)}  ${cell(windows[1]!)}  ${String(l.errors).padStart(13)}\n`,
    );
  }
  const of = (name: string) => results.get(SETUPS.find((s) => s.name === name)!)!;
  const gap = (pick: (m: Measured) => LoopResult, n: 1 | 3) =>
    pick(of(`${n} gw redis`)).p50ms - pick(of(`${n} gw memory`)).p50ms;
  const [one, three] = [gap((m) => m.single, 1), gap((m) => m.single, 3)];
  const median = [...paired].sort((a, b) => a - b)[Math.floor(paired.length / 2)] ?? Number.NaN;
  process.stdout.write(
    `\nRedis path's p50 over the memory path's, 1 conn, rows above: 1 process ${fmt(one, 3)} ms, 3 processes ${fmt(three, 3)} ms; at ${options.concurrency} in flight: ${fmt(
      gap((m) => m.loaded, 1),
      2,
    )} ms and ${fmt(
      gap((m) => m.loaded, 3),
      2,
    )} ms\n`,
  );
  process.stdout.write(
    `side by side (one process each, one request at a time alternating, ${PAIRED_ROUNDS} rounds of ${PAIRED_SECONDS} s): +${fmt(median, 3)} ms median (rounds: ${paired.map((g) => fmt(g, 3)).join(', ')}; target < 0.3 ms on loopback): ${median < 0.3 ? 'met' : 'NOT met'}\n`,
  );
  const shared = results.get(SETUPS[4]!)!;
  const within = shared.refused === 0 && shared.windows.every((w) => w.admitted <= LIMIT && w.sent <= LIMIT);
  process.stdout.write(
    `3 gw redis: ${shared.refused} upstream 429s, worst windows sent ${shared.windows.map((w) => w.sent).join(' and ')} of ${LIMIT} (target: 0 and never over the limit): ${within ? 'met' : 'NOT met'}\n`,
  );
  process.stdout.write(`total ${fmt((performance.now() - started) / 1000, 1)} s\n`);
}

const PAIRED_ROUNDS = 5;
const PAIRED_SECONDS = 2;

/**
 * The Redis path's added p50, measured with both paths alive at once and asked in turn (the rows
 * above measure each setup at its own moment, and this VM's speed moves between moments).
 */
async function sideBySide(mock: MockUpstream, dir: string, body: string): Promise<number[]> {
  mock.reset();
  mock.setLimits({ requests: 100_000_000, windowMs: WINDOW_MS });
  mock.setRecording(false);
  const stops: Stop[] = [];
  try {
    const [memory] = await startSetup(SETUPS[1]!, mock, dir, stops);
    const [redis] = await startSetup(SETUPS[2]!, mock, dir, stops);
    const urls = [memory! + PATH, redis! + PATH] as const;
    const instant = { 'x-mock-latency-ms': '0' };
    await pairedLatency(urls, body, 1, instant);
    const gaps: number[] = [];
    for (let r = 0; r < PAIRED_ROUNDS; r++) {
      const { p50 } = await pairedLatency(urls, body, PAIRED_SECONDS, instant);
      gaps.push(p50[1] - p50[0]);
    }
    return gaps;
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
