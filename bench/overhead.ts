// bench/overhead: what the gateway costs. Straight to the mock vs a bare node:http + undici pipe
// vs a lean proxy that also parses the JSON both ways vs the gateway (default settings),
// interleaved in one run, JSON and streams, each proxy pinned to a core of its own. With
// `--before REV` the gateway as of that commit runs alongside, for a before/after in one run.
import { firstChunkLatency } from './lib/first-chunk.ts';
import { hasWrk, type LoadResult, wrk } from './lib/load.ts';
import { cpuMicros, pinning, type Running, residentMiB, startGateway, startScript } from './lib/processes.ts';
import { checkoutAt } from './lib/revision.ts';

interface Options {
  seconds: number;
  rounds: number;
  connections: number;
  before?: string;
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

interface Measured extends LoadResult {
  rssMiB: number;
  /** The proxy's CPU time per request (all its threads): steady where req/s swings with the VM. */
  cpuUs: number;
}

function summarize(results: Measured[]): Measured {
  return {
    rps: median(results.map((r) => r.rps)),
    p50ms: median(results.map((r) => r.p50ms)),
    p99ms: median(results.map((r) => r.p99ms)),
    errors: results.reduce((a, r) => a + r.errors, 0),
    requests: results.reduce((a, r) => a + r.requests, 0),
    rssMiB: Math.max(...results.map((r) => r.rssMiB)),
    cpuUs: median(results.map((r) => r.cpuUs)),
  };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const ratio = (a: number, b: number) => `${fmt(a / b, 2)}x`;

interface Target {
  name: string;
  url: string;
  /** The process serving it, for its memory; absent for the mock itself. */
  process?: Running;
}

export async function runOverhead(options: Options): Promise<void> {
  if (!(await hasWrk())) {
    process.stderr.write('bench/overhead needs wrk (Debian: apt-get install wrk)\n');
    process.exitCode = 1;
    return;
  }
  const started: Running[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const mock = await startScript('bench/servers/mock-server.ts', {}, pinning.load);
    started.push(mock);
    const bare = await startScript(
      'bench/servers/passthrough-server.ts',
      { UPSTREAM_URL: mock.url },
      pinning.proxy,
    );
    const lean = await startScript(
      'bench/servers/parsing-passthrough-server.ts',
      { UPSTREAM_URL: mock.url },
      pinning.proxy,
    );
    const env = { OPENAI_API_URL: mock.url, OPENAI_API_KEY: 'sk-bench-upstream-key-0001' };
    // Every request here is the same: the response cache is off, so what is measured is the pass-through
    // (bench/cache measures hits).
    const gateway = await startGateway(env, ['--no-cache'], pinning.proxy);
    // The same, with a client limit (RATE_LIMIT: the seed's per-client rpm) and a global daily
    // budget (COOLDOWN_BUDGET) too high to refuse anything: what identity, limits and budgets cost.
    const guarded = await startGateway(
      { ...env, RATE_LIMIT: '100000000', COOLDOWN_BUDGET: '1000000' },
      ['--no-cache'],
      pinning.proxy,
    );
    started.push(bare, lean, gateway, guarded);
    const targets: Target[] = [
      { name: 'direct', url: mock.url },
      { name: 'bare pipe', url: bare.url, process: bare },
      { name: 'lean parse', url: lean.url, process: lean },
      { name: 'gateway', url: gateway.url, process: gateway },
      { name: 'gw+limits', url: guarded.url, process: guarded },
    ];
    if (options.before) {
      const old = await checkoutAt(options.before);
      cleanups.push(old.remove);
      const before = await startGateway(env, ['--no-cache'], pinning.proxy, old.dir);
      started.push(before);
      targets.push({ name: `gw@${options.before.slice(0, 7)}`, url: before.url, process: before });
    }
    const headers = { authorization: 'Bearer sk-bench-client' };
    const load = async (t: Target, body: string, connections: number, seconds: number): Promise<Measured> => {
      const cpuBefore = t.process ? cpuMicros(t.process.child) : Number.NaN;
      const r = await wrk({ url: t.url + PATH, body, connections, seconds, headers, pin: pinning.load });
      return {
        ...r,
        // Sampled right at the end of the load, while every connection is still open.
        rssMiB: t.process ? residentMiB(t.process.child) : Number.NaN,
        cpuUs: t.process ? (cpuMicros(t.process.child) - cpuBefore) / r.requests : Number.NaN,
      };
    };
    process.stdout.write(
      pinning.proxy.length > 0
        ? `each proxy pinned to core ${pinning.proxy[2]}; wrk and the mock on ${pinning.load[2]}\n`
        : 'not pinned (one core, or no taskset)\n',
    );

    for (const scenario of [
      { name: 'JSON', body: CHAT },
      { name: 'stream', body: STREAM },
    ]) {
      const results = new Map<Target, Measured[]>(targets.map((t) => [t, []]));
      const single = new Map<Target, Measured[]>(targets.map((t) => [t, []]));
      // Warm each target (JIT, connection pools) before measuring.
      for (const t of targets) await load(t, scenario.body, options.connections, 2);
      for (let round = 0; round < options.rounds; round++)
        for (const t of targets)
          results.get(t)!.push(await load(t, scenario.body, options.connections, options.seconds));
      for (let round = 0; round < options.rounds; round++)
        for (const t of targets)
          single.get(t)!.push(await load(t, scenario.body, 1, Math.max(2, Math.round(options.seconds / 2))));
      const leanR = summarize(results.get(targets[2]!)!);
      const bareR = summarize(results.get(targets[1]!)!);
      const directOne = summarize(single.get(targets[0]!)!);
      process.stdout.write(
        `\n${scenario.name}: ${options.connections} connections, ${options.rounds} rounds of ${options.seconds}s, medians (RSS: the most)\n`,
      );
      process.stdout.write(
        'target       req/s  vs bare  vs lean  p50 ms  p99 ms  p99 vs lean  RSS MiB  RSS vs lean  CPU µs/req  errors | 1 conn p50 ms  added  CPU µs/req\n',
      );
      for (const t of targets) {
        const r = summarize(results.get(t)!);
        const one = summarize(single.get(t)!);
        process.stdout.write(
          `${t.name.padEnd(11)} ${fmt(r.rps).padStart(6)}  ${fmt((r.rps / bareR.rps) * 100).padStart(6)}%  ${fmt((r.rps / leanR.rps) * 100).padStart(6)}%  ${fmt(r.p50ms, 2).padStart(6)}  ${fmt(r.p99ms, 2).padStart(6)}  ${ratio(r.p99ms, leanR.p99ms).padStart(11)}  ${fmt(r.rssMiB).padStart(7)}  ${ratio(r.rssMiB, leanR.rssMiB).padStart(11)}  ${fmt(r.cpuUs, 1).padStart(10)}  ${String(r.errors).padStart(6)} |  ${fmt(one.p50ms, 3).padStart(12)}  ${fmt(one.p50ms - directOne.p50ms, 3).padStart(5)}  ${fmt(one.cpuUs, 1).padStart(10)}\n`,
        );
      }
    }

    // First chunk of a stream whose chunks come 5 ms apart: does the gateway hold the first one back?
    const first = new Map<Target, number[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (const t of targets) {
        const r = await firstChunkLatency(t.url + PATH, STREAM, 200, {
          ...headers,
          'x-mock-chunk-delay-ms': '5',
        });
        first.get(t)!.push(r.p50ms);
      }
    }
    process.stdout.write(
      '\nstream time to first chunk (chunks 5 ms apart, 1 connection, 200 requests x rounds)\n',
    );
    process.stdout.write('target       p50 ms  added ms\n');
    const d = median(first.get(targets[0]!)!);
    for (const t of targets)
      process.stdout.write(
        `${t.name.padEnd(11)} ${fmt(median(first.get(t)!), 3).padStart(7)}  ${fmt(median(first.get(t)!) - d, 3).padStart(8)}\n`,
      );
  } finally {
    for (const p of started.reverse()) await p.stop();
    for (const c of cleanups) await c();
  }
}
