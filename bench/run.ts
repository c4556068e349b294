// `npm run bench [-- name] [--seconds N] [--rounds N] [--connections N] [--requests N] [--before REV]`: runs the benchmarks (soak: --seconds is its hostile phase, 90 by default; cache: --latency MS of the mock, --entries N for memory per entry; scale: --seconds N per row and phase, 5 by default, --concurrency N requests in flight, --latency MS of the mock).
import { parseArgs } from 'node:util';
import { runCache } from './cache.ts';
import { runGuard } from './guard.ts';
import { runKeys } from './keys.ts';
import { runOptimize } from './optimize.ts';
import { runOverhead } from './overhead.ts';
import { runScale } from './scale.ts';
import { runShaping } from './shaping.ts';
import { runSoak } from './soak.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    requests: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '50' },
    window: { type: 'string', default: '10000' },
    before: { type: 'string' },
    latency: { type: 'string', default: '30' },
    entries: { type: 'string', default: '20000' },
  },
});

const benches: Record<string, () => Promise<void>> = {
  shaping: () =>
    runShaping({
      requests: Number(values.requests),
      concurrency: Number(values.concurrency),
      windowMs: Number(values.window),
    }),
  keys: () => runKeys({ requests: Number(values.requests), concurrency: Number(values.concurrency) }),
  soak: () => runSoak({ seconds: Number(values.seconds ?? 90), concurrency: Number(values.concurrency) / 5 }),
  guard: () => runGuard({ requests: Number(values.requests) }),
  overhead: () =>
    runOverhead({
      seconds: Number(values.seconds ?? 5),
      rounds: Number(values.rounds),
      connections: Number(values.connections),
      before: values.before,
    }),
  optimize: () => runOptimize({}),
  cache: () =>
    runCache({
      seconds: Number(values.seconds ?? 4),
      latency: Number(values.latency),
      entries: Number(values.entries),
    }),
  scale: () =>
    runScale({
      seconds: Number(values.seconds ?? 5),
      concurrency: Number(values.concurrency),
      latency: Number(values.latency),
    }),
};

const selected = positionals.length > 0 ? positionals : Object.keys(benches);
for (const name of selected) {
  const bench = benches[name];
  if (!bench) {
    process.stderr.write(`unknown bench "${name}" (have: ${Object.keys(benches).join(', ')})\n`);
    process.exit(2);
  }
  process.stdout.write(`== bench/${name}\n`);
  await bench();
}
