// bench/overhead: what the gateway costs. Straight to the mock vs a bare node:http + undici
// pass-through vs the gateway (default settings), interleaved in one run, JSON and streams.
import { firstChunkLatency } from './lib/first-chunk.ts';
import { hasWrk, type LoadResult, wrk } from './lib/load.ts';
import { type Running, startGateway, startScript } from './lib/processes.ts';

interface Options {
  seconds: number;
  rounds: number;
  connections: number;
}

const CHAT = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello in five words.' }],
});
const STREAM = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  messages: [{ role: 'user', content: 'Say hello in five words.' }],
});
const PATH = '/v1/chat/completions';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function summarize(results: LoadResult[]): LoadResult {
  return {
    rps: median(results.map((r) => r.rps)),
    p50ms: median(results.map((r) => r.p50ms)),
    p99ms: median(results.map((r) => r.p99ms)),
    errors: results.reduce((a, r) => a + r.errors, 0),
  };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export async function runOverhead(options: Options): Promise<void> {
  if (!(await hasWrk())) {
    process.stderr.write('bench/overhead needs wrk (Debian: apt-get install wrk)\n');
    process.exitCode = 1;
    return;
  }
  const started: Running[] = [];
  try {
    const mock = await startScript('bench/servers/mock-server.ts');
    started.push(mock);
    const baseline = await startScript('bench/servers/passthrough-server.ts', { UPSTREAM_URL: mock.url });
    started.push(baseline);
    const gateway = await startGateway({
      OPENAI_API_URL: mock.url,
      OPENAI_API_KEY: 'sk-bench-upstream-key-0001',
    });
    started.push(gateway);
    const targets = { direct: mock.url, baseline: baseline.url, gateway: gateway.url } as const;
    type Target = keyof typeof targets;
    const names = Object.keys(targets) as Target[];
    const headers = { authorization: 'Bearer sk-bench-client' };

    for (const scenario of [
      { name: 'JSON', body: CHAT },
      { name: 'stream', body: STREAM },
    ]) {
      const results: Record<Target, LoadResult[]> = { direct: [], baseline: [], gateway: [] };
      // Warm each target (JIT, connection pools) before measuring.
      for (const t of names)
        await wrk({
          url: targets[t] + PATH,
          body: scenario.body,
          connections: options.connections,
          seconds: 2,
          headers,
        });
      for (let round = 0; round < options.rounds; round++) {
        for (const t of names) {
          results[t].push(
            await wrk({
              url: targets[t] + PATH,
              body: scenario.body,
              connections: options.connections,
              seconds: options.seconds,
              headers,
            }),
          );
        }
      }
      const single: Record<Target, LoadResult[]> = { direct: [], baseline: [], gateway: [] };
      for (let round = 0; round < options.rounds; round++) {
        for (const t of names)
          single[t].push(
            await wrk({
              url: targets[t] + PATH,
              body: scenario.body,
              connections: 1,
              seconds: Math.max(2, Math.round(options.seconds / 2)),
              headers,
            }),
          );
      }
      const base = summarize(results.baseline);
      const directOne = summarize(single.direct);
      process.stdout.write(
        `\n${scenario.name}: ${options.connections} connections, ${options.rounds} rounds of ${options.seconds}s, medians\n`,
      );
      process.stdout.write(
        'target     req/s   vs baseline  p50 ms  p99 ms  errors | 1 conn: p50 ms  added p50 ms\n',
      );
      for (const t of names) {
        const r = summarize(results[t]);
        const one = summarize(single[t]);
        process.stdout.write(
          `${t.padEnd(9)} ${fmt(r.rps).padStart(6)}  ${fmt((r.rps / base.rps) * 100).padStart(9)}%  ${fmt(r.p50ms, 2).padStart(6)}  ${fmt(r.p99ms, 2).padStart(6)}  ${String(r.errors).padStart(6)} |         ${fmt(one.p50ms, 3).padStart(6)}  ${fmt(one.p50ms - directOne.p50ms, 3).padStart(12)}\n`,
        );
      }
    }

    // First chunk of a stream whose chunks come 5 ms apart: does the gateway hold the first one back?
    const first: Record<Target, number[]> = { direct: [], baseline: [], gateway: [] };
    for (let round = 0; round < options.rounds; round++) {
      for (const t of names) {
        const r = await firstChunkLatency(targets[t] + PATH, STREAM, 200, {
          ...headers,
          'x-mock-chunk-delay-ms': '5',
        });
        first[t].push(r.p50ms);
      }
    }
    process.stdout.write(
      '\nstream time to first chunk (chunks 5 ms apart, 1 connection, 200 requests x rounds)\n',
    );
    process.stdout.write('target     p50 ms  added ms\n');
    const d = median(first.direct);
    for (const t of names)
      process.stdout.write(
        `${t.padEnd(9)} ${fmt(median(first[t]), 3).padStart(7)}  ${fmt(median(first[t]) - d, 3).padStart(8)}\n`,
      );
  } finally {
    for (const p of started.reverse()) await p.stop();
  }
}
