// bench/keys: many keys as one upstream. (1) Three keys at 40 requests per minute take a burst of
// 100: how long it takes, how it spreads, and whether any key went over its limit. NVIDIA sends no
// rate-limit headers (static limits); OpenAI does (nothing configured, learned). (2) Failover: a
// quarter of the keys failing (500s, connection resets, hangs) under a burst: success rate and the
// attempts wasted on bad keys.
import { loadConfig } from '../src/config/load.ts';
import { createGateway } from '../src/gateway.ts';
import { silentLogOutput } from '../src/log/logger.ts';
import { type MockDialect, type MockUpstream, startMockUpstream } from '../src/mock/mock-upstream.ts';
import type { Fault } from '../src/mock/types.ts';

export interface KeysOptions {
  requests: number;
  concurrency: number;
}

const keyName = (i: number) => `sk-bench-pool-key-${String(i).padStart(20, '0')}`;

async function gatewayFor(upstream: Record<string, unknown>) {
  const config = loadConfig({
    tree: {
      server: { port: 0 },
      store: { sqlite: ':memory:' },
      cache: { enabled: false },
      upstreams: { openai: upstream },
    },
    env: {},
  });
  const gateway = createGateway({ config, log: silentLogOutput(), env: {} });
  return { url: await gateway.listen(), close: () => gateway.close() };
}

/** `n` chat calls from `concurrency` clients; their statuses and the time the last one took. */
async function burst(url: string, n: number, concurrency: number) {
  const statuses: Record<number, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            max_tokens: 50,
            messages: [{ role: 'user', content: 'Name three lighthouses.' }],
          }),
        });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  return { statuses, ms: performance.now() - started };
}

/** The most requests any key got within one sliding minute (the mock's clock, its arrival times). */
function busiestMinute(mock: MockUpstream, key: string): number {
  const times = mock.received.filter((r) => r.key === key).map((r) => r.at);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 60_000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function poolRun(dialect: MockDialect, balance: string, o: KeysOptions) {
  const keys = [0, 1, 2].map(keyName);
  const mock = await startMockUpstream({ dialect, keys, limits: { requests: 40, windowMs: 60_000 } });
  const headers = dialect !== 'nvidia';
  const gw = await gatewayFor({
    url: mock.url,
    dialect,
    keys,
    balance,
    ...(headers ? {} : { limits: { rpm: 40 } }),
    queue: { max_size: 10_000, timeout: '5m' },
  });
  const { statuses, ms } = await burst(gw.url, o.requests, o.concurrency);
  const perKey = keys.map((k) => mock.received.filter((r) => r.key === k && r.status === 200).length);
  const overLimit = Math.max(...keys.map((k) => busiestMinute(mock, k)));
  const upstream429 = mock.received.filter((r) => r.status === 429).length;
  await gw.close();
  await mock.close();
  const limits = headers ? 'learned' : 'rpm: 40';
  process.stdout.write(
    `${dialect.padEnd(8)} ${limits.padEnd(9)} ${balance.padEnd(15)} ${String(statuses[200] ?? 0).padStart(4)}/${o.requests}  ${(ms / 1000).toFixed(2).padStart(6)}  ${perKey.join(' / ').padEnd(14)} ${String(overLimit).padStart(13)}  ${String(upstream429).padStart(13)}\n`,
  );
}

async function failoverRun(label: string, faults: Fault[], o: KeysOptions) {
  const keys = Array.from({ length: 8 }, (_, i) => keyName(100 + i));
  const bad = keys.slice(0, faults.length);
  const mock = await startMockUpstream({ dialect: 'openai' });
  for (const [i, fault] of faults.entries()) mock.addFault({ key: bad[i]!, fault });
  const gw = await gatewayFor({
    url: mock.url,
    keys,
    balance: 'round_robin',
    timeout: '1s',
    queue: { max_size: 10_000, timeout: '1m' },
  });
  const { statuses, ms } = await burst(gw.url, o.requests, o.concurrency);
  const calls = mock.received.length;
  const onBad = mock.received.filter((r) => bad.includes(r.key ?? '')).length;
  await gw.close();
  await mock.close();
  const ok = statuses[200] ?? 0;
  process.stdout.write(
    `${label.padEnd(28)} ${`${((ok / o.requests) * 100).toFixed(1)}%`.padStart(8)}  ${String(calls).padStart(14)}  ${String(onBad).padStart(14)}  ${(((calls - ok) / o.requests) * 100).toFixed(1).padStart(10)}%  ${(ms / 1000).toFixed(2).padStart(6)}\n`,
  );
}

export async function runKeys(o: KeysOptions): Promise<void> {
  process.stdout.write(
    `(1) 3 keys at 40 requests/minute (hidden, per key), a burst of 100 from ${o.concurrency} clients\n`,
  );
  process.stdout.write(
    'dialect  limits    balance           ok    time s  served per key  busiest minute  upstream 429s\n',
  );
  for (const dialect of ['nvidia', 'openai'] as const)
    for (const balance of ['round_robin', 'least_loaded', 'most_remaining'])
      await poolRun(dialect, balance, { ...o, requests: 100 });

  const n = o.requests;
  process.stdout.write(`\n(2) 8 keys, 2 of them failing, a burst of ${n} from ${o.concurrency} clients\n`);
  process.stdout.write(
    'bad keys                      success  upstream calls  on bad keys  wasted/req  time s\n',
  );
  const runs: [string, Fault[]][] = [
    [
      '500 + 500',
      [
        { kind: 'status', status: 500 },
        { kind: 'status', status: 500 },
      ],
    ],
    ['500 + connection reset', [{ kind: 'status', status: 500 }, { kind: 'reset' }]],
    ['reset + hang (1 s timeout)', [{ kind: 'reset' }, { kind: 'hang' }]],
  ];
  for (const [label, faults] of runs) await failoverRun(label, faults, { ...o, requests: n });
}
